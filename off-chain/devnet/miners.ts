import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

import { HDNodeWallet, Mnemonic } from "ethers";

import type { DevnetRollup } from "./deploy.js";
import type { DevnetMiner, DevnetPlan } from "./plan.js";

/** Hardhat's default mnemonic: the devnet's base-chain accounts are development accounts, never for a real chain. */
const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");

export function defaultAccount(index: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${index}`);
}

/** A miner process of the devnet, as a person runs one: `npm run miner -- --config …`. */
export interface MinerProcess {
  readonly plan: DevnetMiner;
  readonly address: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Settles with the exit code (or signal) when the process ends. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** The last lines the process wrote to stderr (why it stopped, when it did). */
  stderrTail(): string;
  /** SIGTERM (the miner stops cleanly), then SIGKILL if it has not ended after `graceMs`. */
  stop(graceMs?: number): Promise<number | NodeJS.Signals>;
}

/** Writes the miner's config (the rollups of the chains it serves) and starts its process. */
export async function startMinerProcess(
  miner: DevnetMiner,
  rollups: readonly DevnetRollup[],
  plan: DevnetPlan,
  dir: string,
): Promise<MinerProcess> {
  const served = rollups.filter((rollup) => miner.chains.includes(rollup.chain.plan.name));
  const config = {
    circuit: plan.circuit,
    dataDir: `miner-${miner.name}`,
    proverThreads: miner.threads,
    chains: served.map((rollup) => ({
      name: rollup.chain.plan.name,
      rpcUrl: rollup.chain.url,
      chainId: rollup.chain.plan.chainId,
      rollup: rollup.rollup,
      genesis: rollup.genesisFile,
      deploymentBlock: rollup.deploymentBlock,
      // The devnet's chains never reorganise: no depth to wait for (a block of Ethereum's is 12 s); a look at the
      // chain twice per block.
      confirmations: 0,
      pollIntervalMs: Math.max(200, Math.round((rollup.chain.plan.blockTimeSeconds * 1000) / 2)),
    })),
  };
  const configFile = join(dir, `miner-${miner.name}.json`);
  await writeFile(configFile, JSON.stringify(config, null, 2) + "\n");
  const logFile = join(dir, `miner-${miner.name}.log`);
  const account = defaultAccount(miner.account);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/miner.ts", "--config", configFile, "--no-status", "--log-file", logFile],
    {
      cwd: process.cwd(),
      env: { ...process.env, MINER_PRIVATE_KEY: account.privateKey },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  // Read stderr continuously (a full pipe would block the miner); keep its last lines.
  let tail = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    tail = (tail + chunk).slice(-4_000);
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve(code ?? signal ?? 0);
    });
  });
  return {
    plan: miner,
    address: account.address,
    logFile,
    child,
    exited,
    stderrTail: () => tail.trim(),
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
}
