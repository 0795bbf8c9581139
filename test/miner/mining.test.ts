import { join } from "node:path";

import { expect } from "chai";

import type { Miner } from "../../off-chain/miner/miner.js";
import { planSequences } from "../helpers/rollup.js";
import {
  MINER_ACCOUNTS,
  minerConfig,
  startMiner,
  startMinerNetwork,
  waitFor,
  type MinerNetwork,
} from "../helpers/miner.js";
import { CommitStatus } from "../helpers/rollup.js";

/**
 * Mining end to end: a simulated base chain behind an RPC server, the rollup
 * deployed with deployRollup, sequences of 1 and 3 batches posted, and three
 * miners (separate aggregators, databases and keys) that prove, commit,
 * reveal and claim with real proofs of the test circuit.
 */
describe("miner: mining end to end", function () {
  let net: MinerNetwork;
  const miners: Miner[] = [];

  before(async function () {
    // T1 of 20 s: both miners (one thread each, on two cores beside the node) must commit in it to be paid, and the
    // 3-batch sequence takes each about three proofs; at 10 s a loaded machine missed it.
    net = await startMinerNetwork({ windowBlocks: 80, intervalMs: 250 });
  });

  after(async function () {
    await Promise.all(miners.map((miner) => miner.stop()));
    await net.close();
  });

  it("verifies every sequence in order, pays every miner that committed in T1 its share, and conserves tokens", async function () {
    const { fixture } = net;
    const { rollup, token, sequencer, l2 } = fixture;
    const plan = planSequences(l2, [
      [[[0, 1, 300n]]],
      [
        [[1, 2, 50n]],
        [
          [2, 3, 7n],
          [3, 0, 1n],
        ],
        [[0, 2, 11n]],
      ],
    ]);
    const holders = [sequencer.address, ...fixture.miners.map((m) => m.address), await rollup.getAddress()];
    const balance = async () => {
      let sum = 0n;
      for (const holder of holders) sum += await token.balanceOf(holder);
      return sum;
    };
    const totalBefore = await balance();
    const tokensBefore = await Promise.all(fixture.miners.map((m) => token.balanceOf(m.address)));

    for (const sequence of plan) {
      await rollup.connect(sequencer).sequenceBatches([...sequence.data], [...sequence.batchHashes]);
    }
    for (const account of MINER_ACCOUNTS.slice(0, 2)) {
      const config = minerConfig([net], { dataDir: join(net.dir, `miner-${account}`), threads: 1 });
      miners.push(await startMiner(config, account, join(net.dir, `miner-${account}.log`)));
    }

    // Sequence 1 (one batch), then sequence 2 (three batches).
    const verified = await waitFor("both sequences verified", async () => (await rollup.lastVerifiedBatch()) === 4n);
    expect(verified).to.equal(true);
    expect(await rollup.stateRoot()).to.equal(plan[1]?.states.at(-1)?.root);

    // Each miner's commit of each sequence verified (first or not) and, after the late window, its reward is claimed.
    for (const sequence of [1n, 2n]) {
      const info = await rollup.getSequence(sequence);
      for (const miner of fixture.miners.slice(0, 2)) {
        await waitFor(
          `miner ${miner.address}'s reward for sequence ${sequence}`,
          async () =>
            (await rollup.commitStatus(sequence, info.round, miner.address)) === BigInt(CommitStatus.RewardClaimed),
        );
      }
    }
    const tokensAfter = await Promise.all(fixture.miners.map((m) => token.balanceOf(m.address)));
    const fees = 4n * fixture.settings.batchFee;
    const gained = tokensAfter.map((after, i) => after - (tokensBefore[i] ?? 0n));
    // Two valid provers per sequence share its fee; the dust, if any, stays in the rollup for the next one.
    expect(gained[0]).to.be.greaterThan(0n);
    expect(gained[0]).to.equal(gained[1]);
    expect((gained[0] ?? 0n) + (gained[1] ?? 0n)).to.be.at.most(fees);
    expect((gained[0] ?? 0n) + (gained[1] ?? 0n)).to.be.at.least(fees - 2n);
    // The third miner ran no aggregator: it gained nothing.
    expect(gained[2]).to.equal(0n);
    expect(await balance()).to.equal(totalBefore);

    // What a person sees: both sequences verified, one miner first on each or both.
    const statuses = await Promise.all(miners.map((miner) => miner.status()));
    const first = statuses.map((status) => status.chains[0]?.sequences.verifiedByUs ?? 0);
    expect((first[0] ?? 0) + (first[1] ?? 0)).to.equal(2);
    for (const status of statuses) {
      expect(status.chains[0]?.sequences.seen).to.equal(2);
      expect(status.chains[0]?.rewardsClaimed).to.be.greaterThan(0n);
    }
  });
});
