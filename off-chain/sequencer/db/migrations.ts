import { sql, type Kysely } from "kysely";
import type { Migration } from "kysely/migration";

import type { Migrations } from "../../db/migrate.js";
import type { PostingState, SequencerTxKind } from "./schema.js";

// Frozen once released (see off-chain/miner/db/migrations.ts): literal lists, checked against schema.ts's unions.
const TX_KINDS = ["sequence", "approve"] as const;
const TX_STATES = ["pending", "mined", "reverted", "dropped"] as const;
const POSTING_STATES = ["sending", "posted", "failed"] as const;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type _UnionsMatchMigrations = [
  Assert<Same<SequencerTxKind, (typeof TX_KINDS)[number]>>,
  Assert<Same<PostingState, (typeof POSTING_STATES)[number]>>,
];

function oneOf(column: string, values: readonly string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("rollup")
      .addColumn("chain_id", "int8", (c) => c.primaryKey())
      .addColumn("rollup", "text", (c) => c.notNull())
      .addColumn("verified_batch", "int8", (c) => c.notNull())
      .execute();

    // The TxManager's tables, as the miner's (off-chain/chain/tx-schema.ts).
    await db.schema
      .createTable("account")
      .addColumn("chain_id", "int8", (c) => c.notNull())
      .addColumn("address", "text", (c) => c.notNull())
      .addColumn("next_nonce", "int8", (c) => c.notNull().check(sql`next_nonce >= 0`))
      .addPrimaryKeyConstraint("account_pkey", ["chain_id", "address"])
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
      .createTable("posting")
      .addColumn("id", "int4", (c) => c.primaryKey().generatedAlwaysAsIdentity())
      .addColumn("tx_id", "int4", (c) => c.unique().references("tx.id"))
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("sequence", "int8")
      .addColumn("last_batch", "int8")
      .addColumn("tx_hash", "text")
      .addColumn("block_number", "int8")
      .addColumn("error", "text")
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addCheckConstraint("posting_state_check", oneOf("state", POSTING_STATES))
      .execute();

    await db.schema
      .createTable("batch")
      .addColumn("id", "int4", (c) => c.primaryKey().generatedAlwaysAsIdentity())
      .addColumn("data", "bytea", (c) => c.notNull())
      .addColumn("batch_hash", "text", (c) => c.notNull())
      .addColumn("transfers", "int4", (c) => c.notNull().check(sql`transfers > 0`))
      .addColumn("posting_id", "int4", (c) => c.references("posting.id"))
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex("batch_posting_id_idx").on("batch").column("posting_id").execute();

    await db.schema
      .createTable("transfer")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("position", "int8", (c) => c.notNull().unique().generatedAlwaysAsIdentity())
      .addColumn("from_index", "int4", (c) => c.notNull())
      .addColumn("to_index", "int4", (c) => c.notNull())
      .addColumn("amount", "text", (c) => c.notNull())
      .addColumn("nonce", "text", (c) => c.notNull())
      .addColumn("r8", "text", (c) => c.notNull())
      .addColumn("s", "text", (c) => c.notNull())
      .addColumn("batch_id", "int4", (c) => c.references("batch.id"))
      .addColumn("accepted_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex("transfer_batch_id_idx").on("transfer").column("batch_id").execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ["transfer", "batch", "posting", "tx_attempt", "tx", "account", "rollup"]) {
      await db.schema.dropTable(table).execute();
    }
  },
};

/** Every migration, by name; names sort in the order they run. */
export const SEQUENCER_MIGRATIONS: Migrations = {
  "001_initial": initial,
};
