import type { ColumnType, Generated, Kysely } from "kysely";

// The tables a TxManager keeps (tx-manager.ts). A service's database holds
// them next to its own; each service names its transactions' kinds.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** The tables a TxManager reads and writes, with the service's transaction kinds. */
export interface TxDatabase<K extends string = string> {
  account: AccountTable;
  tx: TxTable<K>;
  tx_attempt: TxAttemptTable;
}

/** The local nonce of each sending account per chain, reconciled with the chain at start. */
export interface AccountTable {
  chain_id: bigint;
  address: string;
  next_nonce: bigint;
}

export type TxState =
  /** Signed and sent (or about to be); not yet mined. */
  | "pending"
  /** Mined at least the chain's confirmations deep, success. */
  | "mined"
  /** Mined and reverted (error holds the custom error's name). */
  | "reverted"
  /** Never to be mined: its nonce was used by something else. */
  | "dropped";

/** A transaction the service sends (unique on chain_id, sender, nonce). */
export interface TxTable<K extends string = string> {
  id: Generated<number>;
  chain_id: bigint;
  sender: string;
  nonce: bigint;
  kind: K;
  sequence: bigint | null;
  round: number | null;
  to: string;
  data: string;
  gas_limit: bigint;
  state: TxState;
  /** The attempt that was mined (null until then). */
  mined_hash: string | null;
  block_number: bigint | null;
  block_hash: string | null;
  error: string | null;
  created_at: Generated<Timestamp>;
}

/** Each signed version of a transaction: the first, and each fee replacement (unique on hash). */
export interface TxAttemptTable {
  hash: string;
  tx_id: number;
  /** EIP-1559 fees, or the legacy gas price in max_fee with priority_fee null. */
  max_fee: bigint;
  priority_fee: bigint | null;
  raw: string;
  sent_block: bigint;
  created_at: Generated<Timestamp>;
}

/**
 * A service's database as a TxManager sees it: only its transaction tables.
 * Kysely's types are invariant in the database type, so a wider database
 * narrows by a cast, here once; DB's constraint makes it sound.
 */
export function txTables<K extends string, DB extends TxDatabase<K>>(db: Kysely<DB>): Kysely<TxDatabase> {
  return db as unknown as Kysely<TxDatabase>;
}
