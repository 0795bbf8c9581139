import { expect } from "chai";

import {
  ProofScheduler,
  ProverLostError,
  type ProofBackend,
  type ProveJob,
  type ProveReply,
} from "../../off-chain/prover/index.js";

const ZKEY = "aa".repeat(32);

/** A backend whose proofs end when the test says: the scheduler's decisions, step by step. */
class ManualBackend implements ProofBackend {
  readonly started: { job: ProveJob; finish: () => void; lose: () => void; fail: (error: Error) => void }[] = [];
  private listener: (() => void) | undefined;
  private running = 0;

  constructor(
    readonly name: string,
    private capacity: number,
    private readonly circuits: readonly string[] = [ZKEY],
  ) {}

  free(zkeySha256: string): number {
    return this.circuits.includes(zkeySha256) ? this.capacity - this.running : 0;
  }

  slots(): number {
    return this.capacity;
  }

  onSlots(listener: () => void): void {
    this.listener = listener;
  }

  /** A prover connects: more slots. */
  grow(slots: number): void {
    this.capacity += slots;
    this.listener?.();
  }

  prove(job: ProveJob): Promise<ProveReply> {
    this.running += 1;
    return new Promise((resolve, reject) => {
      const end = () => {
        this.running -= 1;
      };
      this.started.push({
        job,
        finish: () => {
          end();
          resolve({
            proof: { pi_a: [], pi_b: [], pi_c: [], protocol: "groth16", curve: "bn128" },
            publicSignals: [job.label],
            timings: { witnessSeconds: 0, proveSeconds: 0, cpuSeconds: 0, peakRssMB: 0 },
            prover: this.name,
          });
        },
        lose: () => {
          end();
          reject(new ProverLostError(`${this.name} went away`));
        },
        fail: (error) => {
          end();
          reject(error);
        },
      });
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function job(priority: bigint, label: string, zkeySha256 = ZKEY): ProveJob {
  return { zkeySha256, input: {}, priority, label };
}

/** Lets the scheduler's promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("ProofScheduler", function () {
  it("Should start waiting proofs lowest sequence first, ties in arrival order, as slots free", async function () {
    const backend = new ManualBackend("local", 1);
    const scheduler = new ProofScheduler([backend]);
    const done: string[] = [];
    const proofs = [job(5n, "s5"), job(2n, "s2-a"), job(9n, "s9"), job(2n, "s2-b")].map((j) =>
      scheduler.prove(j).then((reply) => done.push(reply.publicSignals[0] ?? "")),
    );
    expect(backend.started.map((s) => s.job.label)).to.deep.equal(["s5"]);
    expect(scheduler.queued).to.equal(3);
    expect(scheduler.capacity(ZKEY)).to.equal(0);
    for (let i = 0; i < 4; i++) {
      backend.started[i]?.finish();
      await settle();
    }
    await Promise.all(proofs);
    expect(backend.started.map((s) => s.job.label)).to.deep.equal(["s5", "s2-a", "s2-b", "s9"]);
    expect(done).to.deep.equal(["s5", "s2-a", "s2-b", "s9"]);
  });

  it("Should spread proofs over the backend with the most free slots, and use slots that appear", function () {
    const local = new ManualBackend("local", 1);
    const remote = new ManualBackend("remote", 0);
    const scheduler = new ProofScheduler([local, remote]);
    void scheduler.prove(job(1n, "a"));
    void scheduler.prove(job(1n, "b"));
    expect(scheduler.queued).to.equal(1);
    remote.grow(2);
    expect(remote.started.map((s) => s.job.label)).to.deep.equal(["b"]);
    expect(scheduler.capacity(ZKEY)).to.equal(1);
    expect(scheduler.slots).to.equal(3);
    expect(scheduler.busy).to.equal(2);
  });

  it("Should run a proof whose prover went away again elsewhere, at its place in the queue", async function () {
    const flaky = new ManualBackend("flaky", 1);
    const scheduler = new ProofScheduler([flaky]);
    const first = scheduler.prove(job(3n, "s3"));
    const later = scheduler.prove(job(7n, "s7"));
    flaky.started[0]?.lose();
    await settle();
    // s3 went back ahead of s7.
    expect(flaky.started.map((s) => s.job.label)).to.deep.equal(["s3", "s3"]);
    flaky.started[1]?.finish();
    await settle();
    flaky.started[2]?.finish();
    expect((await first).prover).to.equal("flaky");
    expect((await later).publicSignals).to.deep.equal(["s7"]);
  });

  it("Should fail a proof its own failure ends at once, and one that loses five provers", async function () {
    const backend = new ManualBackend("local", 1);
    const scheduler = new ProofScheduler([backend]);
    const broken = scheduler.prove(job(1n, "broken")).catch((error: unknown) => error);
    backend.started[0]?.fail(new Error("the circuit refused the witness"));
    expect(await broken).to.have.property("message", "the circuit refused the witness");

    const cursed = scheduler.prove(job(2n, "cursed")).catch((error: unknown) => error);
    for (let i = 1; i <= 5; i++) {
      backend.started[i]?.lose();
      await settle();
    }
    const error = await cursed;
    expect(error).to.be.instanceOf(ProverLostError);
    expect(error).to.have.property("message", "cursed: 5 provers went away under it; last: local went away");
    expect(backend.started).to.have.length(6);
  });

  it("Should give a proof only to a backend that holds its circuit, and fail waiting proofs on close", async function () {
    const other = "bb".repeat(32);
    const backend = new ManualBackend("local", 2, [ZKEY]);
    const scheduler = new ProofScheduler([backend]);
    const stranded = scheduler.prove(job(1n, "other circuit", other)).catch((error: unknown) => error);
    expect(backend.started).to.have.length(0);
    expect(scheduler.capacity(other)).to.equal(0);
    expect(scheduler.capacity(ZKEY)).to.equal(2);
    await scheduler.close();
    expect(await stranded).to.have.property("message", "the proof scheduler closed");
    expect(await scheduler.prove(job(1n, "late")).catch((error: unknown) => error)).to.have.property(
      "message",
      "the proof scheduler is closed",
    );
  });
});
