import { sql, type Kysely } from "kysely";
import type { Migration } from "kysely/migration";

import { migrateToLatest as migrate, type Migrations } from "../../db/migrate.js";

import type {
  CommitState,
  MinerDatabase,
  ProofTaskKind,
  ProofTaskStatus,
  SequenceState,
  TxKind,
  TxState,
} from "./schema.js";

// A migration is frozen once released: it builds the schema as it was then, so
// it must not follow later edits of schema.ts. These lists are therefore
// literal; the checks below fail to compile when a union in schema.ts changes,
// as a reminder to add a migration that replaces the CHECK constraint.
const SEQUENCE_STATES = ["posted", "verified"] as const;
const TASK_KINDS = ["batch", "aggregator", "final"] as const;
const TASK_STATUSES = ["queued", "running", "done", "failed"] as const;
const COMMIT_STATES = [
  "committing",
  "committed",
  "revealing",
  "verified",
  "rejected",
  "missed",
  "claimed",
  "withdrawn",
  "abandoned",
] as const;
const TX_KINDS = ["commit", "reveal", "claim", "settle", "correct"] as const;
const TX_STATES = ["pending", "mined", "reverted", "dropped"] as const;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type _UnionsMatchMigrations = [
  Assert<Same<SequenceState, (typeof SEQUENCE_STATES)[number]>>,
  Assert<Same<ProofTaskKind, (typeof TASK_KINDS)[number]>>,
  Assert<Same<ProofTaskStatus, (typeof TASK_STATUSES)[number]>>,
  Assert<Same<CommitState, (typeof COMMIT_STATES)[number]>>,
  Assert<Same<TxKind, (typeof TX_KINDS)[number]>>,
  Assert<Same<TxState, (typeof TX_STATES)[number]>>,
];

