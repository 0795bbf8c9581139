import { FetchRequest, getAddress, JsonRpcProvider, Network, Wallet, keccak256, toUtf8Bytes } from "ethers";
import type { FastifyInstance } from "fastify";
import { pino, type Logger } from "pino";

import { sleep } from "../chain/rpc.js";
import { TxManager } from "../chain/tx-manager.js";
import { txTables } from "../chain/tx-schema.js";
import { getCircuitConfig } from "../circuits/configurations.js";
import { genesisState, loadL2Crypto, readGenesis, type Genesis } from "../l2/index.js";
import { ZkPowRollup__factory } from "../../types/ethers-contracts/index.js";
import { buildApi } from "./api.js";
import { parseSequencerConfig, SequencerConfigError, type SequencerConfig } from "./config.js";
import { openSequencerDatabase, type SequencerStore } from "./db/database.js";
import type { SequencerTxKind } from "./db/schema.js";
import { Mempool } from "./mempool.js";
import { Poster } from "./poster.js";
import { reconcile } from "./reconcile.js";
import { RollupView } from "./rollup-view.js";
import { accountView, backlog, transferView } from "./views.js";
import type { RollupStateView } from "./wire.js";

/** How a program starts a sequencer (the devnet, the tests; scripts/sequencer.ts from a config file). */
export interface SequencerOptions {
  readonly rpcUrl: string;
  /** The ZkPowRollup's address. */
  readonly rollup: string;
  /** The key of the account holding the rollup's SEQUENCER role; it pays the batch fees. */
  readonly privateKey: string;
  /** The rollup's genesis, or the path of its file. */
  readonly genesis: Genesis | string;
  /** The batch circuit's name (e.g. "b2d4"). */
  readonly circuit: string;
  readonly chainId?: number;
  readonly deploymentBlock?: number;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly batchTimeoutMs?: number;
  readonly sequenceTimeoutMs?: number;
  readonly confirmations?: number;
  readonly pollIntervalMs?: number;
  readonly replaceAfterBlocks?: number;
  readonly maxPendingTransfers?: number;
  readonly logger?: Logger;
}

const SEQUENCER_ROLE = keccak256(toUtf8Bytes("SEQUENCER_ROLE"));

/**
 * The L2 sequencer of one rollup: takes signed transfers over HTTP, orders
 * them, seals batches and posts them as sequences, and follows them until
 * verified. docs/sequencer.md says what it persists and guarantees.
 */
export class Sequencer {
  private readonly stopping = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private lastError: string | null = null;
  private stopped: Promise<void> | undefined;

  private constructor(
    readonly url: string,
    private readonly config: SequencerConfig,
    private readonly store: SequencerStore,
    private readonly provider: JsonRpcProvider,
    private readonly app: FastifyInstance,
    private readonly txs: TxManager<SequencerTxKind>,
    private readonly poster: Poster,
    private readonly view: RollupView,
    private readonly log: Logger,
  ) {}

