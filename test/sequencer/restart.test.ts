import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { readPostedSequences } from "../../off-chain/chain/chain-data.js";
import { batchCommitment, decodeBatchData, encodeBatchData, type SignedTransfer } from "../../off-chain/l2/index.js";
import { SequencerClient } from "../../off-chain/wallet/index.js";
import { sign } from "../helpers/l2.js";
import {
  accountKey,
  freshPostgresSchema,
  startMinerNetwork,
  waitFor,
  type MinerNetwork,
  type PostgresSchema,
} from "../helpers/miner.js";
import { expectPostedExactlyOnce } from "./helpers.js";
import { SequencerProcess, writeConfig } from "./process.js";

/**
 * Crash safety: the sequencer is a real process killed with SIGKILL while it
 * holds accepted transfers in its mempool and a posting in flight (killed as
 * soon as the posting transaction is sent), restarted on the same database;
 * every accepted transfer ends up on chain exactly once.
 */
/** Waits until the sequencer holds nothing unposted: no mempool, no sealed batch waiting, no posting in flight. */
function waitForAllPosted(client: SequencerClient, timeoutMs: number): Promise<boolean> {
  return waitFor(
    "every accepted transfer posted",
    async () => {
      const state = await client.state();
      return state.pendingTransfers === 0 && !state.postingInFlight && state.unpostedBatches === 0;
    },
    timeoutMs,
  );
}

