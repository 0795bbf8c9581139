import { expect } from "chai";
import { network } from "hardhat";

import { TEST_CIRCUIT, getCircuitConfig } from "../../off-chain/circuits/index.js";
import { batchCommitment } from "../../off-chain/l2/index.js";
import { BatchProver, toSolidityProof, type BatchProofResult } from "../../off-chain/prover/index.js";
import { testCircuit } from "../helpers/circuit.js";
import { l2Fixture, OTHER_PROVER, PROVER, sign, type L2Fixture } from "../helpers/l2.js";

const { batchSize, treeDepth, verifierName } = getCircuitConfig(TEST_CIRCUIT);

describe(`BatchProver (${TEST_CIRCUIT})`, function () {
  let fixture: L2Fixture;
  let prover: BatchProver;
  let proven: BatchProofResult;

  before(async function () {
    const artifacts = await testCircuit();
    fixture = await l2Fixture(treeDepth, [1_000n, 2_000n, 3_000n]);
    prover = await BatchProver.create({
      circuit: { ...artifacts, batchSize },
      chainId: fixture.chainId,
      threads: 2,
    });
    proven = await prover.prove(
      fixture.genesis.seal([sign(fixture, 0, { from: 0, to: 1, amount: 10n, nonce: 0n })], fixture.chainId),
      fixture.genesis,
      PROVER,
    );
  });

  after(async function () {
    await prover.close();
  });

  it("Should prove a batch whose public signals are the roots, the batch commitment and the prover", async function () {
    const { witness, publicSignals } = proven;
    expect(publicSignals).to.deep.equal(witness.publicSignals.map(String));
    expect(publicSignals).to.have.length(6);
    expect(BigInt(publicSignals[5] ?? "")).to.equal(BigInt(PROVER));
    expect(await prover.verify(proven)).to.equal(true);
  });

  it("Should not verify the proof for another prover, another chain's batch commitment or another root", async function () {
    const signals = proven.publicSignals;
    const other = batchCommitment(
      fixture.crypto.poseidon,
      fixture.chainId + 1n,
      proven.witness.data,
      batchSize,
      treeDepth,
    );
    const swaps: [number, string][] = [
      [5, BigInt(OTHER_PROVER).toString()],
      [4, other.dataEvaluation.toString()],
      [3, other.dataPoint.toString()],
      [2, other.batchHash.toString()],
      [1, (proven.witness.newStateRoot + 1n).toString()],
      [0, (proven.witness.oldStateRoot + 1n).toString()],
    ];
    for (const [index, value] of swaps) {
      const tampered = signals.map((signal, i) => (i === index ? value : signal));
      expect(await prover.verify({ proof: proven.proof, publicSignals: tampered }), `signal ${index}`).to.equal(false);
    }
  });

  it("Should run two proofs at once, each valid for its own prover", async function () {
    const transfers = fixture.genesis.seal(
      [
        sign(fixture, 1, { from: 1, to: 2, amount: 5n, nonce: 0n }),
        sign(fixture, 2, { from: 2, to: 0, amount: 6n, nonce: 0n }),
      ],
      fixture.chainId,
    );
    const [mine, theirs] = await Promise.all([
      prover.prove(transfers, fixture.genesis, PROVER),
      prover.prove(transfers, fixture.genesis, OTHER_PROVER),
    ]);
    expect(await prover.verify(mine)).to.equal(true);
    expect(await prover.verify(theirs)).to.equal(true);
    // Same batch, same roots: only the prover differs, and a proof is not transferable.
    expect(mine.publicSignals.slice(0, 5)).to.deep.equal(theirs.publicSignals.slice(0, 5));
    expect(await prover.verify({ proof: mine.proof, publicSignals: theirs.publicSignals })).to.equal(false);
  });

  it("Should prove a batch with an invalid transfer, which the witness names as skipped", async function () {
    const transfers = [
      sign(fixture, 0, { from: 0, to: 1, amount: 1n, nonce: 0n }),
      sign(fixture, 1, { from: 1, to: 2, amount: 5_000n, nonce: 0n }),
    ];
    const result = await prover.prove(fixture.genesis.seal(transfers, fixture.chainId), fixture.genesis, PROVER);
    expect(result.witness.skipped).to.deep.equal([
      { index: 1, rule: "overdraft", detail: result.witness.skipped[0]?.detail },
    ]);
    expect(result.witness.nextState.account(1)?.nonce).to.equal(0n);
    expect(result.witness.nextState.account(0)?.nonce).to.equal(1n);
    expect(await prover.verify(result)).to.equal(true);
  });

  it(`Should be accepted by the generated ${verifierName} on the EVM only for its own public signals`, async function () {
    const { ethers } = await network.create();
    const verifier = await ethers.deployContract(verifierName);
    const { a, b, c } = toSolidityProof(proven.proof);
    const signals = proven.publicSignals.map(BigInt);
    expect(await verifier.getFunction("verifyProof")(a, b, c, signals)).to.equal(true);
    const otherProver = [...signals.slice(0, 5), BigInt(OTHER_PROVER)];
    expect(await verifier.getFunction("verifyProof")(a, b, c, otherProver)).to.equal(false);
  });
});
