import hre, { network } from "hardhat";

import { loadL2Crypto } from "../l2/index.js";
import { ZkPowRollup__factory } from "../../types/ethers-contracts/index.js";
import { startChain, type RunningChain } from "./chains.js";
import { renderDashboard } from "./dashboard.js";
import { deployDevnetRollup, type DevnetRollup } from "./deploy.js";
import { startMinerProcess, type MinerProcess } from "./miners.js";
import { ChainObserver } from "./observer.js";
import type { DevnetPlan } from "./plan.js";
import { startDevnetSequencer, type DevnetSequencer } from "./sequencers.js";
import { summarise, type ChainInput, type ChainWindows, type DevnetSummary } from "./summary.js";
import { TrafficGenerator } from "./traffic.js";

/** The devnet could not start or broke while running; the message says which part. */
export class DevnetError extends Error {
  override readonly name = "DevnetError";
}

/** Seconds a miner may take to prove a sequence before the devnet calls it stalled (no commit at all). */
const PROVING_ALLOWANCE_SECONDS = 120;
/** Unclaimed rewards take a few calls per verified sequence: read every few seconds, not every poll. */
const REWARDS_EVERY_MS = 5_000;

interface ChainPart {
  readonly chain: RunningChain;
  readonly rollup: DevnetRollup;
  readonly windows: ChainWindows;
  readonly observer: ChainObserver;
  readonly sequencer: DevnetSequencer;
  readonly traffic: TrafficGenerator;
}

/**
 * A whole network on one machine: local base chains, a rollup on each, a
 * sequencer per chain with generated L2 traffic, and miner processes.
 * Everything the dashboard and the summary show is read from the chains.
 */
export class Devnet {
  private closed = false;
  private rewardsReadAt = 0;

  private constructor(
    private readonly parts: readonly ChainPart[],
    private readonly miners: readonly MinerProcess[],
    private readonly chains: readonly RunningChain[],
  ) {}

  static async start(plan: DevnetPlan, dir: string, say: (line: string) => void): Promise<Devnet> {
    const crypto = await loadL2Crypto();
    const chains: RunningChain[] = [];
    const sequencers: DevnetSequencer[] = [];
    const miners: MinerProcess[] = [];
    try {
      for (const chainPlan of plan.chains) {
        const chain = await startChain(network, chainPlan);
        chains.push(chain);
        say(
          `chain ${chainPlan.name} (id ${chainPlan.chainId}, a block every ${chainPlan.blockTimeSeconds} s) at ${chain.url}`,
        );
      }
      say("deploying the rollup on each chain, funding the sequencers, staking the miners");
      const rollups = await Promise.all(
        chains.map((chain) => deployDevnetRollup(chain, plan, crypto, dir, hre.config.paths.ignition)),
      );
      for (const chain of chains) await chain.realTime();
      const parts: ChainPart[] = [];
      for (const rollup of rollups) {
        const { chain } = rollup;
        const config = await ZkPowRollup__factory.connect(rollup.rollup, chain.ethers.provider).getConfig();
        const windows: ChainWindows = {
          commitWindow: Number(config.commitWindow),
          revealWindow: Number(config.revealWindow),
          blockTimeSeconds: chain.plan.blockTimeSeconds,
          provingAllowance: Math.ceil(PROVING_ALLOWANCE_SECONDS / chain.plan.blockTimeSeconds),
        };
        const sequencer = await startDevnetSequencer(rollup, plan, dir);
        sequencers.push(sequencer);
        say(
          `${chain.plan.name}: rollup ${rollup.rollup}, T1 ${windows.commitWindow} blocks, T2 ${windows.revealWindow} blocks; sequencer at ${sequencer.url}`,
        );
        const traffic = new TrafficGenerator(
          sequencer.sink,
          crypto,
          rollup.keys,
          chain.plan.rollupChainId,
          plan.transferIntervalMs,
        );
        const observer = new ChainObserver(chain.ethers.provider, rollup.rollup, rollup.deploymentBlock);
        parts.push({ chain, rollup, windows, observer, sequencer, traffic });
      }
      for (const minerPlan of plan.miners) {
        const miner = await startMinerProcess(minerPlan, rollups, plan, dir);
        miners.push(miner);
        say(
          `miner ${minerPlan.name} (${miner.address}, ${minerPlan.threads} prover thread(s)) on ${minerPlan.chains.join(", ")}; log ${miner.logFile}`,
        );
      }
      for (const part of parts) part.traffic.start();
      return new Devnet(parts, miners, chains);
    } catch (error) {
      await Promise.allSettled(miners.map((miner) => miner.stop()));
      await Promise.allSettled(sequencers.map((sequencer) => sequencer.stop()));
      await Promise.allSettled(chains.map((chain) => chain.close()));
      throw error;
    }
  }

