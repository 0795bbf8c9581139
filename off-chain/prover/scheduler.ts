import type { ProofBackend, ProveJob, ProveReply } from "./backend.js";
import { ProverLostError } from "./backend.js";

/** A job whose provers keep going away is failed after this many tries (a job that kills its provers, say). */
const MAX_TRIES = 5;

interface Waiting {
  readonly job: ProveJob;
  readonly order: number;
  tries: number;
  readonly resolve: (reply: ProveReply) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The Proof Generator's scheduler: one queue of batch proofs over every
 * backend (the local prover processes and the remote provers alike). The
 * lowest priority (sequence) runs first, ties in arrival order; a job starts
 * as soon as any backend has a free slot for its circuit; a job whose prover
 * went away goes back to the queue at its place and runs elsewhere.
 */
export class ProofScheduler {
  private readonly queue: Waiting[] = [];
  private arrivals = 0;
  private running = 0;
  private closed = false;

  constructor(private readonly backends: readonly ProofBackend[]) {
    for (const backend of backends) {
      backend.onSlots?.(() => {
        this.dispatch();
      });
    }
  }

  /** Every slot of every backend (remote provers come and go). */
  get slots(): number {
    return this.backends.reduce((sum, backend) => sum + backend.slots(), 0);
  }

  /** Jobs running now. */
  get busy(): number {
    return this.running;
  }

  /** Jobs waiting for a slot. */
  get queued(): number {
    return this.queue.length;
  }

  /** How many more jobs of this circuit would start at once: free slots less the jobs already waiting. */
  capacity(zkeySha256: string): number {
    const free = this.backends.reduce((sum, backend) => sum + backend.free(zkeySha256), 0);
    return Math.max(0, free - this.queue.filter((w) => w.job.zkeySha256 === zkeySha256).length);
  }

  prove(job: ProveJob): Promise<ProveReply> {
    if (this.closed) return Promise.reject(new Error("the proof scheduler is closed"));
    return new Promise((resolve, reject) => {
      this.enqueue({ job, order: this.arrivals++, tries: 0, resolve, reject });
      this.dispatch();
    });
  }

  /** Starts waiting jobs on free slots; called whenever a job arrives or ends, and when a prover connects. */
  dispatch(): void {
    // Circuits no backend has a slot for (now): their jobs are skipped without asking every backend again, so a
    // long queue costs one pass of cheap checks.
    const full = new Set<string>();
    for (let i = 0; i < this.queue.length;) {
      const waiting = this.queue[i];
      if (waiting === undefined) break;
      const backend = full.has(waiting.job.zkeySha256) ? undefined : this.pick(waiting.job.zkeySha256);
      if (backend === undefined) {
        full.add(waiting.job.zkeySha256);
        i += 1;
        continue;
      }
      this.queue.splice(i, 1);
      this.start(backend, waiting);
    }
  }

  /** Fails the waiting jobs and closes every backend (their running jobs fail). */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.queue.splice(0)) waiting.reject(new Error("the proof scheduler closed"));
    await Promise.all(this.backends.map((backend) => backend.close()));
  }

  /** The backend with the most free slots for this circuit (spreads a sequence's batches over provers). */
  private pick(zkeySha256: string): ProofBackend | undefined {
    let best: ProofBackend | undefined;
    for (const backend of this.backends) {
      if (backend.free(zkeySha256) > (best?.free(zkeySha256) ?? 0)) best = backend;
    }
    return best;
  }

  private start(backend: ProofBackend, waiting: Waiting): void {
    this.running += 1;
    waiting.tries += 1;
    backend.prove(waiting.job).then(
      (reply) => {
        this.running -= 1;
        waiting.resolve(reply);
        this.dispatch();
      },
      (error: unknown) => {
        this.running -= 1;
        const failure = error instanceof Error ? error : new Error(String(error));
        if (failure instanceof ProverLostError && waiting.tries < MAX_TRIES && !this.closed) {
          this.enqueue(waiting);
        } else {
          waiting.reject(
            failure instanceof ProverLostError
              ? new ProverLostError(
                  `${waiting.job.label}: ${waiting.tries} provers went away under it; last: ${failure.message}`,
                )
              : failure,
          );
        }
        this.dispatch();
      },
    );
  }

  private enqueue(waiting: Waiting): void {
    const before = (a: Waiting, b: Waiting) =>
      a.job.priority < b.job.priority || (a.job.priority === b.job.priority && a.order < b.order);
    const at = this.queue.findIndex((other) => before(waiting, other));
    if (at === -1) this.queue.push(waiting);
    else this.queue.splice(at, 0, waiting);
  }
}