describe("sequencer: kill -9 and restart", function () {
  const runs: SequencerProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async function () {
    for (const run of runs.splice(0)) if (run.exit === undefined) await run.kill();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A network and a sequencer config on it; `start` runs the sequencer as a process on that config. */
  async function setup(database: (dir: string) => Promise<Record<string, unknown>>) {
    const net: MinerNetwork = await startMinerNetwork({ windowBlocks: 30, intervalMs: 250 });
    cleanups.push(() => net.close());
    const dir = await mkdtemp(join(tmpdir(), "zkpow-sequencer-restart-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const configFile = join(dir, "sequencer.json");
    await writeConfig(configFile, {
      rpcUrl: net.url,
      rollup: net.fixture.rollup.target,
      genesis: net.genesisFile,
      circuit: "b2d4",
      deploymentBlock: net.deploymentBlock,
      port: 0,
      confirmations: 1,
      pollIntervalMs: 100,
      // Long: a partial batch stays in the mempool until a run is started with a short one.
      batchTimeoutMs: 600_000,
      ...(await database(dir)),
    });
    const key = accountKey(1).privateKey;
    const start = (name: string, flags: string[] = []) => {
      const run = new SequencerProcess(name, join(dir, `${name}.log`), configFile, key, flags);
      runs.push(run);
      return run;
    };
    return { net, start };
  }

  async function scenario(database: (dir: string) => Promise<Record<string, unknown>>): Promise<void> {
    const { net, start } = await setup(database);
    const { fixture } = net;
    const { l2 } = fixture;
    // Postings wait in the node's pool for the next block (every 2 s), so a kill finds one in flight.
    await net.request("evm_setAutomine", [false]);
    await net.request("evm_setIntervalMining", [2_000]);

    const accepted: SignedTransfer[] = [];
    const nonces = new Map<number, bigint>();
    const submit = async (client: SequencerClient, from: number, to: number, amount: bigint) => {
      const nonce = nonces.get(from) ?? 0n;
      const transfer = sign(l2, from, { from, to, amount, nonce });
      await client.submitTransfer(transfer);
      nonces.set(from, nonce + 1n);
      accepted.push(transfer);
    };

    // Run 1: three transfers; the first two fill a batch, posted at once; the third waits in the mempool.
    const run1 = start("run1");
    const client1 = new SequencerClient(await run1.url());
    await submit(client1, 0, 1, 10n);
    await submit(client1, 1, 2, 20n);
    await submit(client1, 2, 3, 30n);
    const sent1 = await run1.waitForLine("posting sent", (l) => l.msg === "transaction sent" && l.kind === "sequence");
    await run1.kill();

    // Run 2: takes up the posting in flight, seals the waiting transfer, takes two more; killed at its next send.
    const run2 = start("run2", ["--batch-timeout-ms", "200"]);
    const client2 = new SequencerClient(await run2.url());
    expect((await client2.state()).pendingTransfers).to.equal(3);
    await submit(client2, 3, 0, 40n);
    await submit(client2, 0, 2, 5n);
    const sent2 = await run2.waitForLine(
      "posting sent",
      (l) => l.msg === "transaction sent" && l.kind === "sequence" && l.txId !== sent1.txId,
    );
    await run2.kill();

    // Run 3: ends with everything posted, nothing twice.
    const run3 = start("run3", ["--batch-timeout-ms", "200"]);
    const client3 = new SequencerClient(await run3.url());
    await submit(client3, 1, 0, 1n);
    await waitForAllPosted(client3, 120_000);
    // Each killed run's posting was taken up by a later run (unless it became final in the instant before the kill).
    const finalIn = async (txId: unknown, candidates: readonly SequencerProcess[]) => {
      const lines = await Promise.all(candidates.map((run) => run.lines()));
      return lines.findIndex((list) => list.some((l) => l.msg === "transaction final" && l.txId === txId));
    };
    expect(await finalIn(sent1.txId, [run1, run2, run3]), "run1's posting final").to.be.at.least(0);
    expect(await finalIn(sent2.txId, [run2, run3]), "run2's posting final").to.be.at.least(0);
    const batches = await expectPostedExactlyOnce(net, accepted);
    expect(batches).to.be.at.least(3);
    const state = await client3.state();
    for (const [index, nonce] of nonces) {
      expect((await client3.account(index)).pending.nonce, `account ${index}'s nonce`).to.equal(nonce.toString());
    }
    expect(BigInt(state.lastBatch)).to.equal(BigInt(batches));
  }

  it("on PGlite: posts every accepted transfer exactly once", async function () {
    await scenario((dir) => Promise.resolve({ dataDir: join(dir, "data") }));
  });

  it("drops an accepted transfer that the chain overtook while it was down, and posts the rest with a valid aggregate", async function () {
    const { net, start } = await setup((dir) => Promise.resolve({ dataDir: join(dir, "data") }));
    const { fixture } = net;
    const { l2 } = fixture;

    // Run 1 accepts account 0's transfer at nonce 0 into its mempool (one transfer: no batch is sealed), then dies.
    const run1 = start("run1");
    const stale = sign(l2, 0, { from: 0, to: 1, amount: 10n, nonce: 0n });
    await new SequencerClient(await run1.url()).submitTransfer(stale);
    await run1.kill();

    // Meanwhile the sequencer's key posts another transfer of account 0 at nonce 0 (another instance, say).
    const other = sign(l2, 0, { from: 0, to: 2, amount: 7n, nonce: 0n });
    const batch = l2.genesis.seal([other], l2.chainId);
    const data = encodeBatchData(batch, l2.genesis.treeDepth);
    const { batchHash } = batchCommitment(l2.crypto.poseidon, l2.chainId, data, 2, l2.genesis.treeDepth);
    await (await fixture.rollup.connect(fixture.sequencer).sequenceBatches([data], [batchHash])).wait();

    // Run 2 finds its transfer overtaken (nonce 0 is used), drops it, and posts a new transfer alone.
    const run2 = start("run2", ["--batch-timeout-ms", "200"]);
    await run2.waitForLine(
      "stale transfer dropped",
      (l) => l.msg === "an accepted transfer no longer applies: dropped",
    );
    const client = new SequencerClient(await run2.url());
    const fresh = sign(l2, 1, { from: 1, to: 0, amount: 3n, nonce: 0n });
    await client.submitTransfer(fresh);
    await waitForAllPosted(client, 60_000);
    await expectPostedExactlyOnce(net, [other, fresh], [stale]);
    // Every batch on chain applies with its aggregate S: the chain's state is the sequencer's.
    let state = l2.genesis;
    for (const sequence of await readPostedSequences(fixture.rollup, net.deploymentBlock)) {
      for (const posted of sequence.batches) {
        const applied = state.applyBatch(decodeBatchData(posted.data, state.treeDepth), l2.chainId);
        expect(applied.signed, "a posted batch's aggregate S").to.equal(true);
        state = applied.state;
      }
    }
    expect((await client.state()).pendingStateRoot).to.equal(state.root.toString());
    expect(state.account(0)).to.include({ balance: (l2.genesis.account(0)?.balance ?? 0n) - 7n + 3n, nonce: 1n });
  });

  it("on PostgreSQL: posts every accepted transfer exactly once", async function () {
    const schema: PostgresSchema = await freshPostgresSchema();
    cleanups.push(() => schema.drop());
    await scenario(() => Promise.resolve({ databaseUrl: schema.url }));
    const postings = await schema.query<{ state: string }>("select state from posting order by id");
    expect(postings.every((p) => p.state === "posted")).to.equal(true);
  });
});
