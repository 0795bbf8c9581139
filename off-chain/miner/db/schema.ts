import type { ColumnType, Generated } from "kysely";

import type { AccountTable, TxAttemptTable, TxTable as SharedTxTable } from "../../chain/tx-schema.js";

/**
 * The miner's database: everything it needs after a restart (MISSION.md,
 * "The aggregator"). One schema for embedded PGlite and PostgreSQL
 * (migrations.ts creates it). Every table is keyed by the base chain's id, so
 * one database serves a miner on several chains.
 *
 * Conventions: int8 columns are JavaScript bigints on both backends
 * (database.ts sets the parsers); field elements and 32-byte hashes are
 * decimal or 0x-hex text, as noted; proofs are JSON.
 */
export interface MinerDatabase {
  chain: ChainTable;
  block: BlockTable;
  sequence: SequenceTable;
  batch: BatchTable;
  proof_task: ProofTaskTable;
  proof: ProofTable;
  commit: CommitTable;
  account: AccountTable;
  tx: TxTable;
  tx_attempt: TxAttemptTable;
}

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** One row per base chain the miner serves: the follower's cursor. */
export interface ChainTable {
  chain_id: bigint;
  /** The rollup contract (checksummed). */
  rollup: string;
  /** The highest block whose events are stored (at least `confirmations` deep when read). */
  processed_block: bigint;
  /** The hash of processed_block, to notice a reorg below the cursor. */
  processed_hash: string;
  updated_at: Timestamp;
}

/** The hash of each block the follower stored something from, and of recent cursor blocks. */
export interface BlockTable {
  chain_id: bigint;
  number: bigint;
  hash: string;
}

export type SequenceState = "posted" | "verified";

/** A sequence as posted on the base chain (PK chain_id, sequence). */
export interface SequenceTable {
  chain_id: bigint;
  /** Its number: its first batch. */
  sequence: bigint;
  last_batch: bigint;
  /** The block and transaction that posted it. */
  block_number: bigint;
  block_hash: string;
  tx_hash: string;
  state: SequenceState;
  /** The state root before its first batch, from the miner's replay (null until replayed). */
  old_state_root: string | null;
  /** The state root after its last batch, from the replay (null until replayed). */
  new_state_root: string | null;
  /** Who verified it, in which block, and the state root the contract took (null while unverified). */
  verified_by: string | null;
  verified_state_root: string | null;
  verified_block: bigint | null;
}

/** A posted batch (PK chain_id, batch). `index` is its place in its sequence. */
export interface BatchTable {
  chain_id: bigint;
  batch: bigint;
  sequence: bigint;
  index: number;
  data: Uint8Array;
  /** The commitment the reveal passes back (decimal field elements); BatchHashCorrected replaces it. */
  batch_hash: string;
  data_point: string;
  data_evaluation: string;
}

export type ProofTaskKind = "batch" | "aggregator" | "final";
export type ProofTaskStatus = "queued" | "running" | "done" | "failed";

/**
 * A unit of proof work (MISSION.md, "The proof pipeline"). Unique on
 * (chain_id, sequence, kind, batch_index, miner); batch_index is 0 for the
 * aggregator and final tasks. A task is claimed with one UPDATE ... RETURNING.
 */
export interface ProofTaskTable {
  id: Generated<number>;
  chain_id: bigint;
  sequence: bigint;
  kind: ProofTaskKind;
  batch_index: number;
  /** The address the proof is bound to. */
  miner: string;
  status: ProofTaskStatus;
  attempts: Generated<number>;
  /** Who runs it (a process id and host) and since when: a running task of a dead claimant is queued again. */
  claimed_by: string | null;
  claimed_at: Timestamp | null;
  error: string | null;
  created_at: Generated<Timestamp>;
  finished_at: Timestamp | null;
}

/**
 * A proof, verified off-chain before it is stored; unique on the same key as
 * its task, so it is never proven twice. Batch proofs hold the snarkjs proof
 * and public signals; the final proof holds the SequenceProof (decimal strings)
 * and its proofHash.
 */
export interface ProofTable {
  chain_id: bigint;
  sequence: bigint;
  kind: ProofTaskKind;
  batch_index: number;
  miner: string;
  proof: unknown;
  public_signals: unknown;
  /** The final proof's proofHash (0x-hex); null for batch and aggregator proofs. */
  proof_hash: string | null;
  prove_seconds: number;
  cpu_seconds: number;
  created_at: Generated<Timestamp>;
}

export type CommitState =
  /** A commit transaction is queued or in flight. */
  | "committing"
  /** The commit is mined; the reveal waits for its window. */
  | "committed"
  /** A reveal transaction is queued or in flight. */
  | "revealing"
  /** The revealed proof verified (first or not, late or not). */
  | "verified"
  /** The revealed proof did not verify: invalid-proof penalty. */
  | "rejected"
  /** Settled as missed: missed-proof penalty. */
  | "missed"
  /** The reward is claimed. */
  | "claimed"
  /** Withdrawn while the predecessor was pending. */
  | "withdrawn"
  /** The commit never made it (window closed, round moved on, sequence verified by others first). */
  | "abandoned";

/** This miner's commit of one round (unique on chain_id, sequence, round, miner). */
export interface CommitTable {
  chain_id: bigint;
  sequence: bigint;
  round: number;
  miner: string;
  proof_hash: string;
  state: CommitState;
  commit_tx: number | null;
  reveal_tx: number | null;
  /** The block the commit was mined in (null until mined). */
  commit_block: bigint | null;
  late: boolean;
  /** Reward claimed and penalties paid, in token units (wei, decimal). */
  reward: string | null;
  penalty: string | null;
  /** Why it ended as it did (a custom error's name, or a sentence). */
  reason: string | null;
  updated_at: Timestamp;
}

export type { AccountTable, TxAttemptTable, TxState } from "../../chain/tx-schema.js";

export type TxKind = "commit" | "reveal" | "claim" | "settle" | "correct";

/** A transaction the miner sends (unique on chain_id, sender, nonce). */
export type TxTable = SharedTxTable<TxKind>;
