import { type HDNodeWallet, type Wallet } from "ethers";
import type { Logger } from "pino";

import { readFile } from "node:fs/promises";

import { getCircuitConfig, releaseSnarkjsWorkers, type CircuitArtifacts } from "../circuits/index.js";
import { loadProvingKey, type ProvingKey } from "../circuits/proving-key.js";
import { ZkeyError } from "../circuits/verifier-check.js";
import { genesisState, loadL2Crypto, readGenesis, type Genesis, type L2Crypto } from "../l2/index.js";
import {
  BatchProver,
  LocalBackend,
  ProofScheduler,
  verifyProof,
  WorkerPool,
  type ProofBackend,
} from "../prover/index.js";
import { ProverHub } from "../prover/remote/hub.js";
import { describeError, retryTransient, sleep, type ChainContext, type ChainHealth } from "./chain.js";
import { MinerConfigError, type ChainConfig, type MinerConfig, type ProverHubConfig } from "./config.js";
import { openDatabase, type MinerStore, type TxKind } from "./db/index.js";
import { claimantId } from "./db/tasks.js";
import { ChainFollower, FollowerConfigError } from "./follower.js";
import { L2Replay, ReplayMismatchError } from "./l2-replay.js";
import { MinerMetrics } from "./metrics.js";
import { ProofGenerator, type ChainProving } from "./proof-generator.js";
import { ProofManager } from "./proof-manager.js";
import { ProofSender } from "./proof-sender.js";
import { Rewards } from "./rewards.js";
import { checkRollup, connectChain } from "./startup-checks.js";
import type { ChainStatus, MinerStatus } from "./status.js";
import { TxManager } from "../chain/tx-manager.js";
import { txTables } from "../chain/tx-schema.js";

export interface MinerOptions {
  readonly config: MinerConfig;
  /** The miner's key (loadMinerKey): its address is what every proof is bound to. */
  readonly key: Wallet | HDNodeWallet;
  readonly log: Logger;
  readonly metrics?: MinerMetrics;
  /**
   * The built circuit (default: ensureCircuit(config.circuit), built or taken from the cache). Unused when the
   * config names a zkey: the miner then compiles the circuit only, for its witness generator.
   */
  readonly circuit?: CircuitArtifacts;
}

/** A ceremony's zkey (or the cached development key) as the miner proves with it; a misfit is a config error. */
async function minerProvingKey(config: MinerConfig): Promise<ProvingKey> {
  try {
    return await loadProvingKey(getCircuitConfig(config.circuit), config.zkey);
  } catch (error) {
    if (error instanceof ZkeyError) throw new MinerConfigError(`${config.source}: zkey: ${error.message}`);
    throw error;
  }
}

/** Where proofs run: the local prover processes and the remote provers' hub, under one scheduler. */
interface Proving {
  readonly scheduler: ProofScheduler;
  /** The process that checks every proof (the local pool when there is no hub). */
  readonly verifier: WorkerPool;
  readonly hub: ProverHub | undefined;
  readonly threads: number;
  close(): Promise<void>;
}

async function startProving(config: MinerConfig, key: ProvingKey, log: Logger): Promise<Proving> {
  const pool = config.proverThreads > 0 ? new WorkerPool(config.proverThreads) : undefined;
  // With remote provers, verification gets a process of its own: a returned proof must not wait behind a local one.
  const verifier = pool !== undefined && config.proverHub === undefined ? pool : new WorkerPool(1);
  const backends: ProofBackend[] = [];
  if (pool !== undefined) {
    backends.push(
      new LocalBackend(pool, {
        circuits: [key],
        ...(config.proverBinary === undefined ? {} : { proverBinary: config.proverBinary }),
      }),
    );
  }
  let hub: ProverHub | undefined;
  try {
    if (config.proverHub !== undefined) {
      hub = await ProverHub.start({
        ...(await hubOptions(config.proverHub)),
        circuits: [{ name: config.circuit, zkeySha256: key.zkeySha256 }],
        verify: (_zkey, proof) => verifyProof(verifier, key.verificationKey, proof),
        log: log.child({ module: "prover-hub" }),
      });
      backends.push(hub);
    }
  } catch (error) {
    await Promise.all([pool?.close(), verifier.close()]);
    throw error;
  }
  const scheduler = new ProofScheduler(backends);
  return {
    scheduler,
    verifier,
    hub,
    threads: config.proverThreads,
    async close() {
      await scheduler.close();
      if (verifier !== pool) await verifier.close();
    },
  };
}

