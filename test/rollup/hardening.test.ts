import { expect } from "chai";

import type { SequenceProof } from "../../off-chain/prover/index.js";
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

/** The BN254 base field modulus. */
const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** A batch proof whose points a test may change. */
interface BatchProof {
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
}

describe("ZkPowRollup: hardening", function () {
  let f: RollupFixture;

  beforeEach(async function () {
    f = await rollupFixture();
  });

  after(closeProver);

  const miner = (i: number) => f.miners[i] ?? expect.fail(`no miner ${i}`);
  const plan = (i: number) => f.sequences[i] ?? expect.fail(`no plan ${i}`);
  const proofOf = (sequence: number, i: number) => sequenceProof(f.l2, plan(sequence), miner(i).address);

  /** Commits, waits for T1 and reveals: the sequence is verified; returns the block it was verified in. */
  async function prove(sequence: bigint, index: number, by = 0): Promise<number> {
    const proof = await proofOf(index, by);
    const start = await commit(f, miner(by), sequence, proof);
    await atBlock(f, start + f.commitWindow);
    const receipt = await (await reveal(f, miner(by), sequence, plan(index), proof)).wait();
    return receipt?.blockNumber ?? expect.fail("not mined");
  }

  /** A copy of a proof with the points of its batch proof `index` changed. */
  function tampered(proof: SequenceProof, index: number, change: (p: BatchProof) => void): SequenceProof {
    const proofs = proof.proofs.map((p): BatchProof => ({
      a: [...p.a] as [bigint, bigint],
      b: [[...p.b[0]], [...p.b[1]]] as [[bigint, bigint], [bigint, bigint]],
      c: [...p.c] as [bigint, bigint],
    }));
    change(proofs[index] ?? expect.fail("no batch proof"));
    return { ...proof, proofs };
  }

  describe("# commit window and withdrawn commits (a predecessor's delay)", function () {
    it("Should start a sequence's commit window only once its predecessor is verified, counting earlier commits as made then", async function () {
      const [first, second] = (await postSequences(f, 2)) as [bigint, bigint];
      // An early commit to the second sequence cannot close its T1 while the first is pending.
      const early = await commit(f, miner(2), second, await proofOf(1, 2));
      await atBlock(f, early + f.commitWindow + 5);
      await commit(f, miner(1), second, await proofOf(1, 1));
      const verified = await prove(first, 0);
      // T1 runs from the predecessor's verification: in its last block a reveal is early, a commit on time.
      await atBlock(f, verified + f.commitWindow - 1);
      await expect(reveal(f, miner(1), second, plan(1), await proofOf(1, 1)))
        .to.be.revertedWithCustomError(f.rollup, "RevealWindowNotOpen")
        .withArgs(second, 1);
      await commit(f, miner(0), second, await proofOf(1, 0));
      await expect(reveal(f, miner(1), second, plan(1), await proofOf(1, 1))).to.emit(f.rollup, "SequenceVerified");
      for (const i of [0, 2]) await reveal(f, miner(i), second, plan(1), await proofOf(1, i));
      expect((await f.rollup.getSequence(second)).validProofs).to.equal(3n);
    });

    it("Should let a miner withdraw at no cost a commit whose predecessor is pending, freeing its stake", async function () {
      const [first, second] = (await postSequences(f, 2)) as [bigint, bigint];
      await commit(f, miner(1), second, await proofOf(1, 1));
      const staked = (await f.rollup.getMiner(miner(1).address)).stake;
      await f.rollup.connect(miner(1)).requestWithdrawal(staked);
      await atBlock(f, Number((await f.rollup.getMiner(miner(1).address)).unbondingEnd));
      // The predecessor never verifies: without the withdrawal, the backing would stay locked.
      await expect(f.rollup.connect(miner(1)).withdrawCommit(second))
        .to.emit(f.rollup, "CommitWithdrawn")
        .withArgs(second, 1, miner(1).address);
      expect(await f.rollup.commitStatus(second, 1, miner(1).address)).to.equal(Status.Withdrawn);
      await expect(f.rollup.connect(miner(1)).withdraw())
        .to.emit(f.rollup, "Withdrawn")
        .withArgs(miner(1).address, staked);
      await expect(f.rollup.connect(miner(1)).withdrawCommit(second))
        .to.be.revertedWithCustomError(f.rollup, "NoOpenCommit")
        .withArgs(second, 1, miner(1).address);

      // Once the predecessor is verified, T1 runs and a commit is a promise: it cannot be withdrawn.
      await commit(f, miner(2), second, await proofOf(1, 2));
      await prove(first, 0);
      await expect(f.rollup.connect(miner(2)).withdrawCommit(second))
        .to.be.revertedWithCustomError(f.rollup, "CommitNotWithdrawable")
        .withArgs(second, 1, miner(2).address);
    });

    it("Should free an honest miner's stake within T1 + T2 blocks of its predecessor's verification", async function () {
      const [first, second] = (await postSequences(f, 2)) as [bigint, bigint];
      const start = await commit(f, miner(1), second, await proofOf(1, 1));
      await atBlock(f, start + 50);
      const verified = await prove(first, 0);
      // The latest block an honest miner can reveal in: the last of T2.
      await atBlock(f, verified + f.commitWindow + f.revealWindow - 1);
      await reveal(f, miner(1), second, plan(1), await proofOf(1, 1));
      // Its stake backs nothing beyond the claim of its reward, which opens with the late window's end.
      await atBlock(f, verified + f.commitWindow + 2 * f.revealWindow);
      await f.rollup.connect(miner(1)).claimReward(second);
      expect((await f.rollup.getMiner(miner(1).address)).backing).to.equal(0n);
    });
  });

  describe("# griefing the commit window", function () {
    it("Should make the opener of a failed round pay the invalid-proof penalty, the other committers the missed one", async function () {
      const [first] = (await postSequences(f, 1)) as [bigint];
      const start = await f.helpers.time.latestBlock();
      await f.rollup.connect(miner(2)).commitProofHash(first, `0x${"ab".repeat(32)}`);
      await commit(f, miner(1), first, await proofOf(0, 1));
      const failed = start + 1 + f.commitWindow + f.revealWindow;
      await atBlock(f, failed);
      await expect(f.rollup.settleMissedCommit(first, 1, miner(2).address))
        .to.emit(f.rollup, "CommitMissed")
        .withArgs(first, 1, miner(2).address, f.settings.invalidProofPenalty);
      await expect(f.rollup.settleMissedCommit(first, 1, miner(1).address))
        .to.emit(f.rollup, "CommitMissed")
        .withArgs(first, 1, miner(1).address, f.settings.missedProofPenalty);
    });
  });

  describe("# penalties fixed at commit", function () {
    it("Should take from a commit the penalties in force when it was made", async function () {
      const [first] = (await postSequences(f, 1)) as [bigint];
      const [p1, p2] = await Promise.all([1, 2].map((i) => proofOf(0, i)));
      // Miner 0 commits to miner 1's proof (it will not verify for miner 0's address).
      const start = await commit(f, miner(0), first, p1 ?? expect.fail());
      await commit(f, miner(1), first, p1 ?? expect.fail());
      await commit(f, miner(2), first, p2 ?? expect.fail());
      const { minimumStake, batchFee, missedProofPenalty, invalidProofPenalty } = f.settings;
      // Raised penalties do not reach open commits.
      await f.rollup
        .connect(f.admin)
        .setEconomics(minimumStake, 100n * missedProofPenalty, 100n * invalidProofPenalty, batchFee);
      await atBlock(f, start + f.commitWindow);
      await expect(reveal(f, miner(0), first, plan(0), p1 ?? expect.fail()))
        .to.emit(f.rollup, "ProofRejected")
        .withArgs(first, 1, miner(0).address, invalidProofPenalty);
      await reveal(f, miner(1), first, plan(0), p1 ?? expect.fail());
      // Lowered penalties do not let an open commit off.
      await f.rollup.connect(f.admin).setEconomics(minimumStake, 1n, 1n, batchFee);
      await atBlock(f, start + f.commitWindow + 2 * f.revealWindow);
      await expect(f.rollup.settleMissedCommit(first, 1, miner(2).address))
        .to.emit(f.rollup, "CommitMissed")
        .withArgs(first, 1, miner(2).address, missedProofPenalty);
    });

    it("Should refuse economics out of bounds", async function () {
      const cases = [
        [[0n, 0n, 0n, 0n], "minimumStake"],
        [[1n, 0n, 0n, 0n], "missedProofPenalty"],
        [[1n, 5n, 4n, 0n], "invalidProofPenalty"],
        [[1n, 5n, 2n ** 96n, 0n], "invalidProofPenalty"],
      ] as const;
      for (const [[stake, missed, invalid, fee], field] of cases) {
        await expect(f.rollup.connect(f.admin).setEconomics(stake, missed, invalid, fee))
          .to.be.revertedWithCustomError(f.rollup, "InvalidConfig")
          .withArgs(field);
      }
      await expect(f.rollup.connect(f.admin).setEconomics(1n, 1n, 1n, 0n)).to.emit(f.rollup, "EconomicsUpdated");
    });
  });

  describe("# malformed reveals", function () {
    for (const [what, change] of [
      ["a G2 point off the twist", (p: BatchProof) => (p.b[0][0] = (p.b[0][0] + 1n) % BASE_FIELD)],
      ["a G1 point off the curve", (p: BatchProof) => (p.a[1] = (p.a[1] + 1n) % BASE_FIELD)],
      ["a coordinate beyond the base field", (p: BatchProof) => (p.c[0] = p.c[0] + BASE_FIELD)],
    ] as const) {
      it(`Should penalise a proof with ${what} as an invalid proof, without calling the verifier`, async function () {
        const [first, second, third] = (await postSequences(f, 3)) as [bigint, bigint, bigint];
        await prove(first, 0);
        await prove(second, 1);
        // The second batch proof of the two-batch sequence: the verifier weighs it with a precompile call (the
        // first has weight 1, and the verifier checks its points without one).
        const bad = tampered(await proofOf(2, 0), 1, change);
        const start = await commit(f, miner(0), third, bad);
        await atBlock(f, start + f.commitWindow);
        const tx = reveal(f, miner(0), third, plan(2), bad);
        await expect(tx)
          .to.emit(f.rollup, "ProofRejected")
          .withArgs(third, 1, miner(0).address, f.settings.invalidProofPenalty);
        // A failing precompile would have burnt all the gas the verifier was given.
        const receipt = await (await tx).wait();
        expect(receipt?.gasUsed).to.be.below(150_000n);
      });
    }
  });

  describe("# partial withdrawal", function () {
    it("Should pay out all unbonding stake that open commits do not back", async function () {
      const [first, second] = (await postSequences(f, 2)) as [bigint, bigint];
      await commit(f, miner(0), first, await proofOf(0, 0));
      await commit(f, miner(0), second, await proofOf(1, 0));
      const { stake, backing } = await f.rollup.getMiner(miner(0).address);
      expect(backing).to.equal(2n * f.settings.invalidProofPenalty);
      // Stake beyond the backing can leave too: ask for all but 5 tokens' worth.
      const kept = 5n;
      await f.rollup.connect(miner(0)).requestWithdrawal(stake - kept);
      await atBlock(f, Number((await f.rollup.getMiner(miner(0).address)).unbondingEnd));
      await expect(f.rollup.connect(miner(0)).withdraw())
        .to.emit(f.rollup, "Withdrawn")
        .withArgs(miner(0).address, stake - backing);
      expect((await f.rollup.getMiner(miner(0).address)).unbonding).to.equal(backing - kept);
    });
  });

  describe("# emergency", function () {
    it("Should let the admin enter the emergency state: commits and reveals stop, stake and rewards leave at once", async function () {
      const [first, second] = (await postSequences(f, 2)) as [bigint, bigint];
      const verified = await prove(first, 0);
      await commit(f, miner(1), second, await proofOf(1, 1));
      await expect(f.rollup.connect(f.outsider).leaveEmergency()).to.be.revertedWithCustomError(
        f.rollup,
        "AccessControlUnauthorizedAccount",
      );
      await expect(f.rollup.connect(f.admin).enterEmergency())
        .to.emit(f.rollup, "EmergencyEntered")
        .withArgs(f.admin.address);
      expect((await f.rollup.emergencyState()).active).to.equal(true);
      await expect(commit(f, miner(2), second, await proofOf(1, 2))).to.be.revertedWithCustomError(
        f.rollup,
        "EnforcedPause",
      );
      await atBlock(f, verified + 2 * f.revealWindow);
      await expect(reveal(f, miner(1), second, plan(1), await proofOf(1, 1))).to.be.revertedWithCustomError(
        f.rollup,
        "InEmergency",
      );
      await expect(f.rollup.connect(f.admin).unpause()).to.be.revertedWithCustomError(f.rollup, "InEmergency");
      // The exit: all stake at once, an open commit notwithstanding; rewards of verified sequences as usual.
      const { stake } = await f.rollup.getMiner(miner(1).address);
      await expect(f.rollup.connect(miner(1)).emergencyExit())
        .to.emit(f.rollup, "EmergencyExit")
        .withArgs(miner(1).address, stake);
      await expect(f.rollup.connect(miner(0)).claimReward(first)).to.emit(f.rollup, "RewardClaimed");
      // The commit made before the emergency costs nothing, even once its windows have passed.
      await expect(f.rollup.connect(f.admin).leaveEmergency()).to.emit(f.rollup, "EmergencyLeft");
      expect(await f.rollup.paused()).to.equal(false);
      await atBlock(f, (await f.helpers.time.latestBlock()) + f.commitWindow + f.revealWindow + 1);
      await expect(f.rollup.settleMissedCommit(second, 1, miner(1).address))
        .to.emit(f.rollup, "CommitMissed")
        .withArgs(second, 1, miner(1).address, 0n);
    });

    it("Should let anyone enter the emergency state once the oldest unverified sequence waited emergencyTimeout blocks", async function () {
      const { emergencyTimeout } = await f.rollup.getConfig();
      await expect(f.rollup.connect(f.outsider).enterEmergency())
        .to.be.revertedWithCustomError(f.rollup, "EmergencyNotDue")
        .withArgs(0);
      await postSequences(f, 1);
      const posted = await f.helpers.time.latestBlock();
      const dueAt = BigInt(posted) + emergencyTimeout;
      await expect(f.rollup.connect(f.outsider).enterEmergency())
        .to.be.revertedWithCustomError(f.rollup, "EmergencyNotDue")
        .withArgs(dueAt);
      await atBlock(f, Number(dueAt));
      await expect(f.rollup.connect(f.outsider).enterEmergency())
        .to.emit(f.rollup, "EmergencyEntered")
        .withArgs(f.outsider.address);
      expect(await f.rollup.emergencyState()).to.deep.equal([true, dueAt]);
    });

    it("Should let a commit made before an emergency be withdrawn at no cost", async function () {
      const [first] = (await postSequences(f, 1)) as [bigint];
      await commit(f, miner(0), first, await proofOf(0, 0));
      await f.rollup.connect(f.admin).enterEmergency();
      await f.rollup.connect(f.admin).leaveEmergency();
      const before = await f.rollup.getMiner(miner(0).address);
      await expect(f.rollup.connect(miner(0)).withdrawCommit(first)).to.emit(f.rollup, "CommitWithdrawn");
      const after = await f.rollup.getMiner(miner(0).address);
      expect([after.stake, after.openCommits, after.backing]).to.deep.equal([before.stake, 0n, 0n]);
    });

    it("Should apply a verifier upgrade only after its announced delay, and verify with the new verifier", async function () {
      const [first] = (await postSequences(f, 1)) as [bigint];
      const next = await f.ethers.deployContract("SequenceVerifierB2D4");
      const address = await next.getAddress();
      const { verifierUpgradeDelay, verifier: previous } = await f.rollup.getConfig();
      await expect(f.rollup.connect(f.outsider).scheduleVerifierUpgrade(address)).to.be.revertedWithCustomError(
        f.rollup,
        "AccessControlUnauthorizedAccount",
      );
      await expect(f.rollup.applyVerifierUpgrade()).to.be.revertedWithCustomError(f.rollup, "NoVerifierUpgrade");
      const tx = await f.rollup.connect(f.admin).scheduleVerifierUpgrade(address);
      const activatesAt = BigInt((await tx.wait())?.blockNumber ?? 0) + verifierUpgradeDelay;
      await expect(tx).to.emit(f.rollup, "VerifierUpgradeScheduled").withArgs(address, activatesAt);
      expect(await f.rollup.pendingVerifierUpgrade()).to.deep.equal([address, activatesAt]);
      await atBlock(f, Number(activatesAt) - 1);
      await expect(f.rollup.applyVerifierUpgrade())
        .to.be.revertedWithCustomError(f.rollup, "VerifierUpgradeNotDue")
        .withArgs(activatesAt);
      // A reverted call mines no block.
      await atBlock(f, Number(activatesAt));
      await expect(f.rollup.connect(f.outsider).applyVerifierUpgrade())
        .to.emit(f.rollup, "VerifierUpgraded")
        .withArgs(previous, address);
      expect((await f.rollup.getConfig()).verifier).to.equal(address);
      expect((await f.rollup.pendingVerifierUpgrade())[0]).to.equal("0x0000000000000000000000000000000000000000");
      await prove(first, 0);
      expect(await f.rollup.lastVerifiedBatch()).to.equal(first);

      // A scheduled upgrade can be cancelled.
      await f.rollup.connect(f.admin).scheduleVerifierUpgrade(previous);
      await expect(f.rollup.connect(f.admin).cancelVerifierUpgrade())
        .to.emit(f.rollup, "VerifierUpgradeCancelled")
        .withArgs(previous);
      await expect(f.rollup.applyVerifierUpgrade()).to.be.revertedWithCustomError(f.rollup, "NoVerifierUpgrade");
    });
  });
});
