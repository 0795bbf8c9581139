import { expect } from "chai";

import { proofHash } from "../../off-chain/prover/index.js";
import {
  atBlock,
  closeProver,
  commit,
  postSequences,
  reveal,
  rollupFixture,
  sequenceProof,
  type RollupFixture,
  CommitStatus as Status,
} from "../helpers/rollup.js";

describe("ZkPowRollup: the two-step commit", function () {
  let f: RollupFixture;
  let first: bigint;

  beforeEach(async function () {
    f = await rollupFixture();
    [first] = (await postSequences(f, 1)) as [bigint];
  });

  after(closeProver);

  const planned = () => f.sequences[0] ?? expect.fail("no planned sequence");
  const miner = (i: number) => f.miners[i] ?? expect.fail(`no miner ${i}`);
  const proofOf = (i: number) => sequenceProof(f.l2, planned(), miner(i).address);

  describe("# commit", function () {
    it("Should open the commit window (T1) with the first commit and accept commits until its last block", async function () {
      const start = await commit(f, miner(0), first, await proofOf(0));
      const sequence = await f.rollup.getSequence(first);
      expect(sequence.round).to.equal(1n);
      expect(sequence.commitStart).to.equal(BigInt(start));
      await atBlock(f, start + f.commitWindow - 1);
      await commit(f, miner(1), first, await proofOf(1));
      await atBlock(f, start + f.commitWindow);
      await expect(commit(f, miner(2), first, await proofOf(2)))
        .to.be.revertedWithCustomError(f.rollup, "CommitWindowClosed")
        .withArgs(first, 1);
      for (const i of [0, 1])
        expect(await f.rollup.commitStatus(first, 1, miner(i).address)).to.equal(Status.Committed);
      expect(await f.rollup.commitStatus(first, 1, miner(2).address)).to.equal(Status.None);
    });

    it("Should emit RoundOpened and ProofHashCommitted", async function () {
      const hash = proofHash(await proofOf(0), miner(0).address);
      await expect(f.rollup.connect(miner(0)).commitProofHash(first, hash))
        .to.emit(f.rollup, "RoundOpened")
        .and.to.emit(f.rollup, "ProofHashCommitted")
        .withArgs(first, 1, miner(0).address, hash);
    });

    it("Should not take a commit without the minimum stake", async function () {
      const hash = proofHash(await proofOf(0), f.outsider.address);
      await expect(f.rollup.connect(f.outsider).commitProofHash(first, hash))
        .to.be.revertedWithCustomError(f.rollup, "InsufficientStake")
        .withArgs(0, f.settings.minimumStake);
    });

    it("Should not take a commit beyond what the stake can answer for", async function () {
      // Stake 3x the minimum, invalid-proof penalty 20: a miner can back 15 open commits, not 16.
      const perCommit = f.settings.invalidProofPenalty;
      const stake = (await f.rollup.getMiner(miner(0).address)).stake;
      const backed = Number(stake / perCommit);
      const sequences: bigint[] = [];
      for (let i = 0; i <= backed; i++) {
        await f.rollup.connect(f.sequencer).sequenceBatches([...planned().data], [...planned().batchHashes]);
        sequences.push(await f.rollup.lastBatch());
      }
      for (const sequence of sequences.slice(0, backed)) {
        await f.rollup.connect(miner(0)).commitProofHash(sequence, proofHash(await proofOf(0), miner(0).address));
      }
      await expect(
        f.rollup
          .connect(miner(0))
          .commitProofHash(sequences[backed] ?? 0n, proofHash(await proofOf(0), miner(0).address)),
      ).to.be.revertedWithCustomError(f.rollup, "InsufficientStake");
    });

    it("Should not take a second commit from the same miner, an empty proofHash or an unknown sequence", async function () {
      await commit(f, miner(0), first, await proofOf(0));
      await expect(commit(f, miner(0), first, await proofOf(0)))
        .to.be.revertedWithCustomError(f.rollup, "AlreadyCommitted")
        .withArgs(first, 1);
      await expect(
        f.rollup.connect(miner(1)).commitProofHash(first, "0x" + "00".repeat(31) + "ff"),
      ).to.be.revertedWithCustomError(f.rollup, "EmptyProofHash");
      await expect(commit(f, miner(1), 99n, await proofOf(1)))
        .to.be.revertedWithCustomError(f.rollup, "UnknownSequence")
        .withArgs(99);
    });
  });

  describe("# reveal", function () {
    it("Should not reveal before the commit window ends, and finalise the sequence with the first valid proof at its end", async function () {
      const proof = await proofOf(0);
      const start = await commit(f, miner(0), first, proof);
      await atBlock(f, start + f.commitWindow - 1);
      await expect(reveal(f, miner(0), first, planned(), proof))
        .to.be.revertedWithCustomError(f.rollup, "RevealWindowNotOpen")
        .withArgs(first, 1);
      await atBlock(f, start + f.commitWindow);
      const newStateRoot = proof.newStateRoots.at(-1);
      await expect(reveal(f, miner(0), first, planned(), proof))
        .to.emit(f.rollup, "SequenceVerified")
        .withArgs(first, miner(0).address, 1, first, newStateRoot)
        .and.not.to.emit(f.rollup, "ProofVerified");
      expect(await f.rollup.stateRoot()).to.equal(newStateRoot);
      expect(await f.rollup.lastVerifiedBatch()).to.equal(first);
      expect(await f.rollup.commitStatus(first, 1, miner(0).address)).to.equal(Status.ProofVerified);
    });

    it("Should accept a reveal in the last block of the reveal window (T2) and refuse it after, when none verified", async function () {
      const start = await commit(f, miner(0), first, await proofOf(0));
      await commit(f, miner(1), first, await proofOf(1));
      const revealStart = start + f.commitWindow;
      await atBlock(f, revealStart + f.revealWindow);
      await expect(reveal(f, miner(0), first, planned(), await proofOf(0)))
        .to.be.revertedWithCustomError(f.rollup, "RevealWindowClosed")
        .withArgs(first, 1);
      // The same reveal one block earlier is on time: replay the scenario from a fresh fixture.
      f = await rollupFixture();
      await postSequences(f, 1);
      const again = await commit(f, miner(0), first, await proofOf(0));
      await atBlock(f, again + f.commitWindow + f.revealWindow - 1);
      await expect(reveal(f, miner(0), first, planned(), await proofOf(0)))
        .to.emit(f.rollup, "SequenceVerified")
        .withArgs(first, miner(0).address, 1, first, (await proofOf(0)).newStateRoots.at(-1));
    });

    it("Should let a committer who missed T2 reveal late once another proof verified, until the late window closes", async function () {
      const start = await commit(f, miner(0), first, await proofOf(0));
      await commit(f, miner(1), first, await proofOf(1));
      await commit(f, miner(2), first, await proofOf(2));
      const revealStart = start + f.commitWindow;
      await atBlock(f, revealStart);
      await reveal(f, miner(0), first, planned(), await proofOf(0));
      await atBlock(f, revealStart + f.revealWindow);
      await expect(reveal(f, miner(1), first, planned(), await proofOf(1)))
        .to.emit(f.rollup, "ProofVerified")
        .withArgs(first, 1, miner(1).address, true);
      await atBlock(f, revealStart + 2 * f.revealWindow);
      await expect(reveal(f, miner(2), first, planned(), await proofOf(2)))
        .to.be.revertedWithCustomError(f.rollup, "RevealWindowClosed")
        .withArgs(first, 1);
    });

    it("Should not take a reveal without a commit", async function () {
      const start = await commit(f, miner(0), first, await proofOf(0));
      await atBlock(f, start + f.commitWindow);
      await expect(reveal(f, miner(1), first, planned(), await proofOf(1)))
        .to.be.revertedWithCustomError(f.rollup, "NoOpenCommit")
        .withArgs(first, 1, miner(1).address);
    });

    it("Should not take a proof that does not match the sender's commit", async function () {
      const start = await commit(f, miner(0), first, await proofOf(0));
      await commit(f, miner(1), first, await proofOf(1));
      await atBlock(f, start + f.commitWindow);
      // Miner 1 reveals miner 0's proof: its own proofHash binds its own proof.
      await expect(reveal(f, miner(1), first, planned(), await proofOf(0))).to.be.revertedWithCustomError(
        f.rollup,
        "ProofHashMismatch",
      );
      expect(await f.rollup.commitStatus(first, 1, miner(1).address)).to.equal(Status.Committed);
    });

    it("Should penalise a miner who committed to someone else's proof: it does not verify for its address", async function () {
      const stolen = await proofOf(0);
      const start = await commit(f, miner(0), first, stolen);
      await f.rollup.connect(miner(1)).commitProofHash(first, proofHash(stolen, miner(1).address));
      await atBlock(f, start + f.commitWindow);
      const before = (await f.rollup.getMiner(miner(1).address)).stake;
      await expect(reveal(f, miner(1), first, planned(), stolen))
        .to.emit(f.rollup, "ProofRejected")
        .withArgs(first, 1, miner(1).address, f.settings.invalidProofPenalty);
      expect((await f.rollup.getMiner(miner(1).address)).stake).to.equal(before - f.settings.invalidProofPenalty);
      expect(await f.rollup.commitStatus(first, 1, miner(1).address)).to.equal(Status.ProofInvalid);
      expect(await f.rollup.lastVerifiedBatch()).to.equal(0n);
    });

    it("Should not take a replayed proof", async function () {
      const proof = await proofOf(0);
      const start = await commit(f, miner(0), first, proof);
      await atBlock(f, start + f.commitWindow);
      await reveal(f, miner(0), first, planned(), proof);
      await expect(reveal(f, miner(0), first, planned(), proof))
        .to.be.revertedWithCustomError(f.rollup, "NoOpenCommit")
        .withArgs(first, 1, miner(0).address);
      await expect(commit(f, miner(0), first, proof))
        .to.be.revertedWithCustomError(f.rollup, "SequenceAlreadyVerified")
        .withArgs(first);
    });

    it("Should penalise a proof for the wrong sequence", async function () {
      // Sequence 2 carries the same bytes as sequence 1, but starts from sequence 1's new root.
      await f.rollup.connect(f.sequencer).sequenceBatches([...planned().data], [...planned().batchHashes]);
      const second = first + 1n;
      const start = await commit(f, miner(0), first, await proofOf(0));
      await atBlock(f, start + f.commitWindow);
      await reveal(f, miner(0), first, planned(), await proofOf(0));
      const wrong = await commit(f, miner(1), second, await proofOf(1));
      await atBlock(f, wrong + f.commitWindow);
      await expect(reveal(f, miner(1), second, planned(), await proofOf(1)))
        .to.emit(f.rollup, "ProofRejected")
        .withArgs(second, 1, miner(1).address, f.settings.invalidProofPenalty);
      expect(await f.rollup.lastVerifiedBatch()).to.equal(first);
    });

    it("Should not take batchHashes that are not the sequence's", async function () {
      const proof = await proofOf(0);
      const start = await commit(f, miner(0), first, proof);
      await atBlock(f, start + f.commitWindow);
      const other = f.sequences[1] ?? expect.fail("no plan");
      await expect(reveal(f, miner(0), first, other, proof))
        .to.be.revertedWithCustomError(f.rollup, "BatchHashesMismatch")
        .withArgs(first);
    });
  });

  describe("# failed rounds", function () {
    it("Should penalise every committer once T2 ends with no valid proof (the round's opener as for an invalid proof), and start the flow again", async function () {
      const start = await commit(f, miner(0), first, await proofOf(0));
      await commit(f, miner(1), first, await proofOf(1));
      const revealEnd = start + f.commitWindow + f.revealWindow;
      await atBlock(f, revealEnd - 1);
      await expect(f.rollup.settleMissedCommit(first, 1, miner(0).address))
        .to.be.revertedWithCustomError(f.rollup, "CommitNotSettleable")
        .withArgs(first, 1, miner(0).address);
      await atBlock(f, revealEnd);
      // Miner 0 opened the round (T1) and delivered nothing: it pays the invalid-proof penalty.
      for (const [i, penalty] of [
        [0, f.settings.invalidProofPenalty],
        [1, f.settings.missedProofPenalty],
      ] as const) {
        await expect(f.rollup.connect(f.outsider).settleMissedCommit(first, 1, miner(i).address))
          .to.emit(f.rollup, "CommitMissed")
          .withArgs(first, 1, miner(i).address, penalty);
        expect(await f.rollup.commitStatus(first, 1, miner(i).address)).to.equal(Status.Missed);
      }
      await expect(f.rollup.settleMissedCommit(first, 1, miner(0).address)).to.be.revertedWithCustomError(
        f.rollup,
        "CommitNotSettleable",
      );
      // Round 2: the flow starts over, and the penalties wait in the sequence's reward for its provers.
      const restart = await commit(f, miner(2), first, await proofOf(2));
      expect((await f.rollup.getSequence(first)).round).to.equal(2n);
      await atBlock(f, restart + f.commitWindow);
      await expect(reveal(f, miner(2), first, planned(), await proofOf(2)))
        .to.emit(f.rollup, "SequenceVerified")
        .withArgs(first, miner(2).address, 2, first, (await proofOf(2)).newStateRoots.at(-1));
    });

    it("Should let a committer of a failed round be settled after the next round opened", async function () {
      const start = await commit(f, miner(0), first, await proofOf(0));
      await atBlock(f, start + f.commitWindow + f.revealWindow);
      await commit(f, miner(1), first, await proofOf(1));
      await expect(f.rollup.settleMissedCommit(first, 1, miner(0).address)).to.emit(f.rollup, "CommitMissed");
      // Round 1's committer cannot reveal into round 2.
      await expect(reveal(f, miner(0), first, planned(), await proofOf(0)))
        .to.be.revertedWithCustomError(f.rollup, "NoOpenCommit")
        .withArgs(first, 2, miner(0).address);
    });

    it("Should penalise a committer of a verified round who never revealed, once the late window closed", async function () {
      const start = await commit(f, miner(0), first, await proofOf(0));
      await commit(f, miner(1), first, await proofOf(1));
      const revealStart = start + f.commitWindow;
      await atBlock(f, revealStart);
      await reveal(f, miner(0), first, planned(), await proofOf(0));
      await atBlock(f, revealStart + 2 * f.revealWindow - 1);
      await expect(f.rollup.settleMissedCommit(first, 1, miner(1).address)).to.be.revertedWithCustomError(
        f.rollup,
        "CommitNotSettleable",
      );
      await expect(f.rollup.settleMissedCommit(first, 1, miner(0).address)).to.be.revertedWithCustomError(
        f.rollup,
        "CommitNotSettleable",
      );
      // A reverted call mines no block: move to the first block after the late window.
      await atBlock(f, revealStart + 2 * f.revealWindow);
      await expect(f.rollup.settleMissedCommit(first, 1, miner(1).address))
        .to.emit(f.rollup, "CommitMissed")
        .withArgs(first, 1, miner(1).address, f.settings.missedProofPenalty);
    });
  });
});
