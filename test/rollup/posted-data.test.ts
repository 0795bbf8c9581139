import { randomBytes } from "node:crypto";

import { expect } from "chai";
import { AbiCoder, keccak256 } from "ethers";

import { getCircuitConfig, TEST_CIRCUIT } from "../../off-chain/circuits/index.js";
import {
  batchCommitment,
  SNARK_SCALAR_FIELD,
  transferBytes,
  type BatchCommitment,
  type TransferToApply,
} from "../../off-chain/l2/index.js";
import { toBatchCommitment } from "../../off-chain/chain/chain-data.js";
import { ISequenceVerifier__factory } from "../../types/ethers-contracts/index.js";
import { sign } from "../helpers/l2.js";
import {
  atBlock,
  closeProver,
  commit,
  postedSequence,
  proofArgs,
  reveal,
  rollupFixture,
  sequenceProof,
  type PlannedSequence,
  type RollupFixture,
} from "../helpers/rollup.js";

const { batchSize, treeDepth } = getCircuitConfig(TEST_CIRCUIT);
const COMMITMENTS_ABI = "tuple(uint256 batchHash, uint256 dataPoint, uint256 dataEvaluation)[]";

const digest = (commitments: readonly BatchCommitment[]) =>
  keccak256(AbiCoder.defaultAbiCoder().encode([COMMITMENTS_ABI], [commitments]));
const asArgs = (commitments: readonly BatchCommitment[]) => commitments.map((c) => ({ ...c }));