  /** Reads what the chains did since the last poll; a miner process that ended is an error. */
  async poll(): Promise<void> {
    await Promise.all(this.parts.map((part) => part.observer.poll()));
    if (Date.now() - this.rewardsReadAt > REWARDS_EVERY_MS) {
      this.rewardsReadAt = Date.now();
      await Promise.all(this.parts.map((part) => part.observer.refreshRewardsDue()));
    }
    for (const miner of this.miners) {
      const code = miner.child.exitCode ?? miner.child.signalCode;
      if (code !== null) {
        throw new DevnetError(
          `miner ${miner.plan.name} stopped (${code}); its log: ${miner.logFile}\n${miner.stderrTail()}`,
        );
      }
    }
  }

  render(elapsedSeconds: number): string {
    const footer = this.parts
      .filter((part) => part.traffic.stats.lastRefusal !== undefined)
      .map(
        (part) =>
          `${part.chain.plan.name}: ${part.traffic.stats.refused} transfer(s) refused, last: ${part.traffic.stats.lastRefusal}`,
      );
    return renderDashboard(this.inputs(), this.summary(elapsedSeconds), elapsedSeconds, footer);
  }

  progressLine(elapsedSeconds: number): string {
    const chains = this.summary(elapsedSeconds).chains.map(
      (c) =>
        `${c.name} ${c.transfersAccepted} transfers, ${c.sequencesVerified}/${c.sequencesPosted} sequences verified`,
    );
    return `devnet ${Math.round(elapsedSeconds)} s: ${chains.join("; ")}`;
  }

  summary(elapsedSeconds: number): DevnetSummary {
    return summarise(
      this.inputs(),
      this.miners.map((miner) => ({ name: miner.plan.name, address: miner.address, chains: miner.plan.chains })),
      Math.round(elapsedSeconds),
    );
  }

  /**
   * Stops the traffic, reads the chains one last time, then stops everything
   * (the miners cleanly, with SIGTERM) and returns the summary.
   */
  async finish(elapsedSeconds: number): Promise<DevnetSummary> {
    await Promise.all(this.parts.map((part) => part.traffic.stop()));
    await Promise.all(this.parts.map((part) => part.observer.poll()));
    await Promise.all(this.parts.map((part) => part.observer.refreshRewardsDue()));
    const summary = this.summary(elapsedSeconds);
    await this.close();
    return summary;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.parts.map((part) => part.traffic.stop()));
    await Promise.allSettled(this.miners.map((miner) => miner.stop()));
    await Promise.allSettled(this.parts.map((part) => part.sequencer.stop()));
    await Promise.allSettled(this.chains.map((chain) => chain.close()));
  }

  private inputs(): ChainInput[] {
    return this.parts.map((part) => ({
      name: part.chain.plan.name,
      chainId: part.chain.plan.chainId,
      windows: part.windows,
      snapshot: part.observer.snapshot(),
      transfersAccepted: part.traffic.stats.accepted,
    }));
  }
}