async function hubOptions(hub: ProverHubConfig) {
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new MinerConfigError(`proverHub: cannot read the TLS ${what} ${path}: ${(error as Error).message}`);
    }
  };
  return {
    listen: hub.listen,
    secret: hub.secret,
    taskDeadlineMs: hub.taskDeadlineSeconds * 1000,
    ...(hub.tlsCert !== undefined && hub.tlsKey !== undefined
      ? { tls: { cert: await read(hub.tlsCert, "certificate"), key: await read(hub.tlsKey, "key") } }
      : {}),
  };
}

/** One base chain's part of the miner: its follower, replay, transaction manager and the three modules. */
interface ChainRunner {
  readonly context: ChainContext;
  readonly health: ChainHealth;
  readonly follower: ChainFollower;
  readonly replay: L2Replay;
  readonly txs: TxManager<TxKind>;
  readonly sender: ProofSender;
  readonly manager: ProofManager;
  readonly rewards: Rewards;
  readonly pollIntervalMs: number;
}

/** The longest wait between retries of a failing chain (an RPC down for a while is asked twice a minute). */
const MAX_BACKOFF_MS = 30_000;

/**
 * The aggregator a miner runs (MISSION.md, "The aggregator"): for each base
 * chain a follower, the L2 replay, a transaction manager, the Proof Manager
 * and the Proof Sender; one Proof Generator and one pool of prover threads
 * shared by all chains; one database.
 *
 * Miner.start checks every chain before sending anything (chain id, the
 * rollup's circuit and verifier, the genesis, the stake) and throws a
 * MinerConfigError on the first mismatch. `stop()` ends the loops, fails the
 * proofs in flight back to the queue and closes the database; `done` settles
 * when the miner has stopped (rejected if it stopped on a fatal error).
 */
export class Miner {
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private fatal: Error | undefined;
  private stopped: Promise<void> | undefined;
  readonly startedAt = new Date();
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (error: Error) => void;

  private constructor(
    readonly address: string,
    private readonly store: MinerStore,
    private readonly proving: Proving,
    private readonly chains: readonly ChainRunner[],
    private readonly generator: ProofGenerator,
    readonly metrics: MinerMetrics,
    private readonly log: Logger,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // A caller that only awaits stop() must not see an unhandled rejection.
    this.done.catch(() => undefined);
  }