describe("ZkPowRollup: posted data", function () {
  let f: RollupFixture;

  beforeEach(async function () {
    f = await rollupFixture();
  });

  after(closeProver);

  const miner = (i: number) => f.miners[i] ?? expect.fail(`no miner ${i}`);
  const planned = () => f.sequences[0] ?? expect.fail("no planned sequence");
  const post = (sequence: PlannedSequence, batchHashes = sequence.batchHashes) =>
    f.rollup.connect(f.sequencer).sequenceBatches([...sequence.data], [...batchHashes]);

  describe("# sequenceBatches", function () {
    it("Should store and emit each batch's commitment, derived from calldata", async function () {
      await expect(post(planned())).to.emit(f.rollup, "SequenceSubmitted");
      const [event] = await f.rollup.queryFilter(f.rollup.filters.SequenceSubmitted());
      const emitted = event?.args.batches.map(toBatchCommitment);
      expect(emitted).to.deep.equal(planned().commitments);
      expect((await f.rollup.getSequence(1n)).commitment).to.equal(digest(planned().commitments));
    });

    it("Should not take a missing batchHash, or one beyond the field", async function () {
      await expect(f.rollup.connect(f.sequencer).sequenceBatches([...planned().data], []))
        .to.be.revertedWithCustomError(f.rollup, "BatchHashCountMismatch")
        .withArgs(1, 0);
      await expect(post(planned(), [SNARK_SCALAR_FIELD]))
        .to.be.revertedWithCustomError(f.rollup, "InvalidBatchHash")
        .withArgs(SNARK_SCALAR_FIELD);
    });

    it("Should still refuse data it cannot decode: not the aggregate S and whole transfers, no transfer, or beyond the batch size", async function () {
      const size = transferBytes(treeDepth);
      const sequencer = f.rollup.connect(f.sequencer);
      for (const length of [32 + size + 1, size, 0]) {
        await expect(sequencer.sequenceBatches([new Uint8Array(length)], [1n]), `${length} bytes`)
          .to.be.revertedWithCustomError(f.rollup, "BatchDataNotWholeTransfers")
          .withArgs(length, size);
      }
      await expect(sequencer.sequenceBatches([new Uint8Array(32)], [1n]))
        .to.be.revertedWithCustomError(f.rollup, "BatchSizeOutOfRange")
        .withArgs(0, batchSize);
      await expect(sequencer.sequenceBatches([new Uint8Array(32 + (batchSize + 1) * size)], [1n]))
        .to.be.revertedWithCustomError(f.rollup, "BatchSizeOutOfRange")
        .withArgs(batchSize + 1, batchSize);
    });
  });

  describe("# any posted batch can be proven", function () {
    it("Should verify a batch whose transfers all break a rule, and keep the state root", async function () {
      const garbage: TransferToApply[] = Array.from({ length: batchSize }, (_, i) => ({
        from: i,
        to: 15,
        amount: BigInt(i + 1),
        signature: {
          R8: BigInt("0x" + randomBytes(32).toString("hex")),
          S: BigInt("0x" + randomBytes(32).toString("hex")),
        },
      }));
      garbage[0] = sign(f.l2, 1, { from: 0, to: 1, amount: 5n, nonce: 0n });
      const sequence = postedSequence(f.l2, f.l2.genesis, [garbage]);
      expect(sequence.states[1]?.root).to.equal(f.l2.genesis.root);
      await post(sequence);
      const proof = await sequenceProof(f.l2, sequence, miner(0).address);
      const start = await commit(f, miner(0), 1n, proof);
      await atBlock(f, start + f.commitWindow);
      await expect(reveal(f, miner(0), 1n, sequence, proof)).to.emit(f.rollup, "SequenceVerified");
      expect(await f.rollup.stateRoot()).to.equal(f.l2.genesis.root);
    });
  });

  describe("# correctBatchHash", function () {
    const wrongHash = () => (planned().batchHashes[0] ?? 0n) + 1n;
    /** The commitment the contract derived for the wrong batchHash. */
    const posted = () => {
      const [data] = planned().data;
      if (data === undefined) throw new Error("no data");
      const commitment = batchCommitment(f.l2.crypto.poseidon, f.l2.chainId, data, batchSize, treeDepth);
      return { data, commitment };
    };
    const wrongCommitments = async () => {
      const [event] = await f.rollup.queryFilter(f.rollup.filters.SequenceSubmitted());
      return (event?.args.batches ?? []).map(toBatchCommitment);
    };

    it("Should let anyone replace a wrong batchHash, after which the batch is proven", async function () {
      await post(planned(), [wrongHash()]);
      const wrong = await wrongCommitments();
      expect(wrong[0]?.batchHash).to.equal(wrongHash());
      const proof = await sequenceProof(f.l2, planned(), miner(0).address);
      // The honest proof does not open the commitment of a wrong batchHash: no proof can.
      const verifier = ISequenceVerifier__factory.connect((await f.rollup.getConfig()).verifier, f.outsider);
      const inputs = (commitment: BatchCommitment) => [
        [
          proof.oldStateRoot,
          proof.newStateRoots[0] ?? 0n,
          commitment.batchHash,
          commitment.dataPoint,
          commitment.dataEvaluation,
          BigInt(miner(0).address),
        ],
      ];
      const { proofs } = proofArgs(proof);
      expect(await verifier.verifyProofs(inputs(wrong[0] ?? expect.fail()), proofs)).to.equal(false);
      expect(await verifier.verifyProofs(inputs(posted().commitment), proofs)).to.equal(true);

      await expect(f.rollup.connect(f.outsider).correctBatchHash(1n, asArgs(wrong), 0, posted().data))
        .to.emit(f.rollup, "BatchHashCorrected")
        .withArgs(1n, 0, [
          posted().commitment.batchHash,
          posted().commitment.dataPoint,
          posted().commitment.dataEvaluation,
        ]);
      expect((await f.rollup.getSequence(1n)).commitment).to.equal(digest(planned().commitments));
      const start = await commit(f, miner(0), 1n, proof);
      await atBlock(f, start + f.commitWindow);
      await expect(reveal(f, miner(0), 1n, planned(), proof)).to.emit(f.rollup, "SequenceVerified");
    });

    it("Should not correct a right batchHash, other data, a batch outside the sequence, or a verified sequence", async function () {
      await post(planned(), [wrongHash()]);
      const wrong = await wrongCommitments();
      const outsider = f.rollup.connect(f.outsider);
      const other = Uint8Array.from(posted().data);
      other[0] = (other[0] ?? 0) ^ 1;
      await expect(outsider.correctBatchHash(1n, asArgs(wrong), 0, other))
        .to.be.revertedWithCustomError(f.rollup, "BatchDataMismatch")
        .withArgs(1n, 0);
      await expect(outsider.correctBatchHash(1n, asArgs(wrong), 1, posted().data))
        .to.be.revertedWithCustomError(f.rollup, "BatchIndexOutOfRange")
        .withArgs(1, 1);
      await expect(outsider.correctBatchHash(1n, asArgs(planned().commitments), 0, posted().data))
        .to.be.revertedWithCustomError(f.rollup, "BatchHashesMismatch")
        .withArgs(1n);
      await expect(outsider.correctBatchHash(2n, asArgs(wrong), 0, posted().data))
        .to.be.revertedWithCustomError(f.rollup, "UnknownSequence")
        .withArgs(2n);
      await outsider.correctBatchHash(1n, asArgs(wrong), 0, posted().data);
      await expect(outsider.correctBatchHash(1n, asArgs(planned().commitments), 0, posted().data))
        .to.be.revertedWithCustomError(f.rollup, "BatchHashCorrect")
        .withArgs(1n, 0);
      const proof = await sequenceProof(f.l2, planned(), miner(0).address);
      const start = await commit(f, miner(0), 1n, proof);
      await atBlock(f, start + f.commitWindow);
      await reveal(f, miner(0), 1n, planned(), proof);
      await expect(outsider.correctBatchHash(1n, asArgs(planned().commitments), 0, posted().data))
        .to.be.revertedWithCustomError(f.rollup, "SequenceAlreadyVerified")
        .withArgs(1n);
    });
  });
});
