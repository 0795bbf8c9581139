import { expect } from "chai";

import {
  atBlock,
  closeProver,
  commit,
  postSequences,
  reveal,
  rollupFixture,
  sequenceProof,
  type RollupFixture,
} from "../helpers/rollup.js";

describe("ZkPowRollup: stake", function () {
  let f: RollupFixture;

  beforeEach(async function () {
    f = await rollupFixture();
  });

  after(closeProver);

  const miner = (i: number) => f.miners[i] ?? expect.fail(`no miner ${i}`);

  it("Should take stake and emit Staked", async function () {
    const before = (await f.rollup.getMiner(miner(0).address)).stake;
    await expect(f.rollup.connect(miner(0)).stake(5n))
      .to.emit(f.rollup, "Staked")
      .withArgs(miner(0).address, 5n, before + 5n);
    expect((await f.rollup.getMiner(miner(0).address)).stake).to.equal(before + 5n);
    await expect(f.rollup.connect(miner(0)).stake(0n)).to.be.revertedWithCustomError(f.rollup, "InvalidAmount");
  });

  it("Should pay a withdrawal only after the unbonding delay", async function () {
    const staked = (await f.rollup.getMiner(miner(0).address)).stake;
    const balance = await f.token.balanceOf(miner(0).address);
    const tx = await f.rollup.connect(miner(0)).requestWithdrawal(staked);
    const requested = (await tx.wait())?.blockNumber ?? 0;
    const end = requested + f.unbondingDelay;
    await expect(tx).to.emit(f.rollup, "WithdrawalRequested").withArgs(miner(0).address, staked, end);
    await atBlock(f, end - 1);
    await expect(f.rollup.connect(miner(0)).withdraw())
      .to.be.revertedWithCustomError(f.rollup, "StillUnbonding")
      .withArgs(end);
    // A reverted call mines no block.
    await atBlock(f, end);
    await expect(f.rollup.connect(miner(0)).withdraw())
      .to.emit(f.rollup, "Withdrawn")
      .withArgs(miner(0).address, staked);
    expect(await f.token.balanceOf(miner(0).address)).to.equal(balance + staked);
    expect(await f.rollup.getMiner(miner(0).address)).to.deep.equal([0n, 0n, BigInt(end), 0n, 0n]);
    await expect(f.rollup.connect(miner(0)).withdraw()).to.be.revertedWithCustomError(f.rollup, "InvalidAmount");
  });

  it("Should not let a withdrawal request exceed the stake, nor unbonding stake back a commit", async function () {
    const staked = (await f.rollup.getMiner(miner(0).address)).stake;
    await expect(f.rollup.connect(miner(0)).requestWithdrawal(staked + 1n))
      .to.be.revertedWithCustomError(f.rollup, "InvalidAmount")
      .withArgs(staked + 1n, staked);
    await f.rollup.connect(miner(0)).requestWithdrawal(staked);
    const [first] = (await postSequences(f, 1)) as [bigint];
    const proof = await sequenceProof(f.l2, f.sequences[0] ?? expect.fail(), miner(0).address);
    await expect(commit(f, miner(0), first, proof)).to.be.revertedWithCustomError(f.rollup, "InsufficientStake");
  });

  it("Should keep back what an open commit may cost, and take the penalty from unbonding stake", async function () {
    const [first] = (await postSequences(f, 1)) as [bigint];
    const proof = await sequenceProof(f.l2, f.sequences[0] ?? expect.fail(), miner(0).address);
    const start = await commit(f, miner(0), first, proof);
    // Escaping the penalty by withdrawing: the stake leaves the commit's reach only when the round is settled.
    const staked = (await f.rollup.getMiner(miner(0).address)).stake;
    await f.rollup.connect(miner(0)).requestWithdrawal(staked);
    const { unbondingEnd } = await f.rollup.getMiner(miner(0).address);
    await atBlock(f, Math.max(Number(unbondingEnd), start + f.commitWindow + f.revealWindow));
    // The open commit backs its invalid-proof penalty: everything else leaves.
    const backing = f.settings.invalidProofPenalty;
    await expect(f.rollup.connect(miner(0)).withdraw())
      .to.emit(f.rollup, "Withdrawn")
      .withArgs(miner(0).address, staked - backing);
    await expect(f.rollup.connect(miner(0)).withdraw())
      .to.be.revertedWithCustomError(f.rollup, "CommitsStillOpen")
      .withArgs(1);
    // Miner 0 opened the round and delivered nothing: it pays the invalid-proof penalty, from unbonding stake.
    await f.rollup.settleMissedCommit(first, 1, miner(0).address);
    const after = await f.rollup.getMiner(miner(0).address);
    expect([after.openCommits, after.backing, after.unbonding]).to.deep.equal([0n, 0n, 0n]);
    await expect(f.rollup.connect(miner(0)).withdraw()).to.be.revertedWithCustomError(f.rollup, "InvalidAmount");
  });

  it("Should free the stake of a commit whose proof verified when its reward is claimed", async function () {
    const [first] = (await postSequences(f, 1)) as [bigint];
    const proof = await sequenceProof(f.l2, f.sequences[0] ?? expect.fail(), miner(0).address);
    const start = await commit(f, miner(0), first, proof);
    expect((await f.rollup.getMiner(miner(0).address)).openCommits).to.equal(1n);
    await atBlock(f, start + f.commitWindow);
    await reveal(f, miner(0), first, f.sequences[0] ?? expect.fail(), proof);
    expect((await f.rollup.getMiner(miner(0).address)).backing).to.equal(f.settings.invalidProofPenalty);
    await atBlock(f, start + f.commitWindow + 2 * f.revealWindow);
    await f.rollup.connect(miner(0)).claimReward(first);
    const after = await f.rollup.getMiner(miner(0).address);
    expect([after.openCommits, after.backing]).to.deep.equal([0n, 0n]);
  });
});
