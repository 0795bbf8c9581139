import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { pino } from "pino";

import type { SignedTransfer } from "../../off-chain/l2/index.js";
import type { Miner } from "../../off-chain/miner/miner.js";
import { Sequencer } from "../../off-chain/sequencer/index.js";
import { SequencerApiError, SequencerClient } from "../../off-chain/wallet/index.js";
import { sign } from "../helpers/l2.js";
import {
  accountKey,
  minerConfig,
  startMiner,
  startMinerNetwork,
  waitFor,
  type MinerNetwork,
} from "../helpers/miner.js";
import { closeProver } from "../helpers/rollup.js";
import { expectPostedExactlyOnce } from "./helpers.js";

/** The error code a refused submission answers with. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SequencerApiError) return error.code;
    throw error;
  }
  throw new Error("the sequencer accepted it");
}

/**
 * The sequencer end to end on a simulated chain served over HTTP, with a real
 * miner proving (real proofs of circuit b2d4): wallets' transfers reach a
 * verified state, bad ones are refused with their code and never posted.
 */
describe("sequencer: transfers from wallets to verified batches", function () {
  let net: MinerNetwork;
  let dir: string;
  let sequencer: Sequencer | undefined;
  let miner: Miner | undefined;

  before(async function () {
    net = await startMinerNetwork({ windowBlocks: 30, intervalMs: 250 });
    dir = await mkdtemp(join(tmpdir(), "zkpow-sequencer-"));
  });

  after(async function () {
    await miner?.stop();
    await sequencer?.stop();
    await closeProver();
    await net.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses bad transfers with their code, posts the good ones once each, and they reach verified", async function () {
    const { fixture } = net;
    const { l2 } = fixture;
    sequencer = await Sequencer.start({
      rpcUrl: net.url,
      rollup: fixture.rollup.target as string,
      privateKey: accountKey(1).privateKey,
      genesis: net.genesisFile,
      circuit: "b2d4",
      deploymentBlock: net.deploymentBlock,
      dataDir: join(dir, "sequencer"),
      port: 0,
      batchTimeoutMs: 300,
      confirmations: 1,
      pollIntervalMs: 100,
      logger: pino({ level: "debug" }, pino.destination({ dest: join(dir, "sequencer.log"), sync: true })),
    });
    // Three wallets, each its own client, as three users would have.
    const wallets = [0, 1, 2].map(() => new SequencerClient(sequencer?.url ?? ""));
    const [alice, bob, carol] = wallets as [SequencerClient, SequencerClient, SequencerClient];
    const state = await alice.state();
    expect(state.batchSize).to.equal(2);
    expect(state.rollupChainId).to.equal(l2.chainId.toString());

    const accepted: SignedTransfer[] = [];
    const ids: string[] = [];
    const send = async (client: SequencerClient, from: number, to: number, amount: bigint) => {
      const { pending } = await client.account(from);
      const transfer = sign(l2, from, { from, to, amount, nonce: BigInt(pending.nonce) });
      const { id } = await client.submitTransfer(transfer);
      accepted.push(transfer);
      ids.push(id);
      return transfer;
    };

    // Bad transfers, each refused with its code.
    const refused: SignedTransfer[] = [];
    const refuse = async (code: string, transfer: SignedTransfer) => {
      refused.push(transfer);
      expect(await refusal(alice.submitTransfer(transfer)), code).to.equal(code);
    };
    await refuse("BAD_SIGNATURE", sign(l2, 1, { from: 0, to: 1, amount: 5n, nonce: 0n }));
    await refuse("BAD_NONCE", sign(l2, 0, { from: 0, to: 1, amount: 5n, nonce: 3n }));
    await refuse("OVERDRAFT", sign(l2, 0, { from: 0, to: 1, amount: 1_001n, nonce: 0n }));
    await refuse("UNKNOWN_ACCOUNT", sign(l2, 0, { from: 0, to: 9, amount: 5n, nonce: 0n }));
    await refuse("INDEX_OUT_OF_RANGE", sign(l2, 0, { from: 0, to: 16, amount: 5n, nonce: 0n }));
    await refuse("AMOUNT_OUT_OF_RANGE", sign(l2, 0, { from: 0, to: 1, amount: 1n << 64n, nonce: 0n }));
    // Malformed bodies never reach the rules.
    const post = (body: string) =>
      fetch(`${sequencer?.url}/transfers`, { method: "POST", headers: { "content-type": "application/json" }, body });
    for (const body of [
      "{not json",
      JSON.stringify({ from: 0, to: 1, amount: 5, nonce: "0", signature: { R8: "0x00", S: "0x00" } }),
      JSON.stringify({ from: 0, to: 1, amount: "5", nonce: "0" }),
      JSON.stringify({
        from: -1,
        to: 1,
        amount: "5",
        nonce: "0",
        signature: { R8: "0x" + "0".repeat(64), S: "0x" + "0".repeat(64) },
      }),
    ]) {
      const response = await post(body);
      expect(response.status, body).to.equal(400);
      const answer = (await response.json()) as { code: string; message: string };
      expect(answer.code, body).to.equal("INVALID_REQUEST");
      expect(answer.message, body).to.not.equal("");
    }

    // Good transfers from the three wallets, some chained on others' (carol spends what bob sent her).
    await send(alice, 0, 1, 100n);
    await send(bob, 1, 2, 550n);
    await send(carol, 2, 3, 3_500n);
    await send(alice, 0, 3, 1n);
    const resent = accepted[0];
    if (resent === undefined) throw new Error("no transfer");
    expect(await refusal(alice.submitTransfer(resent))).to.equal("DUPLICATE_TRANSFER");
    expect((await alice.account(2)).pending.balance).to.equal((3_000n + 550n - 3_500n).toString());
    expect((await alice.account(0)).pending.nonce).to.equal("2");
    expect(await refusal(alice.account(7))).to.equal("UNKNOWN_ACCOUNT");
    expect(await refusal(alice.transfer("0x" + "1".repeat(64)))).to.equal("UNKNOWN_TRANSFER");

    // Posted (each transfer once), then proven by a real miner.
    await waitFor(
      "every transfer posted",
      async () => {
        const statuses = await Promise.all(ids.map((id) => alice.transfer(id)));
        return statuses.every((t) => t.status !== "pending");
      },
      60_000,
    );
    const posted = await alice.transfer(ids[0] ?? "");
    expect(posted.batch).to.equal("1");
    expect(posted.txHash).to.match(/^0x[0-9a-f]{64}$/);
    await expectPostedExactlyOnce(net, accepted, refused);

    miner = await startMiner(minerConfig([net], { dataDir: join(dir, "miner") }), 3, join(dir, "miner.log"));
    const started = Date.now();
    await waitFor(
      "every transfer verified",
      async () => {
        const statuses = await Promise.all(ids.map((id) => carol.transfer(id)));
        return statuses.every((t) => t.status === "verified");
      },
      600_000,
      500,
    );
    console.log(`      verified ${ids.length} transfers in ${Math.round((Date.now() - started) / 1000)} s of mining`);
    const after = await bob.account(2);
    expect(after.verified).to.deep.equal(after.pending);
    expect(after.verified.balance).to.equal("50");
    const final = await alice.state();
    expect(final.pendingTransfers).to.equal(0);
    expect(BigInt(final.lastVerifiedBatch)).to.equal(BigInt(final.lastBatch));
    expect(final.verifiedStateRoot).to.equal(final.pendingStateRoot);
    expect(final.verifiedStateRoot).to.equal((await fixture.rollup.stateRoot()).toString());
  });
});
