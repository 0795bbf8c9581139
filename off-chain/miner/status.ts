import type { RemoteProverStatus } from "../prover/remote/hub.js";

/** What a deadline that the miner is racing is about. */
export type DeadlineKind = "commit window closes" | "reveal window closes" | "late window closes";

/** The next window edge that matters to this miner on one chain. */
export interface Deadline {
  readonly sequence: bigint;
  readonly kind: DeadlineKind;
  /** The last block in which it is still allowed. */
  readonly block: bigint;
}

/** Sequences by where they stand for this miner. */
export interface SequenceCounts {
  /** Posted and read by the follower (at least `confirmations` deep). */
  readonly seen: number;
  /** Being proven: some of its proof tasks are queued or running. */
  readonly proving: number;
  /** Its final proof is stored, no commit yet. */
  readonly proven: number;
  /** Our commit is mined, the reveal waits for its window. */
  readonly committed: number;
  /** Our reveal is sent or mined and the sequence is not yet verified. */
  readonly revealed: number;
  /** Verified with our proof first. */
  readonly verifiedByUs: number;
  /** Verified by another miner's proof first. */
  readonly verifiedByOthers: number;
}

/** One base chain as the miner sees it. */
export interface ChainStatus {
  readonly name: string;
  readonly chainId: bigint;
  readonly rollup: string;
  /** The chain's head and the highest block the follower has read (head minus confirmations). */
  readonly headBlock: bigint;
  readonly confirmedBlock: bigint;
  readonly sequences: SequenceCounts;
  readonly nextDeadline: Deadline | null;
  /** Token units (wei). */
  readonly rewardsEarned: bigint;
  readonly rewardsClaimed: bigint;
  readonly penalties: bigint;
  readonly reorgs: number;
  readonly rpcErrors: number;
  /** The last RPC error (the follower retries with backoff), null once a call succeeds again. */
  readonly lastRpcError: string | null;
}

/** The whole miner, as the status view shows it. */
export interface MinerStatus {
  readonly miner: string;
  readonly startedAt: Date;
  readonly chains: readonly ChainStatus[];
  readonly provers: {
    /** Local prover processes. */
    readonly threads: number;
    /** Prover machines connected to the hub. */
    readonly remote: readonly RemoteProverStatus[];
    /** Proofs running (local and remote) and waiting for a slot. */
    readonly busy: number;
    readonly queued: number;
  };
}
