import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { ethers } from "ethers";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { pino } from "pino";

import { openDatabase, type MinerStore } from "../../off-chain/miner/db/index.js";
import {
  TxManager,
  TxRevertedError,
  type TxManagerOptions,
  type TxWithAttempts,
} from "../../off-chain/chain/tx-manager.js";
import { txTables } from "../../off-chain/chain/tx-schema.js";
import type { TestToken } from "../../types/ethers-contracts/index.js";

const MNEMONIC = "test test test test test test test test test test test junk";

/** One database for the file (PGlite takes seconds to open and migrate); the restart test reopens it. */
interface SharedDatabase {
  dir: string;
  store: MinerStore;
}

/** One fresh chain and sending account per test, on the shared database. */
interface Fixture {
  connection: NetworkConnection;
  provider: ethers.BrowserProvider;
  wallet: ethers.HDNodeWallet;
  token: TestToken;
  tokenAddress: string;
  database: SharedDatabase;
  manager(options?: Partial<TxManagerOptions>): TxManager;
  request(method: string, params?: unknown[]): Promise<unknown>;
  mine(blocks?: number): Promise<void>;
  /** The calldata of TestToken.mint(wallet, amount). */
  mint(amount?: bigint): string;
  tx(manager: TxManager, id: number): Promise<TxWithAttempts>;
}

/** Each test sends from its own funded default account, so that its rows are its own in the shared database. */
let nextAccount = 7;