  static async start(options: SequencerOptions): Promise<Sequencer> {
    const { privateKey, logger, genesis: genesisOption, ...settings } = options;
    const config = parseSequencerConfig(
      { ...settings, genesis: typeof genesisOption === "string" ? genesisOption : "(given)" },
      "sequencer options",
    );
    const log = (logger ?? pino({ level: "info", name: "zkpow-sequencer" })).child({ service: "sequencer" });
    const genesis = typeof genesisOption === "string" ? await readGenesis(genesisOption) : genesisOption;
    const circuit = getCircuitConfig(config.circuit);
    const crypto = await loadL2Crypto();
    const initial = genesisState(crypto, genesis, typeof genesisOption === "string" ? genesisOption : "genesis");
    let wallet: Wallet;
    try {
      wallet = new Wallet(privateKey);
    } catch {
      throw new SequencerConfigError("the sequencer's private key is not a 32-byte hex key");
    }

    const provider = await connect(config);
    const stores: SequencerStore[] = [];
    try {
      const chainId = (await provider.getNetwork()).chainId;
      const rollupAddress = getAddress(config.rollup);
      if ((await provider.getCode(rollupAddress)) === "0x") {
        throw new SequencerConfigError(`rollup ${rollupAddress} has no code on chain ${chainId}`);
      }
      const signer = wallet.connect(provider);
      const rollup = ZkPowRollup__factory.connect(rollupAddress, signer);
      const rollupConfig = await rollup.getConfig();
      const where = `rollup ${rollupAddress}`;
      if (
        rollupConfig.batchSize !== BigInt(circuit.batchSize) ||
        rollupConfig.treeDepth !== BigInt(circuit.treeDepth)
      ) {
        throw new SequencerConfigError(
          `${where} takes batches of ${rollupConfig.batchSize} transfers at tree depth ${rollupConfig.treeDepth}; circuit ${circuit.name} has ${circuit.batchSize} and ${circuit.treeDepth}`,
        );
      }
      if (genesis.treeDepth !== circuit.treeDepth) {
        throw new SequencerConfigError(
          `the genesis has tree depth ${genesis.treeDepth}; the rollup ${circuit.treeDepth}`,
        );
      }
      if (rollupConfig.chainId !== genesis.chainId) {
        throw new SequencerConfigError(
          `${where} runs rollup chain id ${rollupConfig.chainId}; the genesis is for ${genesis.chainId}`,
        );
      }
      if ((await rollup.lastVerifiedBatch()) === 0n && (await rollup.stateRoot()) !== initial.root) {
        throw new SequencerConfigError(`${where} starts from another state root than the genesis's ${initial.root}`);
      }
      if (!(await rollup.hasRole(SEQUENCER_ROLE, wallet.address))) {
        throw new SequencerConfigError(`${wallet.address} does not hold ${where}'s SEQUENCER role`);
      }

      const store = await openSequencerDatabase({
        ...(config.databaseUrl !== undefined ? { url: config.databaseUrl } : { dataDir: config.dataDir }),
      });
      stores.push(store);
      const { db } = store;
      const row = await db.selectFrom("rollup").selectAll().executeTakeFirst();
      if (row === undefined) {
        await db
          .insertInto("rollup")
          .values({ chain_id: chainId, rollup: rollupAddress, verified_batch: 0n })
          .execute();
      } else if (row.chain_id !== chainId || getAddress(row.rollup) !== rollupAddress) {
        throw new SequencerConfigError(
          `the database (${store.where}) serves rollup ${row.rollup} on chain ${row.chain_id}, not ${rollupAddress} on chain ${chainId}: use another database for another rollup`,
        );
      }

      const txs = new TxManager<SequencerTxKind>({
        db: txTables(db),
        chainId,
        signer,
        confirmations: config.confirmations,
        replaceAfterBlocks: config.replaceAfterBlocks,
        decodeError: (data) => rollup.interface.parseError(data)?.name,
        log: log.child({ module: "tx" }),
      });
      await txs.start();
      const view = new RollupView(rollup, provider, db, genesis, initial, config.deploymentBlock, config.confirmations);
      const pending = await reconcile({
        db,
        rollup,
        deploymentBlock: config.deploymentBlock,
        genesisState: initial,
        rollupChainId: genesis.chainId,
        treeDepth: genesis.treeDepth,
        view,
        log,
      });
      await view.refresh();
      const mempool = new Mempool(db, crypto, genesis.chainId, pending, config.maxPendingTransfers, log);
      const poster = new Poster({
        db,
        txs,
        rollup,
        rollupAddress,
        provider,
        sender: wallet.address,
        token: rollupConfig.token,
        batchFee: rollupConfig.batchFee,
        crypto,
        rollupChainId: genesis.chainId,
        batchSize: circuit.batchSize,
        treeDepth: circuit.treeDepth,
        maxBatchesPerSequence: Number(rollupConfig.maxBatchesPerSequence),
        batchTimeoutMs: config.batchTimeoutMs,
        sequenceTimeoutMs: config.sequenceTimeoutMs,
        mempool,
        view,
        log: log.child({ module: "poster" }),
      });
      await poster.followPostings();
      // Approved ahead of the first posting, so that it need not wait for the approval.
      await poster.ensureAllowance();

      // The API is built before the Sequencer that answers its health: it looks it up when asked.
      const started: { sequencer?: Sequencer } = {};
      const stateView = async (): Promise<RollupStateView> => ({
        baseChainId: chainId.toString(),
        rollup: rollupAddress,
        rollupChainId: genesis.chainId.toString(),
        circuit: circuit.name,
        batchSize: circuit.batchSize,
        treeDepth: circuit.treeDepth,
        maxBatchesPerSequence: Number(rollupConfig.maxBatchesPerSequence),
        batchFee: rollupConfig.batchFee.toString(),
        sequencer: wallet.address,
        lastBatch: view.lastBatch.toString(),
        lastVerifiedBatch: view.verifiedBatch.toString(),
        verifiedStateRoot: view.verifiedStateRoot.toString(),
        pendingStateRoot: mempool.state.root.toString(),
        ...(await backlog(db)),
      });
      const app = buildApi(
        {
          accept: (body) => mempool.accept(body),
          account: (index) => accountView(mempool.state, view, index),
          transfer: (id) => transferView(db, view, id),
          state: stateView,
          health: () => started.sequencer?.health() ?? { ok: false, detail: "starting" },
        },
        log,
      );
      const address = await app.listen({ host: config.host, port: config.port });
      const sequencer = new Sequencer(address, config, store, provider, app, txs, poster, view, log);
      started.sequencer = sequencer;
      sequencer.loop = sequencer.run();
      log.info(
        { url: address, rollup: rollupAddress, chainId, sequencer: wallet.address, database: store.where },
        "sequencer started",
      );
      return sequencer;
    } catch (error) {
      for (const store of stores) await store.close();
      provider.destroy();
      throw error;
    }
  }

