import { expect } from "chai";
import fc from "fast-check";

import { proofHash, type SequenceProof } from "../../off-chain/prover/index.js";
import {
  atBlock,
  closeProver,
  commit,
  postSequences,
  reveal,
  rollupFixture,
  sequenceProof,
  TOKEN,
  type RollupFixture,
} from "../helpers/rollup.js";

/** What a miner does in a round: stay out, reveal in T2, reveal late, never reveal, or commit to another's proof. */
type Behaviour = "none" | "valid" | "late" | "silent" | "stolen";

describe("ZkPowRollup: rewards and penalties", function () {
  let f: RollupFixture;

  beforeEach(async function () {
    f = await rollupFixture();
  });

  after(closeProver);

  const miner = (i: number) => f.miners[i] ?? expect.fail(`no miner ${i}`);
  const planned = () => f.sequences[0] ?? expect.fail("no plan");
  const proofOf = (i: number) => sequenceProof(f.l2, planned(), miner(i).address);

  /** Everything the rollup holds must be owed to someone: stake, unbonding stake, rewards not yet paid, carry. */
  async function expectFundsAccountedFor(sequences: readonly bigint[]): Promise<void> {
    let owed = await f.rollup.carry();
    for (const m of f.miners) {
      const info = await f.rollup.getMiner(m.address);
      owed += info.stake + info.unbonding;
    }
    for (const sequence of sequences) {
      const reward = await f.rollup.getReward(sequence);
      const { round } = await f.rollup.getSequence(sequence);
      if (!reward.split) {
        owed += reward.amount;
        continue;
      }
      for (const m of f.miners) {
        if ((await f.rollup.commitStatus(sequence, round, m.address)) === 2n) owed += reward.amount;
      }
    }
    expect(await f.token.balanceOf(await f.rollup.getAddress())).to.equal(owed);
  }

  it("Should split a sequence's reward equally among its valid provers, late ones included, and carry the dust", async function () {
    await f.rollup.connect(f.admin).setEconomics(f.settings.minimumStake, 10n, 20n, TOKEN + 1n);
    const [first] = (await postSequences(f, 1)) as [bigint];
    const start = await commit(f, miner(0), first, await proofOf(0));
    await commit(f, miner(1), first, await proofOf(1));
    await commit(f, miner(2), first, await proofOf(2));
    const revealStart = start + f.commitWindow;
    await atBlock(f, revealStart);
    await reveal(f, miner(0), first, planned(), await proofOf(0));
    await reveal(f, miner(1), first, planned(), await proofOf(1));
    await atBlock(f, revealStart + f.revealWindow + 1);
    await reveal(f, miner(2), first, planned(), await proofOf(2));

    await atBlock(f, revealStart + 2 * f.revealWindow - 1);
    await expect(f.rollup.connect(miner(0)).claimReward(first))
      .to.be.revertedWithCustomError(f.rollup, "NothingToClaim")
      .withArgs(first, miner(0).address);

    await atBlock(f, revealStart + 2 * f.revealWindow);
    const pot = TOKEN + 1n;
    const share = pot / 3n;
    await expect(f.rollup.connect(miner(0)).claimReward(first))
      .to.emit(f.rollup, "RewardSplit")
      .withArgs(first, pot, share, pot - 3n * share)
      .and.to.emit(f.rollup, "RewardClaimed")
      .withArgs(first, miner(0).address, share);
    for (const i of [1, 2]) {
      const before = await f.token.balanceOf(miner(i).address);
      await f.rollup.connect(miner(i)).claimReward(first);
      expect(await f.token.balanceOf(miner(i).address)).to.equal(before + share);
    }
    expect(await f.rollup.carry()).to.equal(pot - 3n * share);
    await expect(f.rollup.connect(miner(0)).claimReward(first)).to.be.revertedWithCustomError(
      f.rollup,
      "NothingToClaim",
    );
    await expect(f.rollup.connect(f.outsider).claimReward(first)).to.be.revertedWithCustomError(
      f.rollup,
      "NothingToClaim",
    );
    await expectFundsAccountedFor([first]);
  });

  it("Should pay a failed round's penalties and the carry to the provers who deliver", async function () {
    const [first, second] = (await postSequences(f, 2)) as [bigint, bigint];
    // Round 1 of sequence 1: two commits, no reveal.
    const start = await commit(f, miner(0), first, await proofOf(0));
    await commit(f, miner(1), first, await proofOf(1));
    await atBlock(f, start + f.commitWindow + f.revealWindow);
    await f.rollup.settleMissedCommit(first, 1, miner(0).address);
    await f.rollup.settleMissedCommit(first, 1, miner(1).address);
    // Miner 0 opened the failed round: it pays the invalid-proof penalty.
    const penalties = f.settings.invalidProofPenalty + f.settings.missedProofPenalty;
    expect((await f.rollup.getReward(first)).amount).to.equal(f.settings.batchFee + penalties);
    // Round 2: miner 2 proves alone and takes the fee and both penalties.
    const restart = await commit(f, miner(2), first, await proofOf(2));
    await atBlock(f, restart + f.commitWindow);
    await reveal(f, miner(2), first, planned(), await proofOf(2));
    await atBlock(f, restart + f.commitWindow + 2 * f.revealWindow);
    await expect(f.rollup.connect(miner(2)).claimReward(first))
      .to.emit(f.rollup, "RewardClaimed")
      .withArgs(first, miner(2).address, f.settings.batchFee + penalties);
    expect((await f.rollup.getReward(second)).amount).to.equal(f.settings.batchFee);
    await expectFundsAccountedFor([first, second]);
  });

  it("Should conserve every wei over randomised rounds", async function () {
    const behaviour = fc.constantFrom<Behaviour>("none", "valid", "late", "silent", "stolen");
    const rounds = fc.array(fc.tuple(behaviour, behaviour, behaviour), { minLength: 1, maxLength: 2 });
    await fc.assert(
      fc.asyncProperty(rounds, async (plan) => {
        f = await rollupFixture();
        const [first] = (await postSequences(f, 1)) as [bigint];
        const proofs = await Promise.all([0, 1, 2].map(proofOf));
        const stakeBefore = await Promise.all(f.miners.map(async (m) => (await f.rollup.getMiner(m.address)).stake));
        const penalty = [0n, 0n, 0n];
        let pot = f.settings.batchFee;
        let validProvers: number[] = [];
        let verifiedRound = 0;
        let revealStart = 0;

        for (const [r, behaviours] of plan.entries()) {
          const round = r + 1;
          const committers = [0, 1, 2].filter((i) => behaviours[i] !== "none");
          if (committers.length === 0) break;
          let start = 0;
          for (const i of committers) {
            const own = proofs[i] as SequenceProof;
            // A thief commits to the next miner's proof under its own address.
            const committed = behaviours[i] === "stolen" ? (proofs[(i + 1) % 3] as SequenceProof) : own;
            const tx = await f.rollup.connect(miner(i)).commitProofHash(first, proofHash(committed, miner(i).address));
            start ||= (await tx.wait())?.blockNumber ?? 0;
          }
          revealStart = start + f.commitWindow;
          await atBlock(f, revealStart);
          for (const i of committers.filter((i) => behaviours[i] === "stolen")) {
            await reveal(f, miner(i), first, planned(), proofs[(i + 1) % 3] as SequenceProof);
            penalty[i] = (penalty[i] ?? 0n) + f.settings.invalidProofPenalty;
            pot += f.settings.invalidProofPenalty;
          }
          const onTime = committers.filter((i) => behaviours[i] === "valid");
          for (const i of onTime) await reveal(f, miner(i), first, planned(), proofs[i] as SequenceProof);
          if (onTime.length > 0) {
            verifiedRound = round;
            await atBlock(f, revealStart + f.revealWindow);
            const late = committers.filter((i) => behaviours[i] === "late");
            for (const i of late) await reveal(f, miner(i), first, planned(), proofs[i] as SequenceProof);
            validProvers = [...onTime, ...late];
            for (const i of committers.filter((i) => behaviours[i] === "silent")) {
              penalty[i] = (penalty[i] ?? 0n) + f.settings.missedProofPenalty;
              pot += f.settings.missedProofPenalty;
            }
            break;
          }
          // No proof in T2: the round failed, every committer who has not paid yet pays the missed penalty, and
          // the round's opener (the first to commit) the invalid one.
          await atBlock(f, revealStart + f.revealWindow);
          for (const i of committers.filter((i) => behaviours[i] !== "stolen")) {
            await f.rollup.settleMissedCommit(first, round, miner(i).address);
            const owed = i === committers[0] ? f.settings.invalidProofPenalty : f.settings.missedProofPenalty;
            penalty[i] = (penalty[i] ?? 0n) + owed;
            pot += owed;
          }
        }

        if (verifiedRound > 0) {
          await atBlock(f, Math.max((await f.helpers.time.latestBlock()) + 1, revealStart + 2 * f.revealWindow));
          for (const i of [0, 1, 2]) {
            if ((await f.rollup.commitStatus(first, verifiedRound, miner(i).address)) === 1n) {
              await f.rollup.settleMissedCommit(first, verifiedRound, miner(i).address);
            }
          }
          const share = pot / BigInt(validProvers.length);
          for (const i of validProvers) {
            const before = await f.token.balanceOf(miner(i).address);
            await f.rollup.connect(miner(i)).claimReward(first);
            expect(await f.token.balanceOf(miner(i).address)).to.equal(before + share);
          }
          expect(await f.rollup.carry()).to.equal(pot - share * BigInt(validProvers.length));
        } else {
          expect((await f.rollup.getReward(first)).amount).to.equal(pot);
        }
        for (const i of [0, 1, 2]) {
          const after = await f.rollup.getMiner(miner(i).address);
          expect(after.stake + after.unbonding).to.equal((stakeBefore[i] ?? 0n) - (penalty[i] ?? 0n));
        }
        await expectFundsAccountedFor([first]);
      }),
      { numRuns: 12, seed: 42 },
    );
  });
});