async function fixture(database: SharedDatabase, hardfork?: string): Promise<Fixture> {
  const connection = await network.create(hardfork === undefined ? undefined : { override: { hardfork } });
  // ethers caches identical requests for 250 ms by default, which hides the blocks a test mines.
  const provider = new ethers.BrowserProvider(connection.provider, undefined, { cacheTimeout: -1 });
  // A funded default account that deploys nothing (account 0 deploys), so its nonces are the manager's alone.
  const wallet = ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${nextAccount++}`).connect(
    provider,
  );
  // Before Shanghai the token's bytecode does not deploy: only its interface is used there.
  const token =
    hardfork === undefined
      ? await connection.ethers.deployContract("TestToken")
      : await connection.ethers.getContractAt("TestToken", ethers.ZeroAddress);
  const tokenAddress = await token.getAddress();
  const { chainId } = await provider.getNetwork();
  const log = pino({ level: process.env.LOG_LEVEL ?? "silent" });
  const request = (method: string, params: unknown[] = []): Promise<unknown> =>
    connection.provider.request({ method, params });
  const f: Fixture = {
    connection,
    provider,
    wallet,
    token,
    tokenAddress,
    database,
    manager: (options) =>
      new TxManager({
        db: txTables(database.store.db),
        chainId,
        signer: wallet,
        confirmations: 1,
        replaceAfterBlocks: 100,
        decodeError: (data) => token.interface.parseError(data)?.name,
        log,
        ...options,
      }),
    request,
    mine: async (blocks = 1) => {
      for (let i = 0; i < blocks; i++) await request("evm_mine");
    },
    mint: (amount = 1n) => token.interface.encodeFunctionData("mint", [wallet.address, amount]),
    tx: async (manager, id) => (await manager.get(id)) ?? expect.fail(`no tx ${id}`),
  };
  return f;
}

async function teardown(f: Fixture | undefined): Promise<void> {
  await f?.connection.close();
}

/**
 * Sends a commit, mines it and polls, after a snapshot taken before the send (evm_revert restores the snapshot's
 * mempool, so reverting to it takes the transaction out of the node entirely).
 */
async function minedAfterSnapshot(f: Fixture, manager: TxManager) {
  const snapshot = await f.request("evm_snapshot");
  const id = await manager.send({ kind: "commit", to: f.tokenAddress, data: f.mint() });
  const attempt = only((await f.tx(manager, id)).attempts);
  await f.mine();
  await manager.poll();
  return { snapshot, id, attempt };
}

function only<T>(items: readonly T[]): T {
  expect(items).to.have.length(1);
  return items[0] ?? expect.fail("empty");
}

describe("TxManager (off-chain/miner/tx-manager.ts)", function () {
  let database: SharedDatabase;
  let f: Fixture | undefined;

  before(async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "zkpow-tx-"));
    database = { dir, store: await openDatabase({ dataDir: dir }) };
  });

  after(async function () {
    await database.store.close();
    await rm(database.dir, { recursive: true, force: true });
  });

  afterEach(async function () {
    await teardown(f);
    f = undefined;
  });

  it("gives consecutive nonces to sends made before any block is mined, and follows them to final", async function () {
    f = await fixture(database);
    await f.request("evm_setAutomine", [false]);
    const manager = f.manager({ confirmations: 2 });
    await manager.start();
    const start = BigInt(await f.provider.getTransactionCount(f.wallet.address, "latest"));

    const a = await manager.send({ kind: "commit", sequence: 1n, round: 0, to: f.tokenAddress, data: f.mint(1n) });
    const b = await manager.send({ kind: "commit", sequence: 2n, round: 0, to: f.tokenAddress, data: f.mint(2n) });
    // Neither is mined: the chain's latest count is still `start` for both.
    expect(BigInt(await f.provider.getTransactionCount(f.wallet.address, "latest"))).to.equal(start);
    const [txA, txB] = [await f.tx(manager, a), await f.tx(manager, b)];
    expect([txA.nonce, txB.nonce]).to.deep.equal([start, start + 1n]);
    expect(txA).to.include({ kind: "commit", sequence: 1n, round: 0, state: "pending" });
    // Sends racing each other as well.
    const fx = f;
    const racing = await Promise.all(
      [4n, 8n].map((amount) => manager.send({ kind: "claim", to: fx.tokenAddress, data: fx.mint(amount) })),
    );
    const raced = await Promise.all(racing.map(async (id) => (await fx.tx(manager, id)).nonce));
    expect(raced.sort((x, y) => (x < y ? -1 : 1))).to.deep.equal([start + 2n, start + 3n]);

    await f.mine();
    await manager.poll();
    // One block deep of two: the block is remembered, the state is not final.
    const shallow = await f.tx(manager, a);
    expect(shallow.state).to.equal("pending");
    expect(shallow.mined_hash).to.equal(only(txA.attempts).hash);
    expect(shallow.block_number).to.equal(BigInt(await f.provider.getBlockNumber()));

    await f.mine();
    await manager.poll();
    for (const id of [a, b, ...racing]) expect((await f.tx(manager, id)).state).to.equal("mined");
    expect(await f.token.balanceOf(f.wallet.address)).to.equal(15n);
    expect(BigInt(await f.provider.getTransactionCount(f.wallet.address, "latest"))).to.equal(start + 4n);
  });

  it("sends again a transaction the node lost, and replaces one not mined for replaceAfterBlocks with fees at least 10% higher", async function () {
    f = await fixture(database);
    await f.request("evm_setAutomine", [false]);
    const manager = f.manager({ replaceAfterBlocks: 3 });
    await manager.start();
    const id = await manager.send({ kind: "reveal", to: f.tokenAddress, data: f.mint() });
    const first = only((await f.tx(manager, id)).attempts);
    expect(typeof first.priority_fee, "an EIP-1559 transaction on a chain with a base fee").to.equal("bigint");

    expect(await f.request("hardhat_dropTransaction", [first.hash])).to.equal(true);
    await f.mine();
    await manager.poll();
    expect(await f.provider.getTransaction(first.hash), "sent again").to.not.equal(null);
    expect((await f.tx(manager, id)).attempts).to.have.length(1);

    // Three blocks after the first attempt and still not mined: a replacement.
    expect(await f.request("hardhat_dropTransaction", [first.hash])).to.equal(true);
    await f.mine(2);
    await manager.poll();
    const attempts = (await f.tx(manager, id)).attempts;
    expect(attempts).to.have.length(2);
    const [, second] = attempts as [typeof first, typeof first];
    expect(second.hash).to.not.equal(first.hash);
    expect(second.max_fee * 10n).to.be.at.least(first.max_fee * 11n);
    expect((second.priority_fee ?? 0n) * 10n).to.be.at.least((first.priority_fee ?? 0n) * 11n);
    expect(second.sent_block).to.equal(first.sent_block + 3n);

    await f.mine();
    await manager.poll();
    const done = await f.tx(manager, id);
    expect(done.state).to.equal("mined");
    expect(done.mined_hash).to.equal(second.hash);
    const mined = (await f.provider.getTransaction(second.hash)) ?? expect.fail("replacement not found");
    expect(BigInt(mined.nonce)).to.equal(done.nonce);
    expect(await f.provider.getTransactionReceipt(first.hash)).to.equal(null);
  });

  it("refuses a fee bump under 10%, and does not replace above maxFeePerGasCap", async function () {
    f = await fixture(database);
    await f.request("evm_setAutomine", [false]);
    const network = await f.provider.getFeeData();
    const cap = ((network.maxFeePerGas ?? expect.fail("no base fee")) * 105n) / 100n;
    expect(() => f?.manager({ feeBumpPercent: 9 })).to.throw(/below the 10%/);
    const manager = f.manager({ replaceAfterBlocks: 1, maxFeePerGasCap: cap });
    await manager.start();
    const id = await manager.send({ kind: "reveal", to: f.tokenAddress, data: f.mint() });
    const first = only((await f.tx(manager, id)).attempts);
    expect(first.max_fee).to.be.at.most(cap);
    await f.request("hardhat_dropTransaction", [first.hash]);
    await f.mine(2);
    await manager.poll();
    // +10% would pass the cap: no replacement, the first attempt is sent again instead.
    expect((await f.tx(manager, id)).attempts).to.have.length(1);
    expect(await f.provider.getTransaction(first.hash)).to.not.equal(null);
    await f.mine();
    await manager.poll();
    expect(await f.tx(manager, id)).to.include({ state: "mined", mined_hash: first.hash });
  });

  it("sends again a transaction whose block was reorged out, and follows it to its new block", async function () {
    f = await fixture(database);
    await f.request("evm_setAutomine", [false]);
    const manager = f.manager({ confirmations: 3 });
    await manager.start();
    const { snapshot, id, attempt } = await minedAfterSnapshot(f, manager);
    const before = await f.tx(manager, id);
    expect(before.state).to.equal("pending");
    expect(before.block_hash).to.not.equal(null);
    const oldBlock = before.block_number ?? expect.fail("no block");

    expect(await f.request("evm_revert", [snapshot])).to.equal(true);
    await f.mine(2);
    expect(BigInt(await f.provider.getBlockNumber())).to.be.greaterThan(oldBlock);
    expect(await f.provider.getTransaction(attempt.hash), "the node forgot it").to.equal(null);

    await manager.poll();
    const reorged = await f.tx(manager, id);
    expect(reorged).to.include({ state: "pending", block_hash: null, block_number: null, mined_hash: null });
    expect(await f.provider.getTransaction(attempt.hash), "sent again").to.not.equal(null);

    await f.mine(3);
    await manager.poll();
    const after = await f.tx(manager, id);
    expect(after).to.include({ state: "mined", mined_hash: attempt.hash });
    expect(after.block_number).to.be.greaterThan(oldBlock);
    expect(after.block_hash).to.not.equal(before.block_hash);
    expect(await f.token.balanceOf(f.wallet.address)).to.equal(1n);
  });

  it("sends again a transaction whose block was reorged out between its reading the account's nonce and the receipts", async function () {
    f = await fixture(database);
    const { connection } = f;
    await f.request("evm_setAutomine", [false]);
    // The reorg happens right after the manager reads the account's nonce, before it looks for receipts: a poll
    // that spans a reorg, as CI's load once made one.
    let reorgAfterNonceRead: (() => Promise<void>) | undefined;
    const spanning = new ethers.BrowserProvider(
      {
        request: async ({ method, params }: { method: string; params?: unknown[] | Record<string, unknown> }) => {
          const result: unknown = await connection.provider.request({ method, params });
          const reorg = reorgAfterNonceRead;
          if (method === "eth_getTransactionCount" && reorg !== undefined) {
            reorgAfterNonceRead = undefined;
            await reorg();
          }
          return result;
        },
      },
      undefined,
      { cacheTimeout: -1 },
    );
    const manager = f.manager({ confirmations: 3, signer: f.wallet.connect(spanning) });
    await manager.start();
    const { snapshot, id, attempt } = await minedAfterSnapshot(f, manager);
    expect((await f.tx(manager, id)).block_hash).to.not.equal(null);

    const fixtureNow = f;
    reorgAfterNonceRead = async () => {
      expect(await fixtureNow.request("evm_revert", [snapshot])).to.equal(true);
      await fixtureNow.mine(2);
    };
    await manager.poll();
    expect(reorgAfterNonceRead, "the reorg ran inside the poll").to.equal(undefined);
    const reorged = await f.tx(manager, id);
    expect(reorged).to.include({ state: "pending", block_hash: null, mined_hash: null });
    expect(reorged.attempts.map((a) => a.hash)).to.deep.equal([attempt.hash]);
    expect(await f.provider.getTransaction(attempt.hash), "sent again").to.not.equal(null);

    await f.mine(3);
    await manager.poll();
    expect(await f.tx(manager, id)).to.include({ state: "mined", mined_hash: attempt.hash });
  });

  it("continues after a restart from the stored nonce, sending again what was in flight", async function () {
    f = await fixture(database);
    await f.request("evm_setAutomine", [false]);
    const first = f.manager();
    await first.start();
    const a = await first.send({ kind: "commit", to: f.tokenAddress, data: f.mint(1n) });
    await f.mine();
    await first.poll();
    expect((await f.tx(first, a)).state).to.equal("mined");
    const b = await first.send({ kind: "reveal", to: f.tokenAddress, data: f.mint(2n) });
    const inFlight = only((await f.tx(first, b)).attempts);
    // The process dies and the node loses the transaction (restarted, or evicted it).
    await f.request("hardhat_dropTransaction", [inFlight.hash]);
    await database.store.close();

    database.store = await openDatabase({ dataDir: database.dir });
    const second = f.manager();
    await second.start();
    expect(await f.provider.getTransaction(inFlight.hash), "sent again at start").to.not.equal(null);
    const c = await second.send({ kind: "claim", to: f.tokenAddress, data: f.mint(4n) });
    const [txA, txB, txC] = [await f.tx(second, a), await f.tx(second, b), await f.tx(second, c)];
    expect([txB.nonce, txC.nonce]).to.deep.equal([txA.nonce + 1n, txA.nonce + 2n]);

    await f.mine();
    await second.poll();
    for (const id of [b, c]) expect((await f.tx(second, id)).state).to.equal("mined");
    expect(await f.token.balanceOf(f.wallet.address)).to.equal(7n);
    expect(BigInt(await f.provider.getTransactionCount(f.wallet.address, "latest"))).to.equal(txA.nonce + 3n);
  });

  it("drops a transaction whose nonce another transaction used, once that is final, and takes the next nonce from the chain", async function () {
    f = await fixture(database);
    await f.request("evm_setAutomine", [false]);
    const manager = f.manager({ confirmations: 2 });
    await manager.start();
    const id = await manager.send({ kind: "commit", to: f.tokenAddress, data: f.mint(1n) });
    const ours = await f.tx(manager, id);
    await f.request("hardhat_dropTransaction", [only(ours.attempts).hash]);
    // The same key used elsewhere takes the nonce.
    const { chainId } = await f.provider.getNetwork();
    const fees = await f.provider.getFeeData();
    const foreign = await f.wallet.signTransaction({
      type: 2,
      chainId,
      nonce: Number(ours.nonce),
      to: f.tokenAddress,
      data: f.mint(10n),
      gasLimit: 100_000n,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    await f.provider.broadcastTransaction(foreign);
    await f.mine();
    await manager.poll();
    expect((await f.tx(manager, id)).state, "not final yet").to.equal("pending");
    await f.mine();
    await manager.poll();
    const dropped = await f.tx(manager, id);
    expect(dropped.state).to.equal("dropped");
    expect(dropped.error).to.match(/used by another transaction/);

    const next = await manager.send({ kind: "commit", to: f.tokenAddress, data: f.mint(1n) });
    expect((await f.tx(manager, next)).nonce).to.equal(ours.nonce + 1n);
  });

  it("throws TxRevertedError with the custom error's name when the estimate reverts, using no nonce", async function () {
    f = await fixture(database);
    const manager = f.manager();
    await manager.start();
    const db = database.store.db;
    const sender = f.wallet.address;
    const account = () =>
      db.selectFrom("account").select("next_nonce").where("address", "=", sender).executeTakeFirstOrThrow();
    const before = (await account()).next_nonce;
    const data = f.token.interface.encodeFunctionData("transfer", [f.tokenAddress, 1n]);
    let thrown: unknown;
    try {
      await manager.send({ kind: "claim", to: f.tokenAddress, data });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(TxRevertedError);
    expect((thrown as TxRevertedError).errorName).to.equal("ERC20InsufficientBalance");
    expect((await account()).next_nonce).to.equal(before);
    expect(await db.selectFrom("tx").selectAll().where("sender", "=", sender).execute()).to.have.length(0);
    const next = await manager.send({ kind: "claim", to: f.tokenAddress, data: f.mint() });
    expect((await f.tx(manager, next)).nonce).to.equal(before);
  });

  it("records a transaction mined reverted with the custom error's name", async function () {
    f = await fixture(database);
    const manager = f.manager();
    await manager.start();
    const data = f.token.interface.encodeFunctionData("transfer", [f.tokenAddress, 1n]);
    // A fixed gas limit skips the estimate, so the transaction is sent and mined (automine) reverted.
    const id = await manager.send({ kind: "reveal", to: f.tokenAddress, data, gasLimit: 100_000n });
    await manager.poll();
    const tx = await f.tx(manager, id);
    expect(tx).to.include({ state: "reverted", error: "ERC20InsufficientBalance", mined_hash: only(tx.attempts).hash });
    const receipt = await f.provider.getTransactionReceipt(only(tx.attempts).hash);
    expect(receipt?.status).to.equal(0);
  });

  it("sends legacy transactions, and replaces them, on a chain without a base fee", async function () {
    f = await fixture(database, "berlin");
    await f.request("evm_setAutomine", [false]);
    const manager = f.manager({ replaceAfterBlocks: 2 });
    await manager.start();
    // A call to an account without code: 0.8.28 bytecode (TestToken) does not deploy before Shanghai.
    const id = await manager.send({ kind: "commit", to: ethers.Wallet.createRandom().address, data: "0x1234" });
    const first = only((await f.tx(manager, id)).attempts);
    expect(first.priority_fee).to.equal(null);
    expect(ethers.Transaction.from(first.raw).type).to.equal(0);
    await f.request("hardhat_dropTransaction", [first.hash]);
    await f.mine(2);
    await manager.poll();
    const [, second] = (await f.tx(manager, id)).attempts;
    expect(second?.priority_fee).to.equal(null);
    expect((second?.max_fee ?? 0n) * 10n).to.be.at.least(first.max_fee * 11n);
    await f.mine();
    await manager.poll();
    expect(await f.tx(manager, id)).to.include({ state: "mined", mined_hash: second?.hash });
  });
});
