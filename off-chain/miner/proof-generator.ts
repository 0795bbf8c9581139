import { sql, type Kysely, type Selectable } from "kysely";
import type { Logger } from "pino";

import { decodeBatchData } from "../l2/index.js";
import { proofHash, toSequenceProof, type BatchProof, type BatchProver, type Groth16Proof } from "../prover/index.js";
import type { ChainContext } from "./chain.js";
import type { MinerDatabase, ProofTaskTable } from "./db/schema.js";
import { claimProofTask } from "./db/tasks.js";
import type { L2Replay } from "./l2-replay.js";
import type { MinerMetrics } from "./metrics.js";
import { encodeSequenceProof, parseJson } from "./proof-codec.js";

/** One chain as the Proof Generator proves it. */
export interface ChainProving {
  readonly chain: ChainContext;
  readonly replay: L2Replay;
  readonly prover: BatchProver;
}

type Task = Selectable<ProofTaskTable>;

/** A batch proof that keeps failing is given up after this many attempts (the reason is stored). */
const MAX_ATTEMPTS = 3;

/**
 * The Proof Generator (MISSION.md, "The proof pipeline"): plans each posted,
 * unverified sequence's proof tasks in the database (n BatchProofTasks, an
 * AggregatorProofTask when n > 1, a FinalProofTask), hands batch tasks to the
 * prover threads lowest sequence first, several sequences at once, and runs a
 * sequence's aggregator and final tasks as soon as its batch proofs exist
 * (they assemble and check; they prove nothing new).
 *
 * A task is claimed with one UPDATE ... RETURNING; its proof is verified
 * off-chain and stored in the same database transaction that marks it done,
 * so a crash either loses the proof and the task runs again, or keeps both:
 * a stored proof is never proven again.
 */
export class ProofGenerator {
  private inFlight = 0;
  private readonly tasks = new Set<Promise<void>>();
  /** Set by the miner's stop: a proof failing now failed because its prover was stopped, not on its merits. */
  stopping = false;

  constructor(
    private readonly chains: ReadonlyMap<bigint, ChainProving>,
    private readonly db: Kysely<MinerDatabase>,
    private readonly options: {
      readonly miner: string;
      readonly claimant: string;
      /** Batch proofs that could start now (free local and remote slots, less proofs waiting for one). */
      readonly capacity: () => number;
    },
    private readonly log: Logger,
    private readonly metrics: MinerMetrics,
  ) {}

  /** Batch tasks running now. */
  get running(): number {
    return this.inFlight;
  }

  /**
   * At start: tasks left running by a previous process go back to the queue
   * (one miner process per database: nothing else can be running them), and
   * sequences whose batch proofs were all stored before a crash get their
   * aggregator and final proofs.
   */
  async recover(): Promise<void> {
    const requeued = await this.db
      .updateTable("proof_task")
      .set({ status: "queued", claimed_by: null, claimed_at: null })
      .where("status", "=", "running")
      .where("miner", "=", this.options.miner)
      .executeTakeFirst();
    if (requeued.numUpdatedRows > 0n) {
      this.log.info({ tasks: Number(requeued.numUpdatedRows) }, "resumed proof tasks left running by the last run");
    }
    for (const { chain } of this.chains.values()) {
      const open = await this.db
        .selectFrom("proof_task")
        .select("sequence")
        .where("chain_id", "=", chain.chainId)
        .where("miner", "=", this.options.miner)
        .where("kind", "=", "final")
        .where("status", "=", "queued")
        .execute();
      for (const { sequence } of open) await this.finishOrFail(chain, sequence);
    }
  }

  /** Plans the tasks of every replayed, unverified sequence at or above startBatch that has none yet. */
  async plan(): Promise<void> {
    for (const { chain, replay } of this.chains.values()) {
      const sequences = await this.db
        .selectFrom("sequence")
        .leftJoin("proof_task", (join) =>
          join
            .onRef("proof_task.chain_id", "=", "sequence.chain_id")
            .onRef("proof_task.sequence", "=", "sequence.sequence")
            .on("proof_task.miner", "=", this.options.miner),
        )
        .select(["sequence.sequence", "sequence.last_batch"])
        .where("sequence.chain_id", "=", chain.chainId)
        .where("sequence.state", "=", "posted")
        .where("sequence.last_batch", ">=", chain.startBatch)
        .where("proof_task.id", "is", null)
        .orderBy("sequence.sequence")
        .execute();
      for (const { sequence, last_batch } of sequences) {
        if (replay.stateBefore(sequence) === undefined) continue;
        const count = Number(last_batch - sequence + 1n);
        const task = (kind: Task["kind"], batchIndex: number) => ({
          chain_id: chain.chainId,
          sequence,
          kind,
          batch_index: batchIndex,
          miner: this.options.miner,
          status: "queued" as const,
          claimed_by: null,
          claimed_at: null,
          error: null,
          finished_at: null,
        });
        const tasks = [
          ...Array.from({ length: count }, (_, i) => task("batch", i)),
          ...(count > 1 ? [task("aggregator", 0)] : []),
          task("final", 0),
        ];
        await this.db
          .insertInto("proof_task")
          .values(tasks)
          .onConflict((oc) => oc.doNothing())
          .execute();
        chain.log.info({ sequence, batches: count }, "planned proof tasks");
      }
    }
    await this.updateGauges();
  }

