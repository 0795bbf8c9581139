import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { sql, type Insertable, type Kysely } from "kysely";
import pg from "pg";

import {
  claimantId,
  claimantMayBeAlive,
  claimProofTask,
  isUniqueViolation,
  openDatabase,
  requeueAbandonedTasks,
  type MinerDatabase,
  type MinerStore,
  type ProofTaskKind,
  type ProofTaskTable,
} from "../../off-chain/miner/db/index.js";

// The machine's PostgreSQL (here and on CI); a run uses a fresh schema and drops it after.
const POSTGRES_URL = process.env.ZKPOW_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const ABOVE_2_53 = 2n ** 53n + 1n;
const INT8_MAX = 2n ** 63n - 1n;

interface Backend {
  readonly name: string;
  /** Opens the backend's database; the same one every time within a run. */
  open(): Promise<MinerStore>;
  cleanup(): Promise<void>;
}

function pgliteBackend(): Backend {
  let dir: string | undefined;
  return {
    name: "PGlite",
    async open() {
      dir ??= await mkdtemp(path.join(tmpdir(), "zkpow-db-"));
      return openDatabase({ dataDir: path.join(dir, "miner") });
    },
    async cleanup() {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  const schema = `zkpow_test_${randomBytes(6).toString("hex")}`;
  return {
    name: `PostgreSQL (${POSTGRES_URL}, schema ${schema})`,
    open: () => openDatabase({ url: POSTGRES_URL, schema }),
    async cleanup() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(Error);
    return error as Error & { code?: string };
  }
  expect.fail("expected a rejection");
}

async function expectDuplicate(promise: Promise<unknown>): Promise<void> {
  const error = await rejection(promise);
  expect(isUniqueViolation(error), error.message).to.equal(true);
}

function sequenceRow(chainId: bigint, sequence: bigint, lastBatch = sequence + 1n) {
  return {
    chain_id: chainId,
    sequence,
    last_batch: lastBatch,
    block_number: 100n,
    block_hash: "0xb1",
    tx_hash: "0x71",
    state: "posted" as const,
    old_state_root: null,
    new_state_root: null,
    verified_by: null,
    verified_block: null,
  };
}

function batchRow(chainId: bigint, sequence: bigint, index: number) {
  return {
    chain_id: chainId,
    batch: sequence + BigInt(index),
    sequence,
    index,
    data: Uint8Array.of(index, 0, 255),
    batch_hash: "1",
    data_point: "2",
    data_evaluation: "3",
  };
}

function taskRow(chainId: bigint, sequence: bigint, kind: ProofTaskKind, batchIndex = 0): Insertable<ProofTaskTable> {
  return {
    chain_id: chainId,
    sequence,
    kind,
    batch_index: batchIndex,
    miner: "0xm1",
    status: "queued",
    claimed_by: null,
    claimed_at: null,
    error: null,
    finished_at: null,
  };
}

function proofRow(chainId: bigint, sequence: bigint, batchIndex: number) {
  return {
    chain_id: chainId,
    sequence,
    kind: "batch" as const,
    batch_index: batchIndex,
    miner: "0xm1",
    proof: { protocol: "groth16", pi_a: ["1", "2", "1"] },
    public_signals: ["7", "8"],
    proof_hash: null,
    prove_seconds: 12.5,
    cpu_seconds: 40.25,
  };
}

function txRow(chainId: bigint, nonce: bigint) {
  return {
    chain_id: chainId,
    sender: "0xs1",
    nonce,
    kind: "commit" as const,
    sequence: 1n,
    round: 0,
    to: "0xr1",
    data: "0x",
    gas_limit: 100_000n,
    state: "pending" as const,
    mined_hash: null,
    block_number: null,
    block_hash: null,
    error: null,
  };
}

async function count(db: Kysely<MinerDatabase>, table: "batch" | "proof_task" | "proof" | "sequence", chainId: bigint) {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<bigint>().as("n"))
    .where("chain_id", "=", chainId)
    .executeTakeFirstOrThrow();
  return row.n;
}

for (const makeBackend of [pgliteBackend, postgresBackend]) {
  const backend = makeBackend();

  describe(`Miner database on ${backend.name}`, function () {
    this.timeout(120_000);
    let store: MinerStore;
    let db: Kysely<MinerDatabase>;
    // Each test works on its own chain id, so that tests never see each other's rows.
    let nextChain = 1_000n;
    const newChain = () => nextChain++;

    before(async function () {
      store = await backend.open();
      db = store.db;
    });

    after(async function () {
      // Not `?.`: a failed open leaves store unassigned, and the cleanup must still run.
      if ((store as MinerStore | undefined) !== undefined) await store.close();
      await backend.cleanup();
    });

    it("migrates once: opening again runs nothing and keeps the rows", async function () {
      const chainId = newChain();
      await db
        .insertInto("chain")
        .values({ chain_id: chainId, rollup: "0xr", processed_block: 5n, processed_hash: "0xh" })
        .execute();
      await store.close();
      await store.close(); // idempotent
      store = await backend.open();
      db = store.db;
      const migrations = await sql<{
        name: string;
      }>`select name from kysely_migration order by name`.execute(db);
      expect(migrations.rows.map((row) => row.name)).to.deep.equal(["001_initial"]);
      const chain = await db.selectFrom("chain").selectAll().where("chain_id", "=", chainId).executeTakeFirstOrThrow();
      expect(chain.processed_block).to.equal(5n);
      expect(chain.updated_at).to.be.instanceOf(Date);
      expect(Math.abs(chain.updated_at.getTime() - Date.now())).to.be.below(60_000);
    });

    it("returns int8 as bigint, above 2^53 too, and int4 and float8 as numbers", async function () {
      const chainId = INT8_MAX - newChain();
      await db
        .insertInto("chain")
        .values({ chain_id: chainId, rollup: "0xr", processed_block: ABOVE_2_53, processed_hash: "0xh" })
        .execute();
      await db
        .insertInto("sequence")
        .values(sequenceRow(chainId, ABOVE_2_53, INT8_MAX))
        .execute();
      const chain = await db.selectFrom("chain").selectAll().where("chain_id", "=", chainId).executeTakeFirstOrThrow();
      expect(chain.chain_id).to.equal(chainId);
      expect(chain.processed_block).to.equal(ABOVE_2_53);
      const sequence = await db
        .selectFrom("sequence")
        .selectAll()
        .where("chain_id", "=", chainId)
        .where("sequence", "=", ABOVE_2_53)
        .executeTakeFirstOrThrow();
      expect(sequence.last_batch).to.equal(INT8_MAX);
      expect(sequence.verified_block).to.equal(null);
      expect(await count(db, "sequence", chainId)).to.equal(1n);
      await db
        .insertInto("batch")
        .values(batchRow(chainId, ABOVE_2_53, 7))
        .execute();
      await db
        .insertInto("proof")
        .values(proofRow(chainId, ABOVE_2_53, 7))
        .execute();
      const batch = await db.selectFrom("batch").selectAll().where("chain_id", "=", chainId).executeTakeFirstOrThrow();
      expect(batch.index).to.equal(7);
      const proof = await db.selectFrom("proof").selectAll().where("chain_id", "=", chainId).executeTakeFirstOrThrow();
      expect(proof.prove_seconds).to.equal(12.5);
      expect(proof.cpu_seconds).to.equal(40.25);
    });

    it("round-trips bytea as a plain Uint8Array and jsonb objects and arrays", async function () {
      const chainId = newChain();
      const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256);
      await db.insertInto("sequence").values(sequenceRow(chainId, 1n)).execute();
      await db
        .insertInto("batch")
        .values({ ...batchRow(chainId, 1n, 0), data })
        .execute();
      await db
        .insertInto("batch")
        .values({ ...batchRow(chainId, 1n, 1), data: new Uint8Array(0) })
        .execute();
      const proof = { protocol: "groth16", pi_a: ["1", "2", "1"], pi_b: [["3"], ["4"]], nested: { big: 10n ** 30n } };
      const signals = ["1", "21888242871839275222246405745257275088548364400416034343698204186575808495616"];
      await db
        .insertInto("proof")
        .values({ ...proofRow(chainId, 1n, 0), proof, public_signals: signals })
        .execute();
      // An array through UPDATE and a raw-sql parameter, not only INSERT.
      await db
        .updateTable("proof")
        .set({ public_signals: [...signals, "9"] })
        .where("chain_id", "=", chainId)
        .execute();

      const batches = await db
        .selectFrom("batch")
        .selectAll()
        .where("chain_id", "=", chainId)
        .orderBy("index")
        .execute();
      expect(Object.getPrototypeOf(batches[0]?.data)).to.equal(Uint8Array.prototype);
      expect(batches[0]?.data).to.deep.equal(data);
      expect(batches[1]?.data).to.deep.equal(new Uint8Array(0));
      const stored = await db.selectFrom("proof").selectAll().where("chain_id", "=", chainId).executeTakeFirstOrThrow();
      expect(stored.proof).to.deep.equal({ ...proof, nested: { big: (10n ** 30n).toString() } });
      expect(stored.public_signals).to.deep.equal([...signals, "9"]);
      expect(stored.created_at).to.be.instanceOf(Date);
      const { rows } = await sql<{
        length: number;
      }>`select jsonb_array_length(${["a", "b", "c"]}::jsonb) as length`.execute(db);
      expect(rows[0]?.length).to.equal(3);
    });

    it("refuses a second row with the same natural key, in every keyed table", async function () {
      const chainId = newChain();
      await db
        .insertInto("chain")
        .values({ chain_id: chainId, rollup: "0xr", processed_block: 1n, processed_hash: "0xh" })
        .execute();
      await expectDuplicate(
        db
          .insertInto("chain")
          .values({ chain_id: chainId, rollup: "0xq", processed_block: 2n, processed_hash: "0xg" })
          .execute(),
      );
      await db.insertInto("block").values({ chain_id: chainId, number: 1n, hash: "0x1" }).execute();
      await expectDuplicate(db.insertInto("block").values({ chain_id: chainId, number: 1n, hash: "0x2" }).execute());

      await db
        .insertInto("sequence")
        .values(sequenceRow(chainId, 1n, 2n))
        .execute();
      await expectDuplicate(
        db
          .insertInto("sequence")
          .values(sequenceRow(chainId, 1n, 3n))
          .execute(),
      );

      await db
        .insertInto("batch")
        .values(batchRow(chainId, 1n, 0))
        .execute();
      // The same batch number again, and another batch number at the same place in the sequence.
      await expectDuplicate(
        db
          .insertInto("batch")
          .values({ ...batchRow(chainId, 1n, 1), batch: 1n })
          .execute(),
      );
      await expectDuplicate(
        db
          .insertInto("batch")
          .values({ ...batchRow(chainId, 1n, 0), batch: 9n })
          .execute(),
      );

      await db
        .insertInto("proof_task")
        .values(taskRow(chainId, 1n, "batch", 0))
        .execute();
      await expectDuplicate(
        db
          .insertInto("proof_task")
          .values(taskRow(chainId, 1n, "batch", 0))
          .execute(),
      );
      // Another miner's task on the same batch is not a duplicate.
      await db
        .insertInto("proof_task")
        .values({ ...taskRow(chainId, 1n, "batch", 0), miner: "0xm2" })
        .execute();

      await db
        .insertInto("proof")
        .values(proofRow(chainId, 1n, 0))
        .execute();
      await expectDuplicate(
        db
          .insertInto("proof")
          .values(proofRow(chainId, 1n, 0))
          .execute(),
      );

      const commit = {
        chain_id: chainId,
        sequence: 1n,
        round: 0,
        miner: "0xm1",
        proof_hash: "0xp",
        state: "committing" as const,
        commit_tx: null,
        reveal_tx: null,
        commit_block: null,
        late: false,
        reward: null,
        penalty: null,
        reason: null,
      };
      await db.insertInto("commit").values(commit).execute();
      await expectDuplicate(
        db
          .insertInto("commit")
          .values({ ...commit, proof_hash: "0xq" })
          .execute(),
      );
      await db
        .insertInto("commit")
        .values({ ...commit, round: 1 })
        .execute();

      await db.insertInto("account").values({ chain_id: chainId, address: "0xs1", next_nonce: 0n }).execute();
      await expectDuplicate(
        db.insertInto("account").values({ chain_id: chainId, address: "0xs1", next_nonce: 1n }).execute(),
      );

      const tx = await db.insertInto("tx").values(txRow(chainId, 7n)).returning("id").executeTakeFirstOrThrow();
      await expectDuplicate(db.insertInto("tx").values(txRow(chainId, 7n)).execute());
      const attempt = {
        hash: `0xa${chainId}`,
        tx_id: tx.id,
        max_fee: 10n,
        priority_fee: null,
        raw: "0x",
        sent_block: 1n,
      };
      await db.insertInto("tx_attempt").values(attempt).execute();
      await expectDuplicate(
        db
          .insertInto("tx_attempt")
          .values({ ...attempt, max_fee: 20n })
          .execute(),
      );
    });

    it("refuses values outside the schema's unions and attempts without their transaction", async function () {
      const chainId = newChain();
      const badState = await rejection(
        db
          .insertInto("sequence")
          .values({ ...sequenceRow(chainId, 1n), state: "final" as "posted" })
          .execute(),
      );
      expect(badState.code).to.equal("23514"); // check_violation
      await db.insertInto("sequence").values(sequenceRow(chainId, 1n)).execute();
      const badKindIndex = await rejection(
        db
          .insertInto("proof_task")
          .values(taskRow(chainId, 1n, "final", 3))
          .execute(),
      );
      expect(badKindIndex.code).to.equal("23514");
      const orphan = await rejection(
        db
          .insertInto("tx_attempt")
          .values({
            hash: `0xo${chainId}`,
            tx_id: 2_000_000_000,
            max_fee: 1n,
            priority_fee: 1n,
            raw: "0x",
            sent_block: 1n,
          })
          .execute(),
      );
      expect(orphan.code).to.equal("23503"); // foreign_key_violation
      const noSequence = await rejection(
        db
          .insertInto("batch")
          .values(batchRow(chainId, 50n, 0))
          .execute(),
      );
      expect(noSequence.code).to.equal("23503");
    });

    it("deletes a sequence's batches, tasks and proofs with it (a reorg above the fork point)", async function () {
      const chainId = newChain();
      for (const sequence of [1n, 3n, 5n]) {
        await db.insertInto("sequence").values(sequenceRow(chainId, sequence)).execute();
        await db
          .insertInto("batch")
          .values([batchRow(chainId, sequence, 0), batchRow(chainId, sequence, 1)])
          .execute();
        await db
          .insertInto("proof_task")
          .values([
            taskRow(chainId, sequence, "batch", 0),
            taskRow(chainId, sequence, "batch", 1),
            taskRow(chainId, sequence, "final"),
          ])
          .execute();
        await db
          .insertInto("proof")
          .values([proofRow(chainId, sequence, 0), proofRow(chainId, sequence, 1)])
          .execute();
      }
      const deleted = await db
        .deleteFrom("sequence")
        .where("chain_id", "=", chainId)
        .where("sequence", ">=", 3n)
        .executeTakeFirst();
      expect(deleted.numDeletedRows).to.equal(2n);
      expect(await count(db, "sequence", chainId)).to.equal(1n);
      expect(await count(db, "batch", chainId)).to.equal(2n);
      expect(await count(db, "proof_task", chainId)).to.equal(3n);
      expect(await count(db, "proof", chainId)).to.equal(2n);
      const left = await db
        .selectFrom("proof_task")
        .select("sequence")
        .distinct()
        .where("chain_id", "=", chainId)
        .execute();
      expect(left).to.deep.equal([{ sequence: 1n }]);
    });

    it("leaves nothing of a transaction that throws, whether the code or the database fails", async function () {
      const chainId = newChain();
      const boom = await rejection(
        db.transaction().execute(async (trx) => {
          await trx.insertInto("sequence").values(sequenceRow(chainId, 1n)).execute();
          await trx
            .insertInto("batch")
            .values(batchRow(chainId, 1n, 0))
            .execute();
          throw new Error("boom");
        }),
      );
      expect(boom.message).to.equal("boom");
      const duplicate = await rejection(
        db.transaction().execute(async (trx) => {
          await trx.insertInto("sequence").values(sequenceRow(chainId, 2n)).execute();
          await trx.insertInto("sequence").values(sequenceRow(chainId, 2n)).execute();
        }),
      );
      expect(isUniqueViolation(duplicate)).to.equal(true);
      expect(await count(db, "sequence", chainId)).to.equal(0n);
      expect(await count(db, "batch", chainId)).to.equal(0n);
      // The database is usable afterwards (PGlite: the single session is not left inside a transaction).
      await db.insertInto("sequence").values(sequenceRow(chainId, 3n)).execute();
      expect(await count(db, "sequence", chainId)).to.equal(1n);
    });

    it("keeps concurrent transactions apart: each commits or rolls back whole", async function () {
      const chainId = newChain();
      // Sequences 3 and 7 fail after writing. On one PGlite session, interleaved transactions
      // would share a BEGIN, so a failure would undo the others' rows or a commit keep its rows.
      const outcomes = await Promise.allSettled(
        [1n, 3n, 5n, 7n].map((sequence) =>
          db.transaction().execute(async (trx) => {
            await trx.insertInto("sequence").values(sequenceRow(chainId, sequence)).execute();
            await new Promise((resolve) => setTimeout(resolve, sequence === 3n ? 20 : 5));
            const n = await trx
              .selectFrom("sequence")
              .select((eb) => eb.fn.countAll<bigint>().as("n"))
              .where("chain_id", "=", chainId)
              .executeTakeFirstOrThrow();
            await trx
              .insertInto("batch")
              .values(batchRow(chainId, sequence, 0))
              .execute();
            if (sequence === 3n || sequence === 7n) throw new Error(`fail ${sequence}`);
            return n.n;
          }),
        ),
      );
      expect(outcomes.map((outcome) => outcome.status)).to.deep.equal([
        "fulfilled",
        "rejected",
        "fulfilled",
        "rejected",
      ]);
      const stored = await db
        .selectFrom("batch")
        .select("sequence")
        .where("chain_id", "=", chainId)
        .orderBy("sequence")
        .execute();
      expect(stored).to.deep.equal([{ sequence: 1n }, { sequence: 5n }]);
      expect(await count(db, "sequence", chainId)).to.equal(2n);
    });

    it("claims tasks lowest sequence first, batch before aggregator before final, only of the given chains", async function () {
      const chainId = newChain();
      const otherChain = newChain();
      for (const sequence of [5n, 10n])
        await db.insertInto("sequence").values(sequenceRow(chainId, sequence)).execute();
      await db.insertInto("sequence").values(sequenceRow(otherChain, 1n)).execute();
      await db
        .insertInto("proof_task")
        .values([
          taskRow(chainId, 10n, "batch", 1),
          taskRow(chainId, 10n, "final"),
          taskRow(chainId, 10n, "aggregator"),
          taskRow(chainId, 10n, "batch", 0),
          taskRow(chainId, 5n, "final"),
          taskRow(otherChain, 1n, "batch", 0),
        ])
        .execute();
      const order: string[] = [];
      for (;;) {
        const task = await claimProofTask(db, { chainIds: [chainId], claimant: "h:1:1" });
        if (task === undefined) break;
        expect(task.status).to.equal("running");
        expect(task.claimed_by).to.equal("h:1:1");
        expect(task.claimed_at).to.be.instanceOf(Date);
        expect(task.attempts).to.equal(1);
        order.push(`${task.sequence}/${task.kind}/${task.batch_index}`);
      }
      expect(order).to.deep.equal(["5/final/0", "10/batch/1", "10/batch/0", "10/aggregator/0", "10/final/0"]);
      expect(await claimProofTask(db, { chainIds: [], claimant: "h:1:1" })).to.equal(undefined);
      const other = await claimProofTask(db, { chainIds: [otherChain, chainId], claimant: "h:1:1" });
      expect(other?.chain_id).to.equal(otherChain);
    });

    it("gives concurrent claims each its own task, none waiting for another's", async function () {
      const chainId = newChain();
      const tasks = 8;
      await db
        .insertInto("sequence")
        .values(sequenceRow(chainId, 1n, 100n))
        .execute();
      await db
        .insertInto("proof_task")
        .values(Array.from({ length: tasks }, (_, i) => taskRow(chainId, 1n, "batch", i)))
        .execute();
      // As many claims as tasks: a claim that collided with another (no SKIP LOCKED) would come back empty.
      const claimed = await Promise.all(
        Array.from({ length: tasks }, (_, i) => claimProofTask(db, { chainIds: [chainId], claimant: `h:${i}:1` })),
      );
      expect(claimed.every((task) => task !== undefined)).to.equal(true);
      expect(new Set(claimed.map((task) => task?.id)).size).to.equal(tasks);
      const more = await Promise.all(
        Array.from({ length: 4 }, (_, i) => claimProofTask(db, { chainIds: [chainId], claimant: `h:${i}:2` })),
      );
      expect(more).to.deep.equal([undefined, undefined, undefined, undefined]);
      const rows = await db.selectFrom("proof_task").selectAll().where("chain_id", "=", chainId).execute();
      for (const row of rows) {
        expect(row.status).to.equal("running");
        expect(row.attempts).to.equal(1);
        expect(row.claimed_by).to.equal(claimed.find((task) => task?.id === row.id)?.claimed_by);
      }
    });

    it("queues again the running tasks of claimants that are gone", async function () {
      const chainId = newChain();
      await db
        .insertInto("sequence")
        .values(sequenceRow(chainId, 1n, 100n))
        .execute();
      await db
        .insertInto("proof_task")
        .values(Array.from({ length: 4 }, (_, i) => taskRow(chainId, 1n, "batch", i)))
        .execute();
      const dead = "gone-host:1:1";
      const alive = "live-host:2:2";
      for (const claimant of [dead, alive, dead]) await claimProofTask(db, { chainIds: [chainId], claimant });
      const requeued = await requeueAbandonedTasks(db, { isAlive: (claimant) => claimant !== dead });
      expect(requeued).to.equal(2);
      const rows = await db
        .selectFrom("proof_task")
        .selectAll()
        .where("chain_id", "=", chainId)
        .orderBy("batch_index")
        .execute();
      expect(rows.map((row) => [row.status, row.claimed_by, row.attempts])).to.deep.equal([
        ["queued", null, 1],
        ["running", alive, 1],
        ["queued", null, 1],
        ["queued", null, 0],
      ]);
      // A requeued task is claimed again, and counts its second attempt.
      const again = await claimProofTask(db, { chainIds: [chainId], claimant: alive });
      expect(again?.batch_index).to.equal(0);
      expect(again?.attempts).to.equal(2);
      expect(await requeueAbandonedTasks(db, { isAlive: () => true })).to.equal(0);
    });
  });
}

