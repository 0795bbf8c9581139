import type { ChainSnapshot, MinerRecord, SequenceRecord } from "./observer.js";

/** A chain's windows, in its blocks (from the rollup's getConfig()). */
export interface ChainWindows {
  readonly commitWindow: number;
  readonly revealWindow: number;
  readonly blockTimeSeconds: number;
  /**
   * Blocks a miner may take to prove a sequence before the first commit: a
   * sequence with no commit this long after it could be proven counts as
   * stalled (the windows only start at a commit).
   */
  readonly provingAllowance: number;
}

/** Where an unverified sequence stands. */
export type SequencePhase =
  | { readonly kind: "waiting"; readonly on: bigint }
  | { readonly kind: "proving"; readonly since: number; readonly deadline: number }
  | { readonly kind: "commit"; readonly round: number; readonly closesAt: number }
  | { readonly kind: "reveal"; readonly round: number; readonly closesAt: number }
  | { readonly kind: "stalled"; readonly round: number; readonly why: string };

/**
 * The phase of each unverified sequence at the head. T1 starts at the round's
 * first commit or when the predecessor is verified, whichever is later; the
 * reveal window (T2) follows T1 (the rollup contract's `_revealStart`). A
 * sequence is stalled when a round failed (a second round opened), when its
 * round's reveal window closed without a valid proof, or when no miner
 * committed within the proving allowance after it could be proven.
 */
export function sequencePhases(snapshot: ChainSnapshot, windows: ChainWindows): Map<bigint, SequencePhase> {
  const phases = new Map<bigint, SequencePhase>();
  let previous: SequenceRecord | undefined;
  for (const record of snapshot.sequences) {
    if (record.verifiedBlock === undefined) {
      if (previous !== undefined && previous.verifiedBlock === undefined) {
        phases.set(record.sequence, { kind: "waiting", on: previous.sequence });
      } else {
        phases.set(record.sequence, phaseOfHead(record, previous?.verifiedBlock ?? 0, snapshot.head, windows));
      }
    }
    previous = record;
  }
  return phases;
}

function phaseOfHead(
  record: SequenceRecord,
  predecessorVerified: number,
  head: number,
  w: ChainWindows,
): SequencePhase {
  if (record.round > 1) return { kind: "stalled", round: record.round, why: `round ${record.round - 1} failed` };
  const ready = Math.max(record.postedBlock, predecessorVerified);
  if (record.commitStart === 0) {
    const deadline = ready + w.provingAllowance;
    return head < deadline
      ? { kind: "proving", since: ready, deadline }
      : { kind: "stalled", round: 0, why: `no commit ${head - ready} blocks after it could be proven` };
  }
  const start = Math.max(record.commitStart, predecessorVerified);
  if (head < start + w.commitWindow) return { kind: "commit", round: record.round, closesAt: start + w.commitWindow };
  const closesAt = start + w.commitWindow + w.revealWindow;
  if (head < closesAt) return { kind: "reveal", round: record.round, closesAt };
  return {
    kind: "stalled",
    round: record.round,
    why: `round ${record.round}'s reveal window closed at block ${closesAt}`,
  };
}

export interface MinerSummary {
  readonly name: string;
  readonly address: string;
  readonly chains: readonly string[];
  readonly commits: number;
  readonly validProofs: number;
  readonly finalised: number;
  readonly penalties: number;
  readonly penaltyAmount: string;
  /** Rewards claimed per chain, in that chain's token units (wei): each rollup pays in its own token. */
  readonly rewards: Readonly<Record<string, string>>;
  /** Rewards earned and not yet claimed, per chain (a claim waits until the late reveals' window closes). */
  readonly rewardsDue: Readonly<Record<string, string>>;
}

