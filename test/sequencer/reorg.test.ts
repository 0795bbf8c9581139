import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { toQuantity } from "ethers";
import { pino } from "pino";

import type { SignedTransfer } from "../../off-chain/l2/index.js";
import { Sequencer } from "../../off-chain/sequencer/index.js";
import { SequencerClient } from "../../off-chain/wallet/index.js";
import { sign } from "../helpers/l2.js";
import { accountKey, readLog, startMinerNetwork, waitFor, type MinerNetwork } from "../helpers/miner.js";
import { expectPostedExactlyOnce } from "./helpers.js";

/**
 * A reorg deeper than the sequencer's confirmations takes a final posting off
 * the chain: the sequencer posts it again, and its transfers end up on chain
 * once.
 */
describe("sequencer: a reorg that drops a posting", function () {
  let net: MinerNetwork;
  let dir: string;
  let sequencer: Sequencer | undefined;

  before(async function () {
    net = await startMinerNetwork({ windowBlocks: 30 });
    await net.request("evm_setIntervalMining", [0]);
    dir = await mkdtemp(join(tmpdir(), "zkpow-sequencer-reorg-"));
  });

  after(async function () {
    await sequencer?.stop();
    await net.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("posts the dropped sequence again, once", async function () {
    const { fixture } = net;
    const { l2, rollup } = fixture;
    const logFile = join(dir, "sequencer.log");
    const snapshot = (await net.request("evm_snapshot")) as string;
    sequencer = await Sequencer.start({
      rpcUrl: net.url,
      rollup: rollup.target as string,
      privateKey: accountKey(1).privateKey,
      genesis: net.genesisFile,
      circuit: "b2d4",
      deploymentBlock: net.deploymentBlock,
      dataDir: join(dir, "data"),
      port: 0,
      batchTimeoutMs: 100,
      confirmations: 2,
      pollIntervalMs: 100,
      logger: pino({ level: "debug" }, pino.destination({ dest: logFile, sync: true })),
    });
    const client = new SequencerClient(sequencer.url);
    const accepted: SignedTransfer[] = [
      sign(l2, 0, { from: 0, to: 1, amount: 10n, nonce: 0n }),
      sign(l2, 1, { from: 1, to: 2, amount: 20n, nonce: 0n }),
    ];
    const ids: string[] = [];
    for (const transfer of accepted) ids.push((await client.submitTransfer(transfer)).id);
    const first = ids[0] ?? "";
    // Automine puts the posting in a block at once; one more block makes it 2 deep: final.
    await waitFor("posting mined", async () => (await rollup.lastBatch()) === 1n, 30_000, 50);
    await net.request("hardhat_mine", [toQuantity(1)]);
    await waitFor("posted", async () => (await client.transfer(first)).status === "posted", 30_000);
    const before = await client.transfer(first);

    // The reorg: back to before the posting, and a longer chain without it.
    await net.request("evm_setAutomine", [false]);
    expect(await net.request("evm_revert", [snapshot])).to.equal(true);
    await net.request("hardhat_mine", [toQuantity(6)]);
    expect(await rollup.lastBatch()).to.equal(0n);
    await net.request("evm_setAutomine", [true]);
    await net.request("evm_setIntervalMining", [200]);

    const left = "a posted sequence left the chain: it is being posted again";
    await waitFor(
      "the sequencer sees the posting gone",
      async () => (await readLog(logFile)).some((l) => l.msg === left),
      60_000,
    );
    await waitFor(
      "posted again",
      async () => {
        const transfer = await client.transfer(first);
        return transfer.status === "posted" && transfer.txHash !== undefined && (await rollup.lastBatch()) === 1n;
      },
      60_000,
    );
    const again = await client.transfer(first);
    expect(again.batch).to.equal("1");
    expect(Number(again.blockNumber)).to.be.greaterThan(Number(before.blockNumber) - 1);
    expect(
      (await readLog(logFile)).some((l) => l.msg === "a posted sequence left the chain: it is being posted again"),
    ).to.equal(true);
    await expectPostedExactlyOnce(net, accepted);
    expect((await client.state()).pendingTransfers).to.equal(0);
  });
});