describe("Miner database: opening errors and claimants", function () {
  this.timeout(120_000);
  let dir: string;

  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "zkpow-db-errors-"));
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it("says which server and database it cannot reach, without the password", async function () {
    const error = await rejection(openDatabase({ url: "postgres://miner:s3cret@127.0.0.1:1/minerdb" }));
    expect(error.message).to.contain("127.0.0.1:1").and.contain("minerdb");
    expect(error.message).not.to.contain("s3cret");
    const where = await rejection(openDatabase({ url: "mysql://127.0.0.1/x" }));
    expect(where.message).to.contain("postgres://");
  });

  it("refuses a directory that is not a PGlite database, and a second opener of one", async function () {
    const junk = path.join(dir, "junk");
    await rm(junk, { recursive: true, force: true });
    await openDatabase({ dataDir: junk }).then((store) => store.close());
    await writeFile(path.join(dir, "notes.txt"), "hello");
    const notDb = await rejection(openDatabase({ dataDir: dir }));
    expect(notDb.message).to.contain("is not a PGlite database");

    const store = await openDatabase({ dataDir: junk });
    try {
      const twice = await rejection(openDatabase({ dataDir: junk }));
      expect(twice.message).to.contain("already open");
    } finally {
      await store.close();
    }
    // A lock left by a process that is gone does not keep the database closed.
    await writeFile(path.join(junk, "zkpow-miner.lock"), `${hostname()}:4194305:1\n`);
    await (await openDatabase({ dataDir: junk })).close();
    // One left by a live process does.
    await writeFile(path.join(junk, "zkpow-miner.lock"), `${hostname()}:${process.ppid}:1\n`);
    const inUse = await rejection(openDatabase({ dataDir: junk }));
    expect(inUse.message).to.contain("in use by");
  });

  it("tells claimants that are certainly gone from those that may be alive", function () {
    expect(claimantMayBeAlive(claimantId())).to.equal(true);
    expect(claimantMayBeAlive(`${hostname()}:${process.ppid}:1`)).to.equal(true);
    // Above Linux's largest pid, so no process has it.
    expect(claimantMayBeAlive(`${hostname()}:4194305:1`)).to.equal(false);
    // This process's pid, but an earlier start: a previous life of the pid.
    expect(claimantMayBeAlive(`${hostname()}:${process.pid}:1`)).to.equal(false);
    expect(claimantMayBeAlive("another-host:1:1")).to.equal(true);
    expect(claimantMayBeAlive("not a claimant")).to.equal(true);
  });
});
