import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { deployChain } from "../../off-chain/deploy/target.js";
import type { ZkPowRollup } from "../../types/ethers-contracts/index.js";
import { openRollup, runTask, type RollupTaskArguments } from "./shared.js";

export interface StatusTaskArguments extends RollupTaskArguments {
  readonly limit: number;
  readonly blockTime: number;
}

/** What rollup:status reads: the configuration, the heads, and each open sequence's windows. */
export interface RollupStatus {
  readonly rollup: string;
  readonly network: string;
  readonly chainId: number;
  readonly block: number;
  readonly blockTimeSeconds: number | undefined;
  readonly config: Record<string, string>;
  readonly lastBatch: bigint;
  readonly lastVerifiedBatch: bigint;
  readonly stateRoot: bigint;
  readonly carry: bigint;
  readonly paused: boolean;
  readonly emergency: boolean;
  readonly openSequences: readonly OpenSequence[];
}

/** An unverified sequence, and where its round stands. */
export interface OpenSequence {
  readonly sequence: bigint;
  readonly lastBatch: bigint;
  readonly round: number;
  /** "waiting": its predecessor is unverified (its windows have not started); "no commit"; "commit"; "reveal"; "failed". */
  readonly phase: "waiting" | "no commit" | "commit" | "reveal" | "failed";
  /** The commit window T1 [from, to) in blocks, when it has started. */
  readonly commitWindow?: readonly [number, number];
  /** The reveal window T2 [from, to) in blocks. */
  readonly revealWindow?: readonly [number, number];
}

/**
 * `npx hardhat rollup:status --network <chain>`: prints the rollup's
 * configuration (windows in blocks and seconds), the last batch, the last
 * verified batch, the open sequences with their round's windows, and the
 * carry.
 */
export default async function statusTask(args: StatusTaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask("rollup:status", async () => {
    const status = await readStatus(hre, args);
    printStatus(status);
  });
}

export async function readStatus(hre: HardhatRuntimeEnvironment, args: StatusTaskArguments): Promise<RollupStatus> {
  const { connection, chain, rollup, rollupAddress } = await openRollup(hre, args);
  let blockTimeSeconds: number | undefined = args.blockTime > 0 ? args.blockTime : undefined;
  try {
    blockTimeSeconds = deployChain(chain, blockTimeSeconds).blockTimeSeconds;
  } catch {
    // A chain zkpow knows no block time of (e.g. a local 31337 node without --block-time): windows in blocks only.
    blockTimeSeconds = undefined;
  }
  const config = await rollup.getConfig();
  const [lastBatch, lastVerifiedBatch, stateRoot, carry, paused, emergency, block] = await Promise.all([
    rollup.lastBatch(),
    rollup.lastVerifiedBatch(),
    rollup.stateRoot(),
    rollup.carry(),
    rollup.paused(),
    rollup.emergencyState(),
    connection.ethers.provider.getBlockNumber(),
  ]);
  const commitWindow = Number(config.commitWindow);
  const revealWindow = Number(config.revealWindow);

  const openSequences: OpenSequence[] = [];
  let sequence = lastVerifiedBatch + 1n;
  while (sequence <= lastBatch && openSequences.length < args.limit) {
    const info = await rollup.getSequence(sequence);
    const head = sequence === lastVerifiedBatch + 1n;
    const round = Number(info.round);
    const commitStart = Number(info.commitStart);
    let entry: OpenSequence = { sequence, lastBatch: info.lastBatch, round, phase: head ? "no commit" : "waiting" };
    if (head && commitStart !== 0) {
      const start = Math.max(commitStart, await headClockSince(rollup, commitStart, block));
      const t1: [number, number] = [start, start + commitWindow];
      const t2: [number, number] = [t1[1], t1[1] + revealWindow];
      const phase = block < t1[1] ? "commit" : block < t2[1] ? "reveal" : "failed";
      entry = { ...entry, phase, commitWindow: t1, revealWindow: t2 };
    }
    openSequences.push(entry);
    sequence = info.lastBatch + 1n;
  }
  const seconds = (blocks: bigint) =>
    blockTimeSeconds === undefined ? "" : ` (${formatSeconds(Number(blocks) * blockTimeSeconds)})`;
  return {
    rollup: rollupAddress,
    network: chain.network,
    chainId: chain.chainId,
    block,
    blockTimeSeconds,
    config: {
      "rollup chain id": config.chainId.toString(),
      "batch size": config.batchSize.toString(),
      "tree depth": config.treeDepth.toString(),
      "max batches per sequence": config.maxBatchesPerSequence.toString(),
      "commit window (T1)": `${config.commitWindow} blocks${seconds(config.commitWindow)}`,
      "reveal window (T2)": `${config.revealWindow} blocks${seconds(config.revealWindow)}`,
      "unbonding delay": `${config.unbondingDelay} blocks${seconds(config.unbondingDelay)}`,
      "emergency timeout": `${config.emergencyTimeout} blocks${seconds(config.emergencyTimeout)}`,
      "verifier upgrade delay": `${config.verifierUpgradeDelay} blocks${seconds(config.verifierUpgradeDelay)}`,
      "minimum stake": config.minimumStake.toString(),
      "missed-proof penalty": config.missedProofPenalty.toString(),
      "invalid-proof penalty": config.invalidProofPenalty.toString(),
      "batch fee": config.batchFee.toString(),
      token: config.token,
      verifier: config.verifier,
    },
    lastBatch,
    lastVerifiedBatch,
    stateRoot,
    carry,
    paused,
    emergency: emergency.active,
    openSequences,
  };
}

