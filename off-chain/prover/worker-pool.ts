import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

import { Tinypool, type TinypoolWorker } from "tinypool";

/** A prover process's answer to one job (worker.mjs's default export's result). */
export type Reply = Record<string, unknown>;

const WORKER = fileURLToPath(new URL("./worker.mjs", import.meta.url));
/** The message tinypool fails a job (or emits on the pool) with when a process exits under it. */
const EXITED = "Worker exited unexpectedly";
/** Prover processes that die in a row with no job done between: a broken install, not bad luck. */
const MAX_CRASHES = 3;

/**
 * A fixed set of prover processes (worker.mjs says why processes), each doing
 * one job at a time; jobs wait in FIFO order for a free one. Several proofs
 * run at once, one per process.
 *
 * tinypool (child_process runtime) spawns, queues and replaces the processes.
 * What this wrapper adds, because tinypool lacks it: an error that says how a
 * process died under its job (tinypool only says "Worker exited
 * unexpectedly"); giving up loudly after MAX_CRASHES deaths in a row
 * (tinypool respawns a process that dies under every job forever, and once
 * one has died while starting it respawns none at all, silently, so queued
 * jobs wait for the next run() to spawn one); refusing jobs once closed
 * (tinypool would spawn new processes for them); and the busy count.
 */
export class WorkerPool {
  private readonly pool: Tinypool;
  private readonly watched = new WeakSet<TinypoolWorker>();
  private lastExit = "exit status unknown";
  private inFlight = 0;
  private crashes = 0;
  private ending: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(readonly size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`a prover pool needs at least one process, got ${size}`);
    }
    this.pool = new Tinypool({
      filename: WORKER,
      runtime: "child_process",
      minThreads: size,
      maxThreads: size,
      concurrentTasksPerWorker: 1,
      // No TypeScript loader: worker.mjs is plain JavaScript. tinypool passes
      // the environment only as given, so hand it the whole of ours.
      execArgv: [],
      env: Object.fromEntries(
        Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
      ),
      serialization: "advanced",
    });
    // A process that died with no job (idle, or while starting) is reported on the pool.
    this.pool.on("error", (error: unknown) => {
      if (error instanceof Error && error.message === EXITED) {
        // After the exit listeners (watch()) have recorded how it died.
        queueMicrotask(() => {
          this.crashed();
        });
      } else {
        this.fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
    this.watch();
  }

  /** Jobs running now. */
  get busy(): number {
    return this.inFlight - this.queued;
  }

  /** Jobs waiting for a free process. */
  get queued(): number {
    return this.pool.queueSize;
  }

  /** The prover processes' ids (for monitoring; a crashed process's replacement has a new one). */
  get pids(): number[] {
    return this.pool.threads.map((worker) => worker.threadId);
  }

  /** Runs a job on the next free process; `signal` aborting ends the process running it (tinypool replaces it). */
  async run(job: Record<string, unknown>, signal?: AbortSignal): Promise<Reply> {
    if (this.failure !== undefined) throw this.failure;
    if (this.ending !== undefined) throw new Error("the prover pool is closed");
    this.inFlight += 1;
    try {
      const reply = this.pool.run(job, signal === undefined ? {} : { signal });
      // tinypool may have spawned a process for this job.
      this.watch();
      const result = (await reply) as Reply;
      this.crashes = 0;
      return result;
    } catch (error) {
      throw this.explain(error);
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Ends the processes; jobs running or waiting fail. */
  close(): Promise<void> {
    this.ending ??= this.pool.destroy();
    return this.ending;
  }

  /** The error a job's caller sees, for a job that failed in any way. */
  private explain(error: unknown): Error {
    if (this.failure !== undefined) return this.failure;
    if (this.ending !== undefined) return new Error("the prover pool closed");
    if (error instanceof Error && error.name === "AbortError") return error;
    if (error instanceof Error && error.message === EXITED) {
      this.crashed();
      return new Error(`the prover process exited (${this.lastExit}) during the job`);
    }
    // A job sent in the moment between a process's death and tinypool's noticing it: the channel is gone. The
    // death itself is counted by its exit.
    // tinypool hands over an error thrown in the process as a plain object.
    const fields = typeof error === "object" && error !== null ? (error as { code?: unknown; message?: unknown }) : {};
    const text = typeof fields.message === "string" ? fields.message : String(error);
    if (fields.code === "EPIPE" || fields.code === "ERR_IPC_CHANNEL_CLOSED" || /\bEPIPE\b|channel closed/i.test(text)) {
      return new Error(`the prover process exited (${this.lastExit}) before the job reached it`);
    }
    // The job itself failed (worker.mjs threw): the process works.
    this.crashes = 0;
    return error instanceof Error ? error : new Error(text);
  }

  private crashed(): void {
    if (this.ending !== undefined) return;
    this.crashes += 1;
    if (this.crashes >= MAX_CRASHES) {
      this.fail(new Error(`prover processes keep exiting (last: ${this.lastExit}); see their output above`));
      return;
    }
    // tinypool has already spawned a replacement, unless the process died while starting.
    this.watch();
    if (this.pool.threads.length < this.size) {
      this.pool.recycleWorkers().then(
        () => {
          this.watch();
        },
        (error: unknown) => {
          this.fail(error instanceof Error ? error : new Error(String(error)));
        },
      );
    }
  }

  private fail(error: Error): void {
    if (this.ending !== undefined) return;
    this.failure = error;
    // Jobs running or waiting fail with `error` (explain()).
    void this.close();
  }

  /** Records how each process exits, for the error of the job it ran. */
  private watch(): void {
    for (const worker of this.pool.threads) {
      if (this.watched.has(worker)) continue;
      this.watched.add(worker);
      worker.once("exit", (code: number | null, signal: NodeJS.Signals | null) => {
        this.lastExit = `process ${worker.threadId}: code ${code}, signal ${signal}`;
      });
    }
  }
}