  static async start(options: MinerOptions): Promise<Miner> {
    const { config, key, log } = options;
    const metrics = options.metrics ?? new MinerMetrics();
    const circuitConfig = getCircuitConfig(config.circuit);
    const crypto = await loadL2Crypto();
    const miner = key.address;

    // Every check first: nothing is sent, nothing stored, until all chains pass. The circuit is built (or read from
    // the cache) only once a rollup's batch size and depth match it: a wrong circuit name fails in seconds, not
    // after a build of minutes.
    let built: ProvingKey | undefined;
    const loadCircuit = async (): Promise<ProvingKey> => {
      if (built !== undefined) return built;
      return (built =
        config.zkey === undefined && options.circuit !== undefined ? options.circuit : await minerProvingKey(config));
    };
    const checked = [];
    try {
      for (const chain of config.chains) {
        // A connection reset on the way (an RPC closing a kept-alive connection, a node restarting) is asked again.
        const provider = await retryTransient(() => connectChain(chain));
        const { genesis, genesisRoot } = await loadGenesis(chain, crypto);
        const { rollup, config: rollupConfig } = await retryTransient(() =>
          checkRollup({
            chain,
            provider,
            circuit: circuitConfig,
            verificationKey: async () => (await loadCircuit()).verificationKey,
            keyName: config.zkey === undefined ? undefined : `the verification key of zkey ${config.zkey}`,
            genesis,
            genesisRoot,
            miner,
          }),
        );
        checked.push({ chain, provider, genesis, rollup, rollupConfig, circuit: await loadCircuit() });
      }
    } catch (error) {
      // Reading a zkey's verification key starts snarkjs's curve threads, which would keep a refused process alive.
      await releaseSnarkjsWorkers();
      throw error;
    }

    const store = await openDatabase(
      config.databaseUrl !== undefined ? { url: config.databaseUrl } : { dataDir: config.dataDir },
    );
    log.info({ database: store.where, backend: store.backend, miner }, "database open");
    let proving: Proving;
    try {
      proving = await startProving(config, await loadCircuit(), log);
    } catch (error) {
      await store.close();
      throw error;
    }
    metrics.proverThreads.set(config.proverThreads);
    const runners: ChainRunner[] = [];
    const byChain = new Map<bigint, ChainProving>();
    try {
      for (const { chain, provider, genesis, rollup, rollupConfig, circuit } of checked) {
        const chainLog = log.child({ chain: chain.name });
        const chainId = BigInt(chain.chainId);
        const context: ChainContext = {
          name: chain.name,
          chainId,
          provider,
          rollup,
          rollupAddress: await rollup.getAddress(),
          config: rollupConfig,
          // The replay needs every sequence from the genesis, so the follower always reads from the deployment
          // block; startBatch decides only what is proven (ProofGenerator.plan).
          fromBlock: BigInt(chain.deploymentBlock),
          confirmations: chain.confirmations,
          startBatch: BigInt(chain.startBatch),
          genesis,
          miner,
          db: store.db,
          log: chainLog,
          metrics,
        };
        const health: ChainHealth = { reorgs: 0, rpcErrors: 0, lastRpcError: null, headBlock: 0n };
        const wallet = key.connect(provider);
        const txs = new TxManager({
          db: txTables(store.db),
          chainId,
          signer: wallet,
          confirmations: Math.max(1, chain.confirmations),
          replaceAfterBlocks: chain.replaceAfterBlocks,
          decodeError: (data) => rollup.interface.parseError(data)?.name,
          log: chainLog.child({ module: "tx" }),
        });
        const replay = new L2Replay(context, crypto);
        const follower = new ChainFollower(context, health, () => {
          replay.reset();
        });
        await follower.init();
        const sender = new ProofSender(context, wallet as Wallet, txs);
        const manager = new ProofManager(context, sender);
        const rewards = new Rewards(context, wallet as Wallet, txs);
        const prover = await BatchProver.create({
          circuit: {
            wasmPath: circuit.wasmPath,
            zkeyPath: circuit.zkeyPath,
            zkeySha256: circuit.zkeySha256,
            verificationKey: circuit.verificationKey,
            batchSize: circuitConfig.batchSize,
          },
          chainId: genesis.chainId,
          scheduler: proving.scheduler,
          verifier: proving.verifier,
        });
        byChain.set(chainId, { chain: context, replay, prover });
        runners.push({
          context,
          health,
          follower,
          replay,
          txs,
          sender,
          manager,
          rewards,
          pollIntervalMs: chain.pollIntervalMs,
        });
      }
    } catch (error) {
      await proving.close();
      await store.close();
      throw error;
    }
    const zkeySha256 = (await loadCircuit()).zkeySha256;
    const generator = new ProofGenerator(
      byChain,
      store.db,
      { miner, claimant: claimantId(), capacity: () => proving.scheduler.capacity(zkeySha256) },
      log.child({ module: "proof-generator" }),
      metrics,
    );
    const instance = new Miner(miner, store, proving, runners, generator, metrics, log);
    await instance.resume();
    instance.run(Math.min(...runners.map((r) => r.pollIntervalMs)));
    log.info(
      { chains: runners.map((r) => r.context.name), threads: config.proverThreads, proverHubPort: proving.hub?.port },
      "miner started",
    );
    return instance;
  }

