import { join } from "node:path";

import { expect } from "chai";

import { SNARK_SCALAR_FIELD } from "../../off-chain/l2/index.js";
import type { Miner } from "../../off-chain/miner/miner.js";
import { minerConfig, startMiner, startMinerNetwork, waitFor, type MinerNetwork } from "../helpers/miner.js";
import { planSequences } from "../helpers/rollup.js";

/** A sequencer posts a wrong batchHash: the miner corrects it on chain, then proves, commits and verifies. */
describe("miner: a wrong posted batchHash", function () {
  let net: MinerNetwork;
  let miner: Miner | undefined;

  before(async function () {
    net = await startMinerNetwork({ windowBlocks: 20, intervalMs: 250 });
  });

  after(async function () {
    await miner?.stop();
    await net.close();
  });

  it("is corrected by the miner (correctBatchHash), after which the sequence is proven and verified", async function () {
    const { rollup, sequencer, l2, miners } = net.fixture;
    const [planned] = planSequences(l2, [[[[0, 1, 5n]]]]);
    if (planned === undefined) throw new Error("no plan");
    const right = planned.batchHashes[0] ?? 0n;
    const wrong = (right + 1n) % SNARK_SCALAR_FIELD;
    await rollup.connect(sequencer).sequenceBatches([...planned.data], [wrong]);

    miner = await startMiner(minerConfig([net], { dataDir: join(net.dir, "miner") }), 3, join(net.dir, "miner.log"));
    const corrected = await waitFor("BatchHashCorrected", async () => {
      const events = await rollup.queryFilter(rollup.filters.BatchHashCorrected(1n));
      return events[0];
    });
    expect(corrected.args.corrected.batchHash).to.equal(right);
    const tx = await corrected.getTransaction();
    expect(tx.from).to.equal(miners[0]?.address);

    await waitFor("sequence 1 verified", async () => (await rollup.lastVerifiedBatch()) === 1n);
    expect(await rollup.stateRoot()).to.equal(planned.states.at(-1)?.root);
    const verified = await rollup.queryFilter(rollup.filters.SequenceVerified(1n));
    expect(verified[0]?.args.miner).to.equal(miners[0]?.address);
  });
});