  /** Starts batch tasks while provers (local or remote) have free slots; returns without waiting for them. */
  async fill(): Promise<void> {
    // Claims go one at a time and a proof enters the scheduler's queue only once its witness is built, so the
    // claims since the last look at the capacity are counted here.
    let started = 0;
    while (this.options.capacity() - started > 0) {
      const task = await this.claim();
      if (task === undefined) return;
      started += 1;
      this.inFlight += 1;
      const running = this.runBatchTask(task).finally(() => {
        this.inFlight -= 1;
        this.tasks.delete(running);
      });
      this.tasks.add(running);
    }
  }

  /** Resolves once no batch task is running (after a stop, their failures are written). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.tasks]);
  }

  /** The next batch task, lowest sequence first (aggregator and final tasks run inline, see finish). */
  private async claim(): Promise<Task | undefined> {
    if (this.stopping) return undefined;
    return claimProofTask(this.db, {
      chainIds: [...this.chains.keys()],
      claimant: this.options.claimant,
      kind: "batch",
      miner: this.options.miner,
    });
  }

  private async runBatchTask(task: Task): Promise<void> {
    const proving = this.chains.get(task.chain_id);
    if (proving === undefined) return;
    const { chain, replay, prover } = proving;
    const where = { chain: chain.name, sequence: task.sequence, batch: task.sequence + BigInt(task.batch_index) };
    try {
      let state = replay.stateBefore(task.sequence);
      if (state === undefined) {
        if (await this.stillPosted(task)) {
          // Not replayed yet (a task of the last run, claimed before the first sync after a start or a reorg).
          await this.unclaim(task);
          return;
        }
        await this.settleTask(task, "failed", "the sequence was verified or rolled back before it was proven");
        return;
      }
      const batches = await this.db
        .selectFrom("batch")
        .select(["data", "index"])
        .where("chain_id", "=", task.chain_id)
        .where("sequence", "=", task.sequence)
        .where("index", "<=", task.batch_index)
        .orderBy("index")
        .execute();
      const posted = batches.map((b) => decodeBatchData(b.data, chain.genesis.treeDepth));
      for (const earlier of posted.slice(0, task.batch_index)) {
        state = state.applyBatch(earlier, chain.genesis.chainId).state;
      }
      const mine = posted[task.batch_index];
      if (mine === undefined) throw new Error(`batch ${where.batch} has no stored data`);
      const result = await prover.prove(
        mine,
        state,
        this.options.miner,
        task.sequence,
        `${chain.name} sequence ${task.sequence} batch ${where.batch}`,
      );
      if (!(await prover.verify(result))) throw new Error("the proof does not verify off-chain");
      // The task's time on its prover: the witness is part of the proof.
      this.metrics.proofSeconds.observe(
        { chain: chain.name, kind: "batch" },
        result.timings.witnessSeconds + result.timings.proveSeconds,
      );
      const stored = await this.db.transaction().execute(async (trx) => {
        // The task first: a reorg that rolled its sequence back while it was proven deleted it (by cascade), and
        // its proof, of the old data, must not be stored for another sequence posted since at the same number.
        const done = await trx
          .updateTable("proof_task")
          .set({ status: "done", finished_at: new Date(), error: null })
          .where("id", "=", task.id)
          .executeTakeFirst();
        if (done.numUpdatedRows === 0n) return false;
        await trx
          .insertInto("proof")
          .values({
            chain_id: task.chain_id,
            sequence: task.sequence,
            kind: "batch",
            batch_index: task.batch_index,
            miner: this.options.miner,
            proof: JSON.stringify(result.proof),
            public_signals: JSON.stringify(result.publicSignals),
            proof_hash: null,
            prove_seconds: result.timings.proveSeconds,
            cpu_seconds: result.timings.cpuSeconds,
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
        return true;
      });
      if (!stored) {
        chain.log.warn(where, "a batch proof of data a reorg rolled back: discarded");
        return;
      }
      chain.log.info(
        { ...where, seconds: result.timings.proveSeconds, skipped: result.witness.skipped.length },
        "proved a batch",
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.stopping) {
        // Interrupted by a stop.
        await this.unclaim(task);
        return;
      }
      const giveUp = task.attempts >= MAX_ATTEMPTS;
      chain.log.error({ ...where, attempt: task.attempts, error: message }, "a batch proof failed");
      await this.settleTask(task, giveUp ? "failed" : "queued", message);
      return;
    } finally {
      await this.updateGauges();
    }
    await this.finishOrFail(chain, task.sequence);
  }

  /** finish, with a failure recorded on the final task (the batch proofs stay: they are right for the data). */
  private async finishOrFail(chain: ChainContext, sequence: bigint): Promise<void> {
    try {
      await this.finish(chain, sequence);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      chain.log.error({ sequence, error: message }, "the sequence's proofs do not assemble");
      await this.db
        .updateTable("proof_task")
        .set({ status: "failed", error: message, finished_at: new Date() })
        .where("chain_id", "=", chain.chainId)
        .where("sequence", "=", sequence)
        .where("miner", "=", this.options.miner)
        .where("kind", "in", ["aggregator", "final"])
        .execute();
    }
  }

  private async stillPosted(task: Task): Promise<boolean> {
    const row = await this.db
      .selectFrom("sequence")
      .select("state")
      .where("chain_id", "=", task.chain_id)
      .where("sequence", "=", task.sequence)
      .executeTakeFirst();
    return row?.state === "posted";
  }

  /** Back to the queue, the attempt not counted: the task never had a fair try. */
  private async unclaim(task: Task): Promise<void> {
    await this.db
      .updateTable("proof_task")
      .set({ status: "queued", claimed_by: null, claimed_at: null, attempts: sql<number>`attempts - 1` })
      .where("id", "=", task.id)
      .execute();
  }

  private async settleTask(task: Task, status: "failed" | "queued", error: string): Promise<void> {
    await this.db
      .updateTable("proof_task")
      .set({ status, error, claimed_by: null, finished_at: status === "failed" ? new Date() : null })
      .where("id", "=", task.id)
      .execute();
  }

  /**
   * Once every batch proof of a sequence is stored: the AggregatorProofTask
   * (n > 1) checks that the proofs chain from the replayed old root to the
   * replayed new root; the FinalProofTask stores the SequenceProof and the
   * proofHash this miner commits. Both are idempotent.
   */
  private async finish(chain: ChainContext, sequence: bigint): Promise<void> {
    const rows = await this.db
      .selectFrom("proof")
      .select(["batch_index", "proof", "public_signals"])
      .where("chain_id", "=", chain.chainId)
      .where("sequence", "=", sequence)
      .where("miner", "=", this.options.miner)
      .where("kind", "=", "batch")
      .orderBy("batch_index")
      .execute();
    const info = await this.db
      .selectFrom("sequence")
      .select(["last_batch", "old_state_root", "new_state_root"])
      .where("chain_id", "=", chain.chainId)
      .where("sequence", "=", sequence)
      .executeTakeFirst();
    if (info === undefined || rows.length !== Number(info.last_batch - sequence + 1n)) return;
    const batchProofs: BatchProof[] = rows.map((row) => ({
      proof: parseJson(row.proof) as Groth16Proof,
      publicSignals: parseJson(row.public_signals) as string[],
    }));
    const started = performance.now();
    const proof = toSequenceProof(batchProofs);
    if (
      proof.oldStateRoot.toString() !== info.old_state_root ||
      proof.newStateRoots.at(-1)?.toString() !== info.new_state_root
    ) {
      throw new Error(
        `sequence ${sequence}: the batch proofs go from root ${proof.oldStateRoot} to ${proof.newStateRoots.at(-1)}; the replay from ${info.old_state_root} to ${info.new_state_root}`,
      );
    }
    const hash = proofHash(proof, this.options.miner);
    const stored = JSON.stringify(encodeSequenceProof(proof));
    const seconds = (performance.now() - started) / 1000;
    await this.db.transaction().execute(async (trx) => {
      for (const kind of rows.length > 1 ? (["aggregator", "final"] as const) : (["final"] as const)) {
        await trx
          .insertInto("proof")
          .values({
            chain_id: chain.chainId,
            sequence,
            kind,
            batch_index: 0,
            miner: this.options.miner,
            proof: stored,
            public_signals: JSON.stringify([]),
            proof_hash: kind === "final" ? hash : null,
            prove_seconds: seconds,
            cpu_seconds: seconds,
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
        await trx
          .updateTable("proof_task")
          .set({ status: "done", finished_at: new Date(), error: null })
          .where("chain_id", "=", chain.chainId)
          .where("sequence", "=", sequence)
          .where("miner", "=", this.options.miner)
          .where("kind", "=", kind)
          .execute();
        this.metrics.proofSeconds.observe({ chain: chain.name, kind }, seconds);
      }
    });
    chain.log.info({ sequence, proofHash: hash }, "final proof stored");
  }

  private async updateGauges(): Promise<void> {
    for (const { chain } of this.chains.values()) {
      const counts = await this.db
        .selectFrom("proof_task")
        .select(["status", (eb) => eb.fn.countAll<string>().as("count")])
        .where("chain_id", "=", chain.chainId)
        .where("miner", "=", this.options.miner)
        .groupBy("status")
        .execute();
      const count = (status: string) => Number(counts.find((c) => c.status === status)?.count ?? 0);
      this.metrics.tasksQueued.set({ chain: chain.name }, count("queued"));
      this.metrics.tasksInFlight.set({ chain: chain.name }, count("running"));
    }
  }
}
