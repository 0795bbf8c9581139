import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { HDNodeWallet, Mnemonic } from "ethers";
import { network } from "hardhat";
import type { JsonRpcServer } from "hardhat/types/network";
import pg from "pg";
import pino from "pino";

import { formatGenesis } from "../../off-chain/l2/index.js";
import { parseMinerConfig, type MinerConfig } from "../../off-chain/miner/config.js";
import { Miner } from "../../off-chain/miner/miner.js";
import { MinerMetrics } from "../../off-chain/miner/metrics.js";
import { testCircuit } from "./circuit.js";
import { deployTestRollup, TEST_SETTINGS, type RollupFixture } from "./rollup.js";

/** Hardhat's default accounts: the miners are #3, #4 and #5 (deployTestRollup stakes them). */
const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
export function accountKey(index: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${index}`);
}
export const MINER_ACCOUNTS = [3, 4, 5] as const;

/** A simulated base chain served over HTTP (as a miner meets a real one), with the rollup deployed on it. */
export interface MinerNetwork {
  readonly url: string;
  readonly chainId: number;
  readonly fixture: RollupFixture;
  readonly dir: string;
  readonly genesisFile: string;
  readonly deploymentBlock: number;
  request(method: string, params?: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Starts a simulated base chain behind a JSON-RPC server on a free port,
 * mining a block every `intervalMs` (and on each transaction), deploys the
 * rollup with windows of `windowBlocks`, stakes the three miners, and writes
 * the genesis file a miner loads.
 */
export async function startMinerNetwork(
  options: { windowBlocks?: number; intervalMs?: number; chainId?: number; rollupChainId?: bigint } = {},
): Promise<MinerNetwork> {
  const chainId = options.chainId ?? 31_337;
  const server: JsonRpcServer = await network.createServer({
    network: "default",
    override: { chainId, mining: { auto: true, interval: 0 } },
  });
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  const connection = await network.create({ network: "localhost", override: { url, chainId } });
  const windowBlocks = options.windowBlocks ?? 30;
  const fixture = await deployTestRollup(connection, {
    chain: { name: "local", chainId, blockTimeSeconds: 1, forkUrlVariable: "" },
    ...(options.rollupChainId !== undefined ? { rollupChainId: options.rollupChainId } : {}),
    settings: { ...TEST_SETTINGS, commitWindowSeconds: windowBlocks, revealWindowSeconds: windowBlocks },
  });
  const deploymentBlock = (await fixture.rollup.deploymentTransaction()?.wait())?.blockNumber ?? 0;
  const request = (method: string, params: unknown[] = []) => connection.provider.request({ method, params });
  await request("evm_setIntervalMining", [options.intervalMs ?? 250]);
  const dir = await mkdtemp(join(tmpdir(), "zkpow-miner-"));
  const genesisFile = join(dir, "genesis.json");
  const { l2 } = fixture;
  await writeFile(
    genesisFile,
    formatGenesis({
      chainId: l2.chainId,
      treeDepth: l2.genesis.treeDepth,
      accounts: l2.keys.map((key, i) => ({
        publicKey: key.publicKey,
        balance: l2.genesis.account(i)?.balance ?? 0n,
      })),
    }),
  );
  return {
    url,
    chainId,
    fixture,
    dir,
    genesisFile,
    deploymentBlock,
    request,
    async close() {
      await connection.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A miner config for chains of startMinerNetwork, as a person would write it (parsed by the same code). */
export function minerConfig(
  chains: readonly MinerNetwork[],
  options: {
    dataDir: string;
    threads?: number;
    databaseUrl?: string;
    startBatch?: number;
    confirmations?: number;
    pollIntervalMs?: number;
    /** Remote provers dial in here; the secret is PROVER_SECRET. */
    proverHubListen?: string;
  },
): MinerConfig {
  const json = {
    circuit: "b2d4",
    dataDir: options.dataDir,
    ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
    proverThreads: options.threads ?? 1,
    ...(options.proverHubListen !== undefined ? { proverHub: { listen: options.proverHubListen } } : {}),
    chains: chains.map((chain, i) => ({
      name: `chain${i}`,
      rpcUrl: chain.url,
      chainId: chain.chainId,
      rollup: chain.fixture.rollup.target as string,
      genesis: chain.genesisFile,
      deploymentBlock: chain.deploymentBlock,
      confirmations: options.confirmations ?? 1,
      startBatch: options.startBatch ?? 1,
      pollIntervalMs: options.pollIntervalMs ?? 200,
      replaceAfterBlocks: 8,
    })),
  };
  return parseMinerConfig(
    JSON.stringify(json),
    join(options.dataDir, "..", "miner.json"),
    {},
    {
      ZKPOW_PROVER_SECRET: PROVER_SECRET,
    },
  );
}

/** The prover secret of the test miners' hubs. */
export const PROVER_SECRET = "test-prover-secret-0123456789";

/** Starts a miner in this process with account `account`'s key; logs go to `logFile` (JSON lines). */
export async function startMiner(config: MinerConfig, account: number, logFile?: string): Promise<Miner> {
  const log = pino(
    { level: "debug", base: { account } },
    logFile === undefined ? pino.destination({ dest: "/dev/null" }) : pino.destination({ dest: logFile, sync: true }),
  );
  return Miner.start({
    config,
    key: accountKey(account),
    log,
    metrics: new MinerMetrics(),
    circuit: await testCircuit(),
  });
}

/** Polls `check` until it returns a value other than undefined/false, or fails naming `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 240_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The machine's PostgreSQL (here and on CI). */
export const POSTGRES_URL = process.env.ZKPOW_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh PostgreSQL schema of its own for one run of a miner, and a client to look into it. */
export interface PostgresSchema {
  readonly schema: string;
  /** The database URL a miner config takes: POSTGRES_URL with the schema as its search_path. */
  readonly url: string;
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** Drops the schema and everything in it, and closes the client. */
  drop(): Promise<void>;
}

/**
 * Creates an empty schema for a miner that knows only a database URL (its
 * config has no schema field). The URL selects the schema with libpq's
 * `options` parameter, `?options=-c search_path=NAME` (URL-encoded), which pg
 * sends when it connects; the schema must exist (the miner migrates into the
 * current schema and refuses to start without one), hence created here.
 */
export async function freshPostgresSchema(): Promise<PostgresSchema> {
  const schema = `zkpow_miner_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`create schema "${schema}"`);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    schema,
    url: url.toString(),
    async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
      await client.query(`set search_path to "${schema}"`);
      return (await client.query<R>(text, values)).rows;
    },
    async drop() {
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A line of a miner's JSON log (pino). */
export type LogLine = Record<string, unknown> & { msg: string };

/** The lines a miner has logged to `file` so far (none if it has not created the file yet). */
export async function readLog(file: string): Promise<LogLine[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LogLine);
}

/** Waits for a log line with this message (and matching fields); returns it. */
export function logged(
  file: string,
  msg: string,
  match: (line: LogLine) => boolean = () => true,
  timeoutMs = 120_000,
): Promise<LogLine> {
  return waitFor(
    `"${msg}" in ${file}`,
    async () => (await readLog(file)).find((line) => line.msg === msg && match(line)),
    timeoutMs,
  );
}
