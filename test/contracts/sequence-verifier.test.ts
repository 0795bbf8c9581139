import { expect } from "chai";
import { network } from "hardhat";

import { getCircuitConfig, TEST_CIRCUIT } from "../../off-chain/circuits/index.js";
import { sequenceVerifierName } from "../../off-chain/circuits/export-sequence-verifier.js";
import { SNARK_SCALAR_FIELD } from "../../off-chain/l2/index.js";
import { toContractProof, type SequenceProof } from "../../off-chain/prover/index.js";
import type { ISequenceVerifier } from "../../types/ethers-contracts/contracts/interfaces/ISequenceVerifier.js";
import { l2Fixture, PROVER } from "../helpers/l2.js";
import { closeProver, planSequences, sequenceProof, TEST_PLAN } from "../helpers/rollup.js";

const { verifierName, treeDepth } = getCircuitConfig(TEST_CIRCUIT);
/** BN254's base field: point coordinates live below it. */
const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

describe(`${sequenceVerifierName(verifierName)} (Groth16BatchVerifier)`, function () {
  let verifier: ISequenceVerifier;
  let single: Awaited<ReturnType<typeof deploySingle>>;
  let rows: bigint[][];
  let proof: SequenceProof;

  async function deploySingle() {
    const { ethers } = await network.create();
    verifier = (await ethers.deployContract(sequenceVerifierName(verifierName))) as unknown as ISequenceVerifier;
    return ethers.deployContract(verifierName);
  }

  before(async function () {
    single = await deploySingle();
    const l2 = await l2Fixture(treeDepth, [1_000n, 2_000n, 3_000n, 4_000n]);
    const [first, second, third] = planSequences(
      l2,
      TEST_PLAN.map((s) => s.map((b) => [...b])),
    );
    if (first === undefined || second === undefined || third === undefined) throw new Error("no plan");
    // The plan's third sequence has two batches: a two-proof sequence proof, from the second's end state.
    proof = await sequenceProof(l2, third, PROVER);
    const start = third.states[0]?.root ?? 0n;
    rows = proof.newStateRoots.map((root, i) => {
      const commitment = third.commitments[i];
      if (commitment === undefined) throw new Error(`no commitment ${i}`);
      return [
        i === 0 ? start : (proof.newStateRoots[i - 1] ?? 0n),
        root,
        commitment.batchHash,
        commitment.dataPoint,
        commitment.dataEvaluation,
        BigInt(PROVER),
      ];
    });
  });

  after(closeProver);

  const solidity = (proofs: SequenceProof["proofs"]) =>
    toContractProof({ oldStateRoot: 0n, newStateRoots: [], proofs }).proofs;
  const check = (inputs: bigint[][], proofs = proof.proofs) => verifier.verifyProofs(inputs, solidity(proofs));

  it("Should accept one proof exactly when the snarkjs verifier does", async function () {
    const [row] = rows;
    const [p] = proof.proofs;
    if (row === undefined || p === undefined) throw new Error("no proof");
    expect(await check([row], [p])).to.equal(true);
    expect(await single.getFunction("verifyProof")(p.a, p.b, p.c, row)).to.equal(true);
    const other = row.map((x, c) => (c === 5 ? x + 1n : x));
    expect(await check([other], [p])).to.equal(false);
    expect(await single.getFunction("verifyProof")(p.a, p.b, p.c, other)).to.equal(false);
  });

  it("Should accept all proofs of a sequence in one call, and refuse the call if any one is wrong", async function () {
    expect(await check(rows)).to.equal(true);
    for (let i = 0; i < rows.length; i++) {
      for (let j = 0; j < 6; j++) {
        const tampered = rows.map((row, r) => row.map((x, c) => (r === i && c === j ? x + 1n : x)));
        expect(await check(tampered), `input ${j} of proof ${i}`).to.equal(false);
      }
    }
    // The proofs swapped: each is valid, but not for the other's inputs.
    expect(await check(rows, [...proof.proofs].reverse())).to.equal(false);
  });

  it("Should return false, not revert, for inputs beyond the field, points off the curve and mismatched lengths", async function () {
    const beyond = rows.map((row, r) => row.map((x, c) => (r === 0 && c === 0 ? x + SNARK_SCALAR_FIELD : x)));
    expect(await check(beyond)).to.equal(false);
    const [p, q] = proof.proofs;
    if (p === undefined || q === undefined) throw new Error("two proofs expected");
    const offCurve = { ...p, a: [p.a[0], p.a[1] + 1n] as const };
    expect(await check(rows, [offCurve, q])).to.equal(false);
    const badG2 = { ...q, b: [[q.b[0][0] + 1n, q.b[0][1]], q.b[1]] as const };
    expect(await check(rows, [p, badG2])).to.equal(false);
    expect(await check(rows.slice(0, 1))).to.equal(false);
    expect(await check([], [])).to.equal(false);
  });

  it("Should refuse, without reverting, every non-canonical or off-curve A and C, first proof (weight 1, checked without a precompile) and later ones", async function () {
    type Proof = SequenceProof["proofs"][number];
    const edits: [string, (p: Proof) => Proof][] = [
      ["A's y plus q (the same point, not canonical)", (p) => ({ ...p, a: [p.a[0], p.a[1] + BASE_FIELD] })],
      ["A's x plus q", (p) => ({ ...p, a: [p.a[0] + BASE_FIELD, p.a[1]] })],
      ["C's y plus q", (p) => ({ ...p, c: [p.c[0], p.c[1] + BASE_FIELD] })],
      ["A off the curve", (p) => ({ ...p, a: [p.a[0], (p.a[1] + 1n) % BASE_FIELD] })],
      ["C off the curve", (p) => ({ ...p, c: [p.c[0], (p.c[1] + 1n) % BASE_FIELD] })],
      ["A negated", (p) => ({ ...p, a: [p.a[0], BASE_FIELD - p.a[1]] })],
      ["A the point at infinity", (p) => ({ ...p, a: [0n, 0n] })],
      ["C the point at infinity", (p) => ({ ...p, c: [0n, 0n] })],
    ];
    const [first, second] = proof.proofs;
    if (first === undefined || second === undefined) throw new Error("two proofs expected");
    for (const [what, edit] of edits) {
      expect(await check(rows.slice(0, 1), [edit(first)]), `${what}, one proof`).to.equal(false);
      expect(await check(rows, [edit(first), second]), `${what}, first of two`).to.equal(false);
      expect(await check(rows, [first, edit(second)]), `${what}, second of two`).to.equal(false);
    }
    // The untouched proofs still verify: the refusals above come from the edits.
    expect(await check(rows.slice(0, 1), [first])).to.equal(true);
    expect(await check(rows, [first, second])).to.equal(true);
  });
});