export interface ChainSummary {
  readonly name: string;
  readonly chainId: number;
  readonly blockTimeSeconds: number;
  readonly headBlock: number;
  readonly transfersAccepted: number;
  readonly sequencesPosted: number;
  readonly sequencesVerified: number;
  readonly batchesPosted: number;
  readonly batchesVerified: number;
  /** Median seconds from posting to verification (block timestamps); null when none verified. */
  readonly medianSecondsToVerify: number | null;
  readonly maxSecondsToVerify: number | null;
  /** Unverified sequences past their windows, with why. */
  readonly stalled: readonly { readonly sequence: string; readonly why: string }[];
}

export interface DevnetSummary {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly durationSeconds: number;
  readonly chains: readonly ChainSummary[];
  readonly miners: readonly MinerSummary[];
}

export interface ChainInput {
  readonly name: string;
  readonly chainId: number;
  readonly windows: ChainWindows;
  readonly snapshot: ChainSnapshot;
  readonly transfersAccepted: number;
}

export interface MinerInput {
  readonly name: string;
  readonly address: string;
  readonly chains: readonly string[];
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The devnet's verdict: it passed when no sequence stayed unverified past its
 * windows and no miner was penalised (every devnet miner is honest, so a
 * penalty is a bug in the miner or the contract).
 */
export function summarise(
  chains: readonly ChainInput[],
  miners: readonly MinerInput[],
  durationSeconds: number,
): DevnetSummary {
  const problems: string[] = [];
  const chainSummaries = chains.map((chain): ChainSummary => {
    const phases = sequencePhases(chain.snapshot, chain.windows);
    const stalled = [...phases]
      .filter(([, phase]) => phase.kind === "stalled")
      .map(([sequence, phase]) => ({ sequence: sequence.toString(), why: phase.kind === "stalled" ? phase.why : "" }));
    for (const s of stalled) problems.push(`${chain.name}: sequence ${s.sequence} is unverified: ${s.why}`);
    const verified = chain.snapshot.sequences.filter((s) => s.verifiedAt !== undefined);
    const delays = verified.map((s) => (s.verifiedAt as number) - s.postedAt);
    return {
      name: chain.name,
      chainId: chain.chainId,
      blockTimeSeconds: chain.windows.blockTimeSeconds,
      headBlock: chain.snapshot.head,
      transfersAccepted: chain.transfersAccepted,
      sequencesPosted: chain.snapshot.sequences.length,
      sequencesVerified: verified.length,
      batchesPosted: chain.snapshot.sequences.reduce((n, s) => n + s.batches, 0),
      batchesVerified: verified.reduce((n, s) => n + s.batches, 0),
      medianSecondsToVerify: median(delays),
      maxSecondsToVerify: delays.length === 0 ? null : Math.max(...delays),
      stalled,
    };
  });
  const minerSummaries = miners.map((miner): MinerSummary => {
    const perChain = chains.flatMap((chain) => {
      const record = chain.snapshot.miners.get(miner.address.toLowerCase());
      return record === undefined ? [] : [{ chain: chain.name, record }];
    });
    const records = perChain.map(({ record }) => record);
    const sum = (pick: (record: MinerRecord) => number) => records.reduce((n, record) => n + pick(record), 0);
    const penalties = sum((r) => r.rejected + r.missed);
    const penaltyAmount = records.reduce((n, r) => n + r.penalties, 0n);
    if (penalties > 0) problems.push(`miner ${miner.name} (${miner.address}) was penalised ${penalties} time(s)`);
    return {
      name: miner.name,
      address: miner.address,
      chains: miner.chains,
      commits: sum((r) => r.commits),
      validProofs: sum((r) => r.validProofs),
      finalised: sum((r) => r.finalised),
      penalties,
      penaltyAmount: penaltyAmount.toString(),
      rewards: Object.fromEntries(perChain.map(({ chain, record }) => [chain, record.rewards.toString()])),
      rewardsDue: Object.fromEntries(perChain.map(({ chain, record }) => [chain, record.rewardsDue.toString()])),
    };
  });
  return { ok: problems.length === 0, problems, durationSeconds, chains: chainSummaries, miners: minerSummaries };
}
