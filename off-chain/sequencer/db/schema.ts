import type { ColumnType, Generated } from "kysely";

import type { TxDatabase } from "../../chain/tx-schema.js";

/**
 * The sequencer's database: every accepted transfer, the batches it sealed
 * and the postings that carry them to the base chain, and the transactions
 * of its TxManager. One schema for PGlite and PostgreSQL (migrations.ts).
 *
 * A transfer is accepted only once its row is committed; a posting row is
 * written in the same database transaction as the signed transaction that
 * posts it, before that is broadcast. So a restart at any moment finds every
 * accepted transfer, and every posting that may be on the chain.
 */
export interface SequencerDatabase extends TxDatabase<SequencerTxKind> {
  rollup: RollupTable;
  transfer: TransferTable;
  batch: BatchTable;
  posting: PostingTable;
}

/** The transactions a sequencer sends: postings, and the token approval that lets the rollup take batch fees. */
export type SequencerTxKind = "sequence" | "approve";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** One row: which rollup this database serves, and the last verified batch seen (at the confirmations). */
export interface RollupTable {
  chain_id: bigint;
  rollup: string;
  verified_batch: bigint;
}

/** An accepted transfer; `position` is the order of acceptance, which is the order of posting. */
export interface TransferTable {
  /** The signed message, Poseidon(chainId, from, to, amount, nonce), 0x-hex: unique per sender and nonce. */
  id: string;
  position: Generated<bigint>;
  from_index: number;
  to_index: number;
  /** uint64 amounts and nonces as decimal text (int8 is signed). */
  amount: string;
  nonce: string;
  /** The signature's words, decimal: R8 is posted; S goes into its batch's aggregate S. */
  r8: string;
  s: string;
  /** The batch it was sealed into (null while in the mempool). */
  batch_id: number | null;
  accepted_at: Timestamp;
}

/** A sealed batch: its posted bytes and batchHash (from encodeBatchData and batchCommitment). */
export interface BatchTable {
  id: Generated<number>;
  data: Uint8Array;
  /** Decimal. */
  batch_hash: string;
  transfers: number;
  /** The posting that carries it (null while waiting, and again after a posting failed). */
  posting_id: number | null;
  created_at: Timestamp;
}

export type PostingState =
  /** Its transaction is signed and stored (and sent, or about to be); not final yet. */
  | "sending"
  /** Its transaction is final: the batches are on chain as sequence `sequence`. */
  | "posted"
  /** Its transaction reverted or was dropped: the batches went back to waiting. */
  | "failed";

/** A sequence the sequencer posts: one sequenceBatches transaction. */
export interface PostingTable {
  id: Generated<number>;
  /** The TxManager's transaction (null for a posting found on chain by the reconciliation at start). */
  tx_id: number | null;
  state: PostingState;
  /** Once posted: the sequence's number (first batch) and last batch. */
  sequence: bigint | null;
  last_batch: bigint | null;
  tx_hash: string | null;
  block_number: bigint | null;
  error: string | null;
  created_at: Timestamp;
}