  /** The port remote provers dial (undefined without a proverHub). */
  get proverHubPort(): number | undefined {
    return this.proving.hub?.port;
  }

  /** What was in flight when the miner last stopped: proof tasks, transactions, commits. */
  private async resume(): Promise<void> {
    // The replay first, from what the database holds: the generator proves from its states, and a task resumed
    // before them would find none.
    for (const runner of this.chains) await runner.replay.sync();
    await this.generator.recover();
    for (const runner of this.chains) {
      await retryTransient(() => runner.txs.start());
      await runner.manager.submitPendingProof();
    }
  }

  private run(generatorIntervalMs: number): void {
    for (const runner of this.chains) this.loops.push(this.chainLoop(runner));
    this.loops.push(this.generatorLoop(generatorIntervalMs));
  }

  private async chainLoop(runner: ChainRunner): Promise<void> {
    const { signal } = this.abort;
    let backoff = runner.pollIntervalMs;
    while (!signal.aborted) {
      try {
        await this.chainStep(runner);
        runner.health.lastRpcError = null;
        backoff = runner.pollIntervalMs;
        await sleep(runner.pollIntervalMs, signal);
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may abort during the await
        if (signal.aborted) return;
        if (error instanceof ReplayMismatchError || error instanceof FollowerConfigError) {
          this.fail(error);
          return;
        }
        // Anything else is taken as transient (an RPC that times out, a node restarting): retried with backoff.
        runner.health.rpcErrors += 1;
        runner.health.lastRpcError = describeError(error);
        this.metrics.rpcErrors.inc({ chain: runner.context.name, method: "step" });
        runner.context.log.warn({ error: runner.health.lastRpcError, retryInMs: backoff }, "chain step failed");
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async chainStep(runner: ChainRunner): Promise<void> {
    for (let steps = 0; steps < 50; steps++) {
      const step = await runner.follower.step();
      if (step.blocks === 0 && step.reorgedTo === undefined) break;
    }
    await runner.replay.sync();
    await runner.txs.poll();
    await runner.manager.tryFetchProofToSend();
    await runner.manager.processResend();
    await runner.sender.tick();
    await runner.rewards.tick();
  }

  private async generatorLoop(intervalMs: number): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        await this.generator.plan();
        await this.generator.fill();
        this.metrics.proverBusy.set(this.proving.scheduler.busy);
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may abort during the await
        if (signal.aborted) return;
        this.log.error({ error: describeError(error) }, "the proof generator failed a step; retrying");
      }
      await sleep(intervalMs, signal);
    }
  }

  private fail(error: Error): void {
    this.log.fatal({ error: error.message }, "the miner stops");
    this.fatal = error;
    void this.stop();
  }

  /** Stops the loops, sends proofs in flight back to the queue, closes the database. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.abort.abort();
      this.generator.stopping = true;
      await Promise.allSettled(this.loops);
      await this.proving.close();
      await this.generator.idle();
      await releaseSnarkjsWorkers();
      await this.store.close();
      this.log.info("miner stopped");
      if (this.fatal === undefined) this.resolveDone();
      else this.rejectDone(this.fatal);
    })();
    return this.stopped;
  }

  /** The status view's snapshot. */
  async status(): Promise<MinerStatus> {
    const chains: ChainStatus[] = [];
    for (const runner of this.chains) chains.push(await chainStatus(runner));
    return {
      miner: this.address,
      startedAt: this.startedAt,
      chains,
      provers: {
        threads: this.proving.threads,
        remote: this.proving.hub?.provers() ?? [],
        busy: this.proving.scheduler.busy,
        queued: this.proving.scheduler.queued,
      },
    };
  }
}

/** A chain's genesis file and its root; a file that is missing or malformed is a MinerConfigError naming it. */
async function loadGenesis(chain: ChainConfig, crypto: L2Crypto): Promise<{ genesis: Genesis; genesisRoot: bigint }> {
  try {
    const genesis = await readGenesis(chain.genesis);
    return { genesis, genesisRoot: genesisState(crypto, genesis, chain.genesis).root };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new MinerConfigError(`chain ${chain.name}: cannot use the genesis ${chain.genesis}: ${reason}`);
  }
}

