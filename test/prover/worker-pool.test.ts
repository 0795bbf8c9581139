import { expect } from "chai";

import { TEST_CIRCUIT, getCircuitConfig } from "../../off-chain/circuits/index.js";
import { BatchProver, ProofGenerationError, WorkerPool } from "../../off-chain/prover/index.js";
import { testCircuit } from "../helpers/circuit.js";
import { l2Fixture, PROVER, sign, type L2Fixture } from "../helpers/l2.js";
import { waitFor } from "../helpers/miner.js";

const { batchSize, treeDepth } = getCircuitConfig(TEST_CIRCUIT);
const TIMEOUT_MS = 60_000;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** The one process of a one-process pool, once it runs (a replacement takes a moment to appear). */
function onlyPid(pool: WorkerPool, not?: number): Promise<number> {
  return waitFor("a prover process", () => Promise.resolve(pool.pids.find((pid) => pid !== not)), TIMEOUT_MS, 20);
}

describe(`WorkerPool (prover processes, ${TEST_CIRCUIT})`, function () {
  this.timeout(4 * TIMEOUT_MS);
  let fixture: L2Fixture;
  let pool: WorkerPool;
  let prover: BatchProver;

  before(async function () {
    const artifacts = await testCircuit();
    fixture = await l2Fixture(treeDepth, [1_000n, 2_000n]);
    pool = new WorkerPool(1);
    prover = await BatchProver.create({ circuit: { ...artifacts, batchSize }, chainId: fixture.chainId, pool });
  });

  after(async function () {
    await pool.close();
  });

  function prove(amount: bigint) {
    return prover.prove(
      fixture.genesis.seal([sign(fixture, 0, { from: 0, to: 1, amount, nonce: 0n })], fixture.chainId),
      fixture.genesis,
      PROVER,
    );
  }

  it("Should run again on the replacement process the job of a killed prover process, then the next job", async function () {
    const pid = await onlyPid(pool);
    const killed = prove(1n);
    const next = prove(2n);
    await waitFor("the first job running", () => Promise.resolve(pool.busy === 1), TIMEOUT_MS, 10);
    // One process: the second job waits in the prover's scheduler, not in the pool.
    expect(pool.queued).to.equal(0);
    process.kill(pid, "SIGKILL");
    // A process that died under a job lost its slot, not the job: the job runs again on the replacement.
    const [again, after] = await Promise.all([killed, next]);
    expect(await prover.verify(again)).to.equal(true);
    expect(await prover.verify(after)).to.equal(true);
    expect(pool.pids).to.have.length(1);
    expect(pool.pids).not.to.include(pid);
    expect(isRunning(pid)).to.equal(false);
  });

  it("Should fail loudly after three prover processes die in a row with no job done", async function () {
    const one = new WorkerPool(1);
    try {
      let pid: number | undefined;
      for (let death = 0; death < 3; death++) {
        pid = await onlyPid(one, pid);
        process.kill(pid, "SIGKILL");
      }
      const last = pid ?? 0;
      // Reaped: its exit has been handled. (A job sent before would fail in the process and reset the count.)
      await waitFor("the third process to be gone", () => Promise.resolve(!isRunning(last)), TIMEOUT_MS, 20);
      let failure: unknown;
      await one.run({ kind: "verify" }).catch((error: unknown) => {
        failure = error;
      });
      expect(failure)
        .to.be.an("error")
        .with.property("message")
        .that.matches(
          new RegExp(`prover processes keep exiting \\(last: process ${last}: code null, signal SIGKILL\\)`),
        );
      expect(one.pids).to.deep.equal([]);
    } finally {
      await one.close();
    }
  });

  it("Should reject running and waiting jobs on close and end the processes", async function () {
    const two = new WorkerPool(1);
    const closing = await BatchProver.create({
      circuit: { ...(await testCircuit()), batchSize },
      chainId: fixture.chainId,
      pool: two,
    });
    const pid = await onlyPid(two);
    const jobs = [1n, 2n].map((amount) =>
      closing
        .prove(
          fixture.genesis.seal([sign(fixture, 0, { from: 0, to: 1, amount, nonce: 0n })], fixture.chainId),
          fixture.genesis,
          PROVER,
        )
        .then(
          () => "proven",
          (error: unknown) => (error as ProofGenerationError).detail,
        ),
    );
    await waitFor("the first job running", () => Promise.resolve(two.busy === 1), TIMEOUT_MS, 10);
    await two.close();
    // The running job fails as the pool closes under it; the waiting one as it reaches the closed pool.
    expect(await Promise.all(jobs)).to.deep.equal(["the prover pool closed", "the prover pool is closed"]);
    expect(isRunning(pid)).to.equal(false);
    let refused: unknown;
    await two.run({ kind: "verify" }).catch((error: unknown) => {
      refused = error;
    });
    expect(refused).to.be.an("error").with.property("message", "the prover pool is closed");
  });
});