/**
 * The head's T1 starts at its first commit, or later when the predecessor was
 * verified (or an emergency ended) after that commit (the contract's
 * _revealStart, whose clock is not exposed): only events since the commit
 * matter, so the query's range is bounded by the windows.
 */
async function headClockSince(rollup: ZkPowRollup, commitStart: number, block: number): Promise<number> {
  const [verified, left] = await Promise.all([
    rollup.queryFilter(rollup.filters.SequenceVerified(), commitStart, block),
    rollup.queryFilter(rollup.filters.EmergencyLeft(), commitStart, block),
  ]);
  return Math.max(0, ...[...verified, ...left].map((event) => event.blockNumber));
}

function formatSeconds(total: number): string {
  if (total < 120) return `${Math.round(total * 100) / 100} s`;
  if (total < 7200) return `${Math.round(total / 6) / 10} min`;
  if (total < 172_800) return `${Math.round(total / 360) / 10} h`;
  return `${Math.round(total / 8640) / 10} days`;
}

function printStatus(status: RollupStatus): void {
  const seconds = status.blockTimeSeconds;
  console.log(`rollup ${status.rollup} on ${status.network} (chain id ${status.chainId}), block ${status.block}`);
  console.log(seconds === undefined ? "  (no block time known: windows in blocks only)" : `  ${seconds} s per block`);
  for (const [name, value] of Object.entries(status.config)) console.log(`  ${name.padEnd(26)}${value}`);
  console.log(`  ${"last batch".padEnd(26)}${status.lastBatch}`);
  console.log(`  ${"last verified batch".padEnd(26)}${status.lastVerifiedBatch}`);
  console.log(`  ${"state root".padEnd(26)}${status.stateRoot}`);
  console.log(`  ${"carry".padEnd(26)}${status.carry}`);
  console.log(`  ${"paused".padEnd(26)}${status.paused}${status.emergency ? " (EMERGENCY)" : ""}`);
  console.log(status.openSequences.length === 0 ? "no open sequence" : "open sequences:");
  const inSeconds = (blocks: number) => (seconds === undefined ? "" : ` = ${formatSeconds(blocks * seconds)}`);
  for (const open of status.openSequences) {
    let line = `  sequence ${open.sequence} (batches ${open.sequence}-${open.lastBatch}) round ${open.round}: ${open.phase}`;
    if (open.commitWindow !== undefined && open.revealWindow !== undefined) {
      const [t1, t2] = [open.commitWindow, open.revealWindow];
      const left = (end: number) => Math.max(0, end - status.block);
      line +=
        `; T1 blocks [${t1[0]}, ${t1[1]}) ${left(t1[1])} left${inSeconds(left(t1[1]))}` +
        `; T2 blocks [${t2[0]}, ${t2[1]}) ${left(t2[1])} left${inSeconds(left(t2[1]))}`;
    }
    console.log(line);
  }
}