/** `column in ('a', 'b')`, with the values as literals: a CHECK constraint cannot take parameters. */
function oneOf(column: string, values: readonly string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

/** Every table of schema.ts, with its natural keys as constraints. */
const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("chain")
      .addColumn("chain_id", "int8", (c) => c.primaryKey())
      .addColumn("rollup", "text", (c) => c.notNull())
      .addColumn("processed_block", "int8", (c) => c.notNull())
      .addColumn("processed_hash", "text", (c) => c.notNull())
      .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .execute();

    await db.schema
      .createTable("block")
      .addColumn("chain_id", "int8", (c) => c.notNull())
      .addColumn("number", "int8", (c) => c.notNull())
      .addColumn("hash", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("block_pkey", ["chain_id", "number"])
      .execute();

    await db.schema
      .createTable("sequence")
      .addColumn("chain_id", "int8", (c) => c.notNull())
      .addColumn("sequence", "int8", (c) => c.notNull())
      .addColumn("last_batch", "int8", (c) => c.notNull())
      .addColumn("block_number", "int8", (c) => c.notNull())
      .addColumn("block_hash", "text", (c) => c.notNull())
      .addColumn("tx_hash", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("old_state_root", "text")
      .addColumn("new_state_root", "text")
      .addColumn("verified_by", "text")
      .addColumn("verified_state_root", "text")
      .addColumn("verified_block", "int8")
      .addPrimaryKeyConstraint("sequence_pkey", ["chain_id", "sequence"])
      .addCheckConstraint("sequence_state_check", oneOf("state", SEQUENCE_STATES))
      .addCheckConstraint("sequence_batches_check", sql`last_batch >= sequence`)
      .execute();

    await db.schema
      .createTable("batch")
      .addColumn("chain_id", "int8", (c) => c.notNull())
      .addColumn("batch", "int8", (c) => c.notNull())
      .addColumn("sequence", "int8", (c) => c.notNull())
      .addColumn("index", "int4", (c) => c.notNull().check(sql`"index" >= 0`))
      .addColumn("data", "bytea", (c) => c.notNull())
      .addColumn("batch_hash", "text", (c) => c.notNull())
      .addColumn("data_point", "text", (c) => c.notNull())
      .addColumn("data_evaluation", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("batch_pkey", ["chain_id", "batch"])
      .addUniqueConstraint("batch_sequence_index_key", ["chain_id", "sequence", "index"])
      .addForeignKeyConstraint(
        "batch_sequence_fkey",
        ["chain_id", "sequence"],
        "sequence",
        ["chain_id", "sequence"],
        (fk) => fk.onDelete("cascade"),
      )
      .execute();

    await db.schema
      .createTable("proof_task")
      .addColumn("id", "int4", (c) => c.primaryKey().generatedAlwaysAsIdentity())
      .addColumn("chain_id", "int8", (c) => c.notNull())
      .addColumn("sequence", "int8", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("batch_index", "int4", (c) => c.notNull().check(sql`batch_index >= 0`))
      .addColumn("miner", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("attempts", "int4", (c) => c.notNull().defaultTo(0))
      .addColumn("claimed_by", "text")
      .addColumn("claimed_at", "timestamptz")
      .addColumn("error", "text")
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn("finished_at", "timestamptz")
      .addUniqueConstraint("proof_task_key", ["chain_id", "sequence", "kind", "batch_index", "miner"])
      .addCheckConstraint("proof_task_kind_check", oneOf("kind", TASK_KINDS))
      .addCheckConstraint("proof_task_status_check", oneOf("status", TASK_STATUSES))
      // Only batch tasks have several per sequence; the key relies on the others' index being 0.
      .addCheckConstraint("proof_task_kind_batch_index_check", sql`kind = 'batch' or batch_index = 0`)
      // A running task without a claimant could never be found abandoned and queued again.
      .addCheckConstraint("proof_task_claim_check", sql`status <> 'running' or claimed_by is not null`)
      .addForeignKeyConstraint(
        "proof_task_sequence_fkey",
        ["chain_id", "sequence"],
        "sequence",
        ["chain_id", "sequence"],
        (fk) => fk.onDelete("cascade"),
      )
      .execute();
    await db.schema
      .createIndex("proof_task_status_sequence_idx")
      .on("proof_task")
      .columns(["status", "sequence"])
      .execute();

    await db.schema
      .createTable("proof")
      .addColumn("chain_id", "int8", (c) => c.notNull())
      .addColumn("sequence", "int8", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("batch_index", "int4", (c) => c.notNull().check(sql`batch_index >= 0`))
      .addColumn("miner", "text", (c) => c.notNull())
      .addColumn("proof", "jsonb", (c) => c.notNull())
      .addColumn("public_signals", "jsonb", (c) => c.notNull())
      .addColumn("proof_hash", "text")
      // Seconds are fractional: an int4 column would refuse 12.5.
      .addColumn("prove_seconds", "float8", (c) => c.notNull().check(sql`prove_seconds >= 0`))
      .addColumn("cpu_seconds", "float8", (c) => c.notNull().check(sql`cpu_seconds >= 0`))
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint("proof_pkey", ["chain_id", "sequence", "kind", "batch_index", "miner"])
      .addCheckConstraint("proof_kind_check", oneOf("kind", TASK_KINDS))
      .addCheckConstraint("proof_kind_batch_index_check", sql`kind = 'batch' or batch_index = 0`)
      .addForeignKeyConstraint(
        "proof_sequence_fkey",
        ["chain_id", "sequence"],
        "sequence",
        ["chain_id", "sequence"],
        (fk) => fk.onDelete("cascade"),
      )
      .execute();

    await db.schema
      .createTable("tx")
      .addColumn("id", "int4", (c) => c.primaryKey().generatedAlwaysAsIdentity())
      .addColumn("chain_id", "int8", (c) => c.notNull())
      .addColumn("sender", "text", (c) => c.notNull())
      .addColumn("nonce", "int8", (c) => c.notNull().check(sql`nonce >= 0`))
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("sequence", "int8")
      .addColumn("round", "int4")
      .addColumn("to", "text", (c) => c.notNull())
      .addColumn("data", "text", (c) => c.notNull())
      .addColumn("gas_limit", "int8", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("mined_hash", "text")
      .addColumn("block_number", "int8")
      .addColumn("block_hash", "text")
      .addColumn("error", "text")
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addUniqueConstraint("tx_sender_nonce_key", ["chain_id", "sender", "nonce"])
      .addCheckConstraint("tx_kind_check", oneOf("kind", TX_KINDS))
      .addCheckConstraint("tx_state_check", oneOf("state", TX_STATES))
      .execute();

    await db.schema
      .createTable("tx_attempt")
      .addColumn("hash", "text", (c) => c.primaryKey())
      .addColumn("tx_id", "int4", (c) => c.notNull().references("tx.id").onDelete("cascade"))
      .addColumn("max_fee", "int8", (c) => c.notNull())
      .addColumn("priority_fee", "int8")
      .addColumn("raw", "text", (c) => c.notNull())
      .addColumn("sent_block", "int8", (c) => c.notNull())
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex("tx_attempt_tx_id_idx").on("tx_attempt").column("tx_id").execute();

    await db.schema
      .createTable("commit")
      .addColumn("chain_id", "int8", (c) => c.notNull())
      .addColumn("sequence", "int8", (c) => c.notNull())
      .addColumn("round", "int4", (c) => c.notNull())
      .addColumn("miner", "text", (c) => c.notNull())
      .addColumn("proof_hash", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("commit_tx", "int4")
      .addColumn("reveal_tx", "int4")
      .addColumn("commit_block", "int8")
      .addColumn("late", "boolean", (c) => c.notNull().defaultTo(false))
      .addColumn("reward", "text")
      .addColumn("penalty", "text")
      .addColumn("reason", "text")
      .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint("commit_pkey", ["chain_id", "sequence", "round", "miner"])
      .addCheckConstraint("commit_state_check", oneOf("state", COMMIT_STATES))
      .execute();

    await db.schema
      .createTable("account")
      .addColumn("chain_id", "int8", (c) => c.notNull())
      .addColumn("address", "text", (c) => c.notNull())
      .addColumn("next_nonce", "int8", (c) => c.notNull().check(sql`next_nonce >= 0`))
      .addPrimaryKeyConstraint("account_pkey", ["chain_id", "address"])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [
      "account",
      "commit",
      "tx_attempt",
      "tx",
      "proof",
      "proof_task",
      "batch",
      "sequence",
      "block",
      "chain",
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
};

/** Every migration, by name; names sort in the order they run. */
export const MIGRATIONS: Migrations = {
  "001_initial": initial,
};

/** Brings the miner's database to the latest schema (see off-chain/db/migrate.ts). */
export function migrateToLatest(db: Kysely<MinerDatabase>): Promise<void> {
  return migrate(db, MIGRATIONS, "miner");
}
