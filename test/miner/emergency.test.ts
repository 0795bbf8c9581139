import { join } from "node:path";

import { expect } from "chai";

import type { Miner } from "../../off-chain/miner/miner.js";
import {
  logged,
  minerConfig,
  readLog,
  startMiner,
  startMinerNetwork,
  waitFor,
  type MinerNetwork,
} from "../helpers/miner.js";
import { CommitStatus, planSequences } from "../helpers/rollup.js";

/** T1 = T2 = this many blocks; every block is mined by the test (interval mining off, automine on). */
const WINDOW = 6;

/**
 * The emergency state stops reveals (docs/protocol.md, "Emergency"): a miner
 * whose commit is open when the admin enters it must neither give the commit
 * up nor be penalised, and reveals once the emergency ends.
 */
describe("miner: the emergency state", function () {
  let net: MinerNetwork | undefined;
  let miner: Miner | undefined;

  after(async function () {
    await miner?.stop();
    await net?.close();
  });

  it("keeps an open commit through an emergency and reveals it once the emergency ends", async function () {
    net = await startMinerNetwork({ windowBlocks: WINDOW });
    await net.request("evm_setIntervalMining", [0]);
    const { fixture } = net;
    const { rollup, admin, sequencer, l2, helpers } = fixture;
    const address = fixture.miners[0]?.address ?? "";
    const [plan] = planSequences(l2, [[[[0, 1, 300n]]]]);
    if (plan === undefined) throw new Error("no plan");
    await rollup.connect(sequencer).sequenceBatches([...plan.data], [...plan.batchHashes]);
    await helpers.mine(2);
    const stakeBefore = (await rollup.getMiner(address)).stake;

    const log = join(net.dir, "miner.log");
    miner = await startMiner(minerConfig([net], { dataDir: join(net.dir, "miner"), confirmations: 1 }), 3, log);
    await logged(log, "commit mined");

    // The emergency starts; blocks pass until T1 and T2 would both be over.
    await rollup.connect(admin).enterEmergency();
    await helpers.mine(3 * WINDOW);
    const head = await fixture.ethers.provider.getBlockNumber();
    // The miner has looked at the chain since (its follower read the head), and kept its commit.
    await waitFor("the miner to read the latest blocks", async () => {
      const status = await miner?.status();
      return (status?.chains[0]?.confirmedBlock ?? 0n) >= BigInt(head - 1);
    });
    const status = await miner.status();
    expect(status.chains[0]?.sequences.committed).to.equal(1);
    const lines = await readLog(log);
    expect(lines.map((line) => line.msg)).to.not.include("the commit can no longer be revealed");
    expect(lines.map((line) => line.msg)).to.not.include("reveal sent");

    // The emergency ends: the window starts again, and the miner reveals in it.
    await rollup.connect(admin).leaveEmergency();
    await helpers.mine(WINDOW);
    await logged(log, "reveal sent");
    await helpers.mine(1);
    await waitFor("sequence 1 verified", async () => (await rollup.lastVerifiedBatch()) === 1n);
    const verified = await rollup.queryFilter(rollup.filters.SequenceVerified(1n));
    expect(verified[0]?.args.miner).to.equal(address);
    expect(verified[0]?.args.round).to.equal(1n);
    expect(await rollup.commitStatus(1n, 1, address)).to.equal(BigInt(CommitStatus.ProofVerified));
    expect((await rollup.getMiner(address)).stake).to.equal(stakeBefore);
    expect(await rollup.queryFilter(rollup.filters.CommitMissed(1n))).to.have.length(0);
  });
});
