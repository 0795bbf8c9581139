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

describe("ZkPowRollup: sequences finalise in order", function () {
  let f: RollupFixture;

  beforeEach(async function () {
    f = await rollupFixture();
  });

  after(closeProver);

  const miner = (i: number) => f.miners[i] ?? expect.fail(`no miner ${i}`);
  const plan = (i: number) => f.sequences[i] ?? expect.fail(`no plan ${i}`);

  it("Should not open a sequence's reveal window before its predecessor is verified, nor penalise its committers meanwhile", async function () {
    const [first, second] = (await postSequences(f, 2)) as [bigint, bigint];
    const secondProof = await sequenceProof(f.l2, plan(1), miner(1).address);
    // Both sequences are committed at once; the second's T1 ends first.
    const secondStart = await commit(f, miner(1), second, secondProof);
    const firstStart = await commit(f, miner(0), first, await sequenceProof(f.l2, plan(0), miner(0).address));
    await atBlock(f, secondStart + f.commitWindow);
    await expect(reveal(f, miner(1), second, plan(1), secondProof))
      .to.be.revertedWithCustomError(f.rollup, "RevealWindowNotOpen")
      .withArgs(second, 1);

    // The first sequence takes its whole reveal window.
    const firstVerified = firstStart + f.commitWindow + f.revealWindow - 1;
    await atBlock(f, firstVerified);
    await reveal(f, miner(0), first, plan(0), await sequenceProof(f.l2, plan(0), miner(0).address));

    // Past the second's commitStart + T1 + T2 (where a window counted from its commit would have closed),
    // its committer is still on time: its T2 starts now.
    expect(firstVerified).to.be.at.least(secondStart + f.commitWindow + f.revealWindow);
    await expect(f.rollup.settleMissedCommit(second, 1, miner(1).address)).to.be.revertedWithCustomError(
      f.rollup,
      "CommitNotSettleable",
    );
    await atBlock(f, firstVerified + f.revealWindow - 1);
    await expect(reveal(f, miner(1), second, plan(1), secondProof))
      .to.emit(f.rollup, "SequenceVerified")
      .withArgs(second, miner(1).address, 1, second, secondProof.newStateRoots.at(-1));
    expect(await f.rollup.lastVerifiedBatch()).to.equal(second);
  });

  it("Should verify a sequence of two batches with both batch proofs in one reveal", async function () {
    const [first, second, third] = (await postSequences(f, 3)) as [bigint, bigint, bigint];
    for (const [i, sequence] of [first, second, third].entries()) {
      const proof = await sequenceProof(f.l2, plan(i), miner(0).address);
      const start = await commit(f, miner(0), sequence, proof);
      await atBlock(f, start + f.commitWindow);
      await reveal(f, miner(0), sequence, plan(i), proof);
    }
    expect((await f.rollup.getSequence(third)).lastBatch).to.equal(third + 1n);
    expect(await f.rollup.lastVerifiedBatch()).to.equal(third + 1n);
    expect(await f.rollup.stateRoot()).to.equal(plan(2).states.at(-1)?.root);
  });

  it("Should penalise a sequence proof with the wrong number of batch proofs or roots as an invalid proof", async function () {
    const [first, second, third] = (await postSequences(f, 3)) as [bigint, bigint, bigint];
    for (const [i, sequence] of [first, second].entries()) {
      const proof = await sequenceProof(f.l2, plan(i), miner(0).address);
      const start = await commit(f, miner(0), sequence, proof);
      await atBlock(f, start + f.commitWindow);
      await reveal(f, miner(0), sequence, plan(i), proof);
    }
    const full = await sequenceProof(f.l2, plan(2), miner(0).address);
    const short = { ...full, newStateRoots: full.newStateRoots.slice(0, 1), proofs: full.proofs.slice(0, 1) };
    const start = await commit(f, miner(0), third, short);
    await atBlock(f, start + f.commitWindow);
    await expect(reveal(f, miner(0), third, plan(2), short))
      .to.emit(f.rollup, "ProofRejected")
      .withArgs(third, 1, miner(0).address, f.settings.invalidProofPenalty);
  });
});