async function chainStatus(runner: ChainRunner): Promise<ChainStatus> {
  const { db, chainId, miner, name, rollupAddress } = runner.context;
  const count = async (query: Promise<{ count: string | number | bigint } | undefined>) =>
    Number((await query)?.count ?? 0);
  const sequences = db.selectFrom("sequence").where("chain_id", "=", chainId);
  const commits = db.selectFrom("commit").where("chain_id", "=", chainId).where("miner", "=", miner);
  const cursor = await db
    .selectFrom("chain")
    .select("processed_block")
    .where("chain_id", "=", chainId)
    .executeTakeFirst();
  const proving = await count(
    db
      .selectFrom("proof_task")
      .select((eb) => eb.fn.count<string>("sequence").distinct().as("count"))
      .where("chain_id", "=", chainId)
      .where("miner", "=", miner)
      .where("status", "in", ["queued", "running"])
      .executeTakeFirst(),
  );
  const proven = await count(
    db
      .selectFrom("proof")
      .innerJoin("sequence", (join) =>
        join.onRef("sequence.chain_id", "=", "proof.chain_id").onRef("sequence.sequence", "=", "proof.sequence"),
      )
      .leftJoin("commit", (join) =>
        join
          .onRef("commit.chain_id", "=", "proof.chain_id")
          .onRef("commit.sequence", "=", "proof.sequence")
          .onRef("commit.miner", "=", "proof.miner")
          .on("commit.state", "!=", "abandoned"),
      )
      .select((eb) => eb.fn.countAll<string>().as("count"))
      .where("proof.chain_id", "=", chainId)
      .where("proof.miner", "=", miner)
      .where("proof.kind", "=", "final")
      .where("sequence.state", "=", "posted")
      .where("commit.sequence", "is", null)
      .executeTakeFirst(),
  );
  const sums = await db
    .selectFrom("commit")
    .select((eb) => [
      eb.fn.sum<string>(eb.cast("reward", "numeric")).as("reward"),
      eb.fn.sum<string>(eb.cast("penalty", "numeric")).as("penalty"),
    ])
    .where("chain_id", "=", chainId)
    .where("miner", "=", miner)
    .executeTakeFirst();
  const claimed = BigInt(sums?.reward ?? 0);
  return {
    name,
    chainId,
    rollup: rollupAddress,
    headBlock: runner.health.headBlock,
    confirmedBlock: cursor?.processed_block ?? 0n,
    sequences: {
      seen: await count(sequences.select((eb) => eb.fn.countAll<string>().as("count")).executeTakeFirst()),
      proving,
      proven,
      committed: await count(
        commits
          .select((eb) => eb.fn.countAll<string>().as("count"))
          .where("state", "in", ["committing", "committed"])
          .executeTakeFirst(),
      ),
      revealed: await count(
        commits
          .select((eb) => eb.fn.countAll<string>().as("count"))
          .where("state", "=", "revealing")
          .executeTakeFirst(),
      ),
      verifiedByUs: await count(
        sequences
          .select((eb) => eb.fn.countAll<string>().as("count"))
          .where("state", "=", "verified")
          .where("verified_by", "=", miner)
          .executeTakeFirst(),
      ),
      verifiedByOthers: await count(
        sequences
          .select((eb) => eb.fn.countAll<string>().as("count"))
          .where("state", "=", "verified")
          .where("verified_by", "!=", miner)
          .executeTakeFirst(),
      ),
    },
    nextDeadline: runner.sender.nextDeadline(),
    rewardsEarned: claimed,
    rewardsClaimed: claimed,
    penalties: BigInt(sums?.penalty ?? 0),
    reorgs: runner.health.reorgs,
    rpcErrors: runner.health.rpcErrors,
    lastRpcError: runner.health.lastRpcError,
  };
}
