import { fileURLToPath } from "node:url";

import { expect } from "chai";

import {
  ensureCircuit,
  getCircuitConfig,
  PUBLIC_SIGNALS,
  type CircuitArtifacts,
} from "../../off-chain/circuits/index.js";
import { buildBatchWitness, loadL2Crypto } from "../../off-chain/l2/index.js";
import { LocalBackend, verifyProof, WorkerPool, type ProveJob } from "../../off-chain/prover/index.js";
import { l2Fixture, PROVER, sign } from "../helpers/l2.js";

const CIRCUIT = "b1d4";
const STAND_IN = fileURLToPath(new URL("../fixtures/stand-in-prover.sh", import.meta.url));

/**
 * An external Groth16 prover with rapidsnark's command line in the prover processes: the witness from the
 * circuit's wasm, the proof from the binary (a stand-in with the same command line), the proof still verified.
 */
describe(`an external prover binary (${CIRCUIT}, stand-in with rapidsnark's command line)`, function () {
  this.timeout(180_000);
  let artifacts: CircuitArtifacts;
  let pool: WorkerPool;
  let job: ProveJob;

  before(async function () {
    artifacts = await ensureCircuit(CIRCUIT);
    const { batchSize, treeDepth } = getCircuitConfig(CIRCUIT);
    const fixture = await l2Fixture(treeDepth, [1_000n, 2_000n]);
    const witness = buildBatchWitness(await loadL2Crypto(), {
      state: fixture.genesis,
      transfers: [sign(fixture, 0, { from: 0, to: 1, amount: 4n, nonce: 0n })],
      prover: PROVER,
      chainId: fixture.chainId,
      batchSize,
    });
    job = { zkeySha256: artifacts.zkeySha256, input: witness.input, priority: 0n, label: "a batch" };
    pool = new WorkerPool(1);
  });

  after(async function () {
    delete process.env.STAND_IN_PROVER_FAIL;
    await pool.close();
  });

  it("Should prove with the binary, the proof verifying and the binary's CPU time counted", async function () {
    const backend = new LocalBackend(pool, { circuits: [artifacts], proverBinary: STAND_IN, closesPool: false });
    const reply = await backend.prove(job);
    expect(await verifyProof(pool, artifacts.verificationKey, reply)).to.equal(true);
    expect(reply.publicSignals).to.have.length(PUBLIC_SIGNALS.length);
    // The stand-in is a node process of its own: its CPU time is the child's, counted from /proc.
    expect(reply.timings.cpuSeconds).to.be.greaterThan(reply.timings.witnessSeconds);
  });

  it("Should fail with what a failing binary said, naming it", async function () {
    // The variable reaches the prover processes of a pool started after it is set.
    process.env.STAND_IN_PROVER_FAIL = "1";
    const failing = new WorkerPool(1);
    try {
      const backend = new LocalBackend(failing, { circuits: [artifacts], proverBinary: STAND_IN });
      const error = await backend.prove(job).catch((failure: unknown) => failure);
      expect(error).to.be.an("error");
      expect((error as Error).message).to.equal(
        `the prover binary ${STAND_IN} failed (3): stand-in prover: out of memory`,
      );
    } finally {
      delete process.env.STAND_IN_PROVER_FAIL;
      await failing.close();
    }
  });
});