  /** Stops taking requests, finishes the step in progress, and closes the database. Safe to call twice. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping.abort();
      await this.app.close();
      await this.loop;
      await this.store.close();
      this.provider.destroy();
      this.log.info("sequencer stopped");
    })();
    return this.stopped;
  }

  private health(): { ok: boolean; detail: string } {
    return this.lastError === null ? { ok: true, detail: "running" } : { ok: false, detail: this.lastError };
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        await this.txs.poll();
        await this.poster.step();
        await this.view.refresh();
        if (this.lastError !== null) this.log.info("the sequencer's loop runs again");
        this.lastError = null;
      } catch (error) {
        const message = error instanceof Error ? (error.message.split("\n")[0] ?? error.name) : String(error);
        if (message !== this.lastError) this.log.error({ err: error }, "sequencer step failed; retrying");
        this.lastError = message;
      }
      await sleep(this.config.pollIntervalMs, signal);
    }
  }
}

/** The RPC, checked against the configured chain id if any, then pinned to the chain it reports. */
async function connect(config: SequencerConfig): Promise<JsonRpcProvider> {
  const request = () => {
    const fetch = new FetchRequest(config.rpcUrl);
    fetch.timeout = 30_000;
    return fetch;
  };
  const probe = new JsonRpcProvider(request(), new Network("probe", 1n), { staticNetwork: true, batchMaxCount: 1 });
  let reported: bigint;
  try {
    reported = BigInt((await probe.send("eth_chainId", [])) as string);
  } catch (error) {
    throw new SequencerConfigError(
      `the RPC at ${config.rpcUrl} does not answer eth_chainId (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`,
    );
  } finally {
    probe.destroy();
  }
  if (config.chainId !== undefined && reported !== BigInt(config.chainId)) {
    throw new SequencerConfigError(
      `the RPC at ${config.rpcUrl} reports chain id ${reported}; the config says ${config.chainId}`,
    );
  }
  return new JsonRpcProvider(request(), new Network(`chain-${reported}`, reported), { staticNetwork: true });
}
