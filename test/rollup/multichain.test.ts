import { expect } from "chai";
import { network } from "hardhat";

import {
  BASE_CHAINS,
  MAINNET_NAMES,
  secondsToBlocks,
  simulatedNetworkName,
  type BaseChain,
} from "../../off-chain/deploy/chains.js";
import { forkNetwork } from "../helpers/fork.js";
import {
  closeProver,
  commit,
  deployTestRollup,
  postSequences,
  reveal,
  sequenceProof,
  TEST_SETTINGS,
  type RollupFixture,
} from "../helpers/rollup.js";

/** Mines until the latest block is at least `block - 1`, so the next transaction lands at `block` or later. */
async function reach(f: RollupFixture, block: number): Promise<void> {
  if ((await f.helpers.time.latestBlock()) < block - 1) await f.helpers.mineUpTo(block - 1);
}

/**
 * The whole flow with real proofs on one chain: post a sequence, two miners
 * commit, both reveal, the sequence finalises, both claim an equal share.
 */
async function fullFlow(f: RollupFixture, chain: BaseChain): Promise<void> {
  const { chainId } = await f.ethers.provider.getNetwork();
  expect(chainId).to.equal(BigInt(chain.chainId));
  const config = await f.rollup.getConfig();
  expect(config.commitWindow).to.equal(secondsToBlocks(TEST_SETTINGS.commitWindowSeconds, chain.blockTimeSeconds));
  expect(config.revealWindow).to.equal(secondsToBlocks(TEST_SETTINGS.revealWindowSeconds, chain.blockTimeSeconds));

  const [sequence] = (await postSequences(f, 1)) as [bigint];
  const planned = f.sequences[0] ?? expect.fail("no plan");
  const [a, b] = f.miners;
  if (a === undefined || b === undefined) expect.fail("two miners needed");
  const [proofA, proofB] = await Promise.all([
    sequenceProof(f.l2, planned, a.address),
    sequenceProof(f.l2, planned, b.address),
  ]);
  const start = await commit(f, a, sequence, proofA);
  await commit(f, b, sequence, proofB);
  await reach(f, start + f.commitWindow);
  await expect(reveal(f, a, sequence, planned, proofA))
    .to.emit(f.rollup, "SequenceVerified")
    .withArgs(sequence, a.address, 1, sequence, proofA.newStateRoots.at(-1));
  await expect(reveal(f, b, sequence, planned, proofB))
    .to.emit(f.rollup, "ProofVerified")
    .withArgs(sequence, 1, b.address, false);
  expect(await f.rollup.stateRoot()).to.equal(planned.states.at(-1)?.root);

  await reach(f, start + f.commitWindow + 2 * f.revealWindow);
  const share = TEST_SETTINGS.batchFee / 2n;
  for (const m of [a, b]) {
    await expect(f.rollup.connect(m).claimReward(sequence))
      .to.emit(f.rollup, "RewardClaimed")
      .withArgs(sequence, m.address, share);
  }
}

describe("ZkPowRollup on three base chains", function () {
  after(closeProver);

  for (const name of MAINNET_NAMES) {
    const chain = BASE_CHAINS[name];
    it(`Should run the full flow with real proofs on simulated ${chain.name} (chain id ${chain.chainId}, ${chain.blockTimeSeconds} s blocks)`, async function () {
      const connection = await network.create(simulatedNetworkName(name));
      // Each chain gets a rollup of its own: a proof for one is worthless on another.
      const f = await deployTestRollup(connection, {
        chain,
        rollupChainId: 1_000n + BigInt(chain.chainId),
      });
      await fullFlow(f, chain);
    });
  }

  describe("# forks", function () {
    for (const name of MAINNET_NAMES) {
      const chain = BASE_CHAINS[name];
      const url = process.env[chain.forkUrlVariable];
      it(`Should run the full flow on a fork of ${chain.name} when ${chain.forkUrlVariable} is set`, async function () {
        if (url === undefined || url === "") {
          console.log(
            `      skipped the ${chain.name} fork: ${chain.forkUrlVariable} is not set (no RPC is reachable here)`,
          );
          this.skip();
        }
        const f = await deployTestRollup(await forkNetwork(name, url), {
          chain,
          rollupChainId: 2_000n + BigInt(chain.chainId),
        });
        await fullFlow(f, chain);
      });
    }
  });
});
