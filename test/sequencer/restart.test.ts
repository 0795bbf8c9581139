import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import type { SignedTransfer } from "../../off-chain/l2/index.js";
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
describe("sequencer: kill -9 and restart", function () {
  const runs: SequencerProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async function () {
    for (const run of runs.splice(0)) if (run.exit === undefined) await run.kill();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function scenario(database: (dir: string) => Promise<Record<string, unknown>>): Promise<void> {
    const net: MinerNetwork = await startMinerNetwork({ windowBlocks: 30, intervalMs: 250 });
    cleanups.push(() => net.close());
    const dir = await mkdtemp(join(tmpdir(), "zkpow-sequencer-restart-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { fixture } = net;
    const { l2 } = fixture;
    const configFile = join(dir, "sequencer.json");
    await writeConfig(configFile, {
      rpcUrl: net.url,
      rollup: fixture.rollup.target,
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
    await waitFor(
      "every accepted transfer posted",
      async () => {
        const state = await client3.state();
        return state.pendingTransfers === 0 && !state.postingInFlight && state.unpostedBatches === 0;
      },
      120_000,
    );
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

  it("on PostgreSQL: posts every accepted transfer exactly once", async function () {
    const schema: PostgresSchema = await freshPostgresSchema();
    cleanups.push(() => schema.drop());
    await scenario(() => Promise.resolve({ databaseUrl: schema.url }));
    const postings = await schema.query<{ state: string }>("select state from posting order by id");
    expect(postings.every((p) => p.state === "posted")).to.equal(true);
  });
});
