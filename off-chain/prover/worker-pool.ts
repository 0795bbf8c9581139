import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

type Reply = { id: number; ok: true } & Record<string, unknown>;
type Failure = { id: number; ok: false; message: string };

interface Pending {
  readonly job: Record<string, unknown> & { id: number };
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

const WORKER = fileURLToPath(new URL("./worker.mjs", import.meta.url));

/**
 * A fixed set of prover processes (worker.mjs says why processes), each doing
 * one job at a time; jobs wait in FIFO order for a free one. Several proofs
 * run at once, one per process.
 */
export class WorkerPool {
  private readonly idle: ChildProcess[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<number, { worker: ChildProcess; pending: Pending }>();
  private nextId = 0;
  private closed = false;
  /** Prover processes that died in a row with no job done between: a broken install, not bad luck. */
  private crashes = 0;

  constructor(readonly size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`a prover pool needs at least one process, got ${size}`);
    }
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  /** Jobs running now. */
  get busy(): number {
    return this.running.size;
  }

  /** Jobs waiting for a free process. */
  get queued(): number {
    return this.queue.length;
  }

  run(job: Record<string, unknown>): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error("the prover pool is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { ...job, id: this.nextId++ }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error("the prover pool closed"));
    for (const { pending } of this.running.values()) pending.reject(new Error("the prover pool closed"));
    const workers = [...this.idle.splice(0), ...[...this.running.values()].map((entry) => entry.worker)];
    this.running.clear();
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.exitCode !== null || worker.signalCode !== null) {
              resolve();
              return;
            }
            worker.once("exit", () => {
              resolve();
            });
            if (worker.connected) worker.disconnect();
            else worker.kill();
          }),
      ),
    );
  }

  private spawn(): ChildProcess {
    // No execArgv: worker.mjs is plain JavaScript and needs no TypeScript loader.
    const worker = fork(WORKER, [], {
      execArgv: [],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    worker.on("message", (reply: Reply | Failure) => {
      const entry = this.running.get(reply.id);
      if (entry === undefined) return;
      this.running.delete(reply.id);
      this.crashes = 0;
      this.idle.push(worker);
      if (reply.ok) entry.pending.resolve(reply);
      else entry.pending.reject(new Error(reply.message));
      this.dispatch();
    });
    worker.on("exit", (code, signal) => {
      if (this.closed) return;
      // A crashed prover fails its job and is replaced, so the pool keeps its size.
      const index = this.idle.indexOf(worker);
      if (index >= 0) this.idle.splice(index, 1);
      for (const [id, entry] of this.running) {
        if (entry.worker !== worker) continue;
        this.running.delete(id);
        entry.pending.reject(new Error(`the prover process exited (code ${code}, signal ${signal}) during the job`));
      }
      this.crashes += 1;
      if (this.crashes >= 3) {
        this.fail(
          new Error(`prover processes keep exiting (last: code ${code}, signal ${signal}); see their output above`),
        );
        return;
      }
      this.idle.push(this.spawn());
      this.dispatch();
    });
    return worker;
  }

  private fail(error: Error): void {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(error);
    for (const { worker, pending } of this.running.values()) {
      pending.reject(error);
      worker.kill();
    }
    this.running.clear();
    for (const worker of this.idle.splice(0)) worker.kill();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop();
      const pending = this.queue.shift();
      if (worker === undefined || pending === undefined) return;
      this.running.set(pending.job.id, { worker, pending });
      worker.send(pending.job);
    }
  }
}
