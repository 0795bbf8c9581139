import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";

import { Wallet, isAddress, type HDNodeWallet } from "ethers";
import { z } from "zod";

import { CIRCUIT_CONFIGS } from "../circuits/index.js";

/** A config, flag or key the miner cannot start with; the message says what and where. */
export class MinerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MinerConfigError";
  }
}

const address = z.string().refine((value) => isAddress(value), { message: "not an address" });

const chainSchema = z
  .object({
    /** A name for logs, the status view and the metrics' `chain` label. */
    name: z.string().min(1),
    rpcUrl: z.url({ protocol: /^https?$/ }),
    /** The base chain's id: the RPC must report it. */
    chainId: z.number().int().positive(),
    rollup: address,
    /** The published genesis of the rollup (a path, relative to the config file). */
    genesis: z.string().min(1),
    /** Blocks of depth before the follower reads a block. */
    confirmations: z.number().int().min(0).default(2),
    /** Sequences whose last batch is below it are replayed for state but not proven. */
    startBatch: z.number().int().min(1).default(1),
    /** The block the rollup was deployed in (where the follower starts reading). */
    deploymentBlock: z.number().int().min(0).default(0),
    /** How often the follower and the Proof Sender look at the chain. */
    pollIntervalMs: z.number().int().min(50).default(1000),
    /** A transaction not mined after this many blocks is replaced with a higher fee. */
    replaceAfterBlocks: z.number().int().min(1).default(3),
  })
  .strict();

const configSchema = z
  .object({
    /** The batch circuit the miner proves with (its name, e.g. "b2d4"). */
    circuit: z.string().refine((name) => CIRCUIT_CONFIGS.some((c) => c.name === name), {
      message: `not a circuit configuration (known: ${CIRCUIT_CONFIGS.map((c) => c.name).join(", ")})`,
    }),
    /**
     * The final zkey of a trusted-setup ceremony to prove with (a path, relative to the config file); its
     * verification key is read from it, and every rollup's verifier must hold it. Omitted: the circuit's
     * development key from the build (`npx hardhat circuits`), for development chains only.
     */
    zkey: z.string().min(1).optional(),
    /** Where the embedded database lives (PGlite), relative to the config file. */
    dataDir: z.string().min(1).default(".zkpow-miner"),
    /**
     * PostgreSQL instead of the embedded database (DATABASE_URL overrides it). Tables go into the connection's
     * current schema; another schema than public: `?options=-c%20search_path%3Dname` (libpq's options, which pg
     * sends at connect; the schema must exist).
     */
    databaseUrl: z.string().optional(),
    /** Local prover processes (one proof each at a time); 0 proves only on remote provers (needs proverHub). */
    proverThreads: z.number().int().min(0).default(1),
    /**
     * An external Groth16 prover with rapidsnark's command line (`prover <zkey> <wtns> <proof.json> <public.json>`)
     * for the local prover processes (a path, relative to the config file); omitted: snarkjs.
     */
    proverBinary: z.string().min(1).optional(),
    /**
     * Remote prover machines (`npm run prover`) dial in here (docs/provers.md); omitted: local processes only.
     * They authenticate with ZKPOW_PROVER_SECRET, which is never in this file.
     */
    proverHub: z
      .object({
        /** host:port to listen on. */
        listen: z.string().min(1).default("0.0.0.0:50051"),
        /** PEM certificate chain and key (paths relative to the config file): provers then connect with TLS. */
        tlsCert: z.string().min(1).optional(),
        tlsKey: z.string().min(1).optional(),
        /** A task not proven in this long goes to another prover. */
        taskDeadlineSeconds: z.number().int().min(10).default(1800),
      })
      .strict()
      .optional(),
    /** Prometheus metrics on this port (127.0.0.1); 0 picks a free one; omitted: no metrics server. */
    metricsPort: z.number().int().min(0).max(65535).optional(),
    chains: z.array(chainSchema).min(1),
  })
  .strict();

export type ChainConfig = z.infer<typeof chainSchema>;
type ParsedConfig = z.infer<typeof configSchema>;
export type ProverHubConfig = NonNullable<ParsedConfig["proverHub"]> & { readonly secret: string };
export type MinerConfig = Omit<ParsedConfig, "proverHub"> & {
  readonly proverHub?: ProverHubConfig;
  readonly source: string;
};

/** Overrides from the command line (flags win over the file). */
export interface MinerFlags {
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly proverThreads?: number;
  readonly metricsPort?: number;
}

/** Parses and checks a miner config; paths in it are resolved from the file's directory. */
export function parseMinerConfig(text: string, source: string, flags: MinerFlags = {}, env = process.env): MinerConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MinerConfigError(`${source}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof json === "object" && json !== null && ("privateKey" in json || "key" in json)) {
    throw new MinerConfigError(
      `${source}: a key does not belong in the config; set MINER_PRIVATE_KEY, or MINER_KEYSTORE and MINER_KEYSTORE_PASSWORD`,
    );
  }
  const parsed = configSchema.safeParse({ ...(json as object), ...definedOnly(flags) });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(top)"}: ${issue.message}`);
    throw new MinerConfigError(`${source}: ${problems.join("; ")}`);
  }
  const config = parsed.data;
  const names = new Set<string>();
  const ids = new Set<number>();
  for (const chain of config.chains) {
    if (names.has(chain.name)) throw new MinerConfigError(`${source}: two chains are named "${chain.name}"`);
    if (ids.has(chain.chainId)) {
      throw new MinerConfigError(`${source}: chain id ${chain.chainId} appears twice (one rollup per base chain)`);
    }
    names.add(chain.name);
    ids.add(chain.chainId);
  }
  const base = dirname(resolve(source));
  const databaseUrl = env.DATABASE_URL ?? config.databaseUrl;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new MinerConfigError(
      `database URL must start with postgres:// or postgresql:// (from ${env.DATABASE_URL !== undefined ? "DATABASE_URL" : source})`,
    );
  }
  const hub = config.proverHub;
  if (config.proverThreads === 0 && hub === undefined) {
    throw new MinerConfigError(`${source}: proverThreads is 0 and there is no proverHub: nothing would prove`);
  }
  let proverHub: ProverHubConfig | undefined;
  if (hub !== undefined) {
    const secret = env.ZKPOW_PROVER_SECRET;
    if (secret === undefined || secret.length < 16) {
      throw new MinerConfigError(
        `${source}: proverHub needs ZKPOW_PROVER_SECRET (at least 16 characters) in the environment, the secret its provers present`,
      );
    }
    if ((hub.tlsCert === undefined) !== (hub.tlsKey === undefined)) {
      throw new MinerConfigError(`${source}: proverHub: tlsCert and tlsKey go together`);
    }
    proverHub = {
      ...hub,
      secret,
      ...(hub.tlsCert === undefined ? {} : { tlsCert: resolve(base, hub.tlsCert) }),
      ...(hub.tlsKey === undefined ? {} : { tlsKey: resolve(base, hub.tlsKey) }),
    };
  }
  return {
    ...config,
    proverHub,
    databaseUrl,
    dataDir: resolve(base, config.dataDir),
    ...(config.zkey === undefined ? {} : { zkey: resolve(base, config.zkey) }),
    ...(config.proverBinary === undefined ? {} : { proverBinary: resolve(base, config.proverBinary) }),
    chains: config.chains.map((chain) => ({ ...chain, genesis: resolve(base, chain.genesis) })),
    source,
  };
}

export async function readMinerConfig(file: string, flags: MinerFlags = {}): Promise<MinerConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new MinerConfigError(
      `cannot read the miner config ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return parseMinerConfig(text, file, flags);
}

/**
 * The miner's key: MINER_PRIVATE_KEY, or an encrypted JSON keystore at
 * MINER_KEYSTORE with its password in MINER_KEYSTORE_PASSWORD. Never a flag
 * or the config file (they end up in shell histories and backups).
 */
export async function loadMinerKey(env = process.env): Promise<Wallet | HDNodeWallet> {
  const key = env.MINER_PRIVATE_KEY;
  const keystore = env.MINER_KEYSTORE;
  if (key !== undefined && keystore !== undefined) {
    throw new MinerConfigError("set MINER_PRIVATE_KEY or MINER_KEYSTORE, not both");
  }
  if (key !== undefined) {
    try {
      return new Wallet(key);
    } catch {
      throw new MinerConfigError("MINER_PRIVATE_KEY is not a private key (32 bytes of hex)");
    }
  }
  if (keystore !== undefined) {
    const password = env.MINER_KEYSTORE_PASSWORD;
    if (password === undefined) throw new MinerConfigError("MINER_KEYSTORE is set; set MINER_KEYSTORE_PASSWORD too");
    let json: string;
    try {
      json = await readFile(keystore, "utf8");
    } catch (error) {
      throw new MinerConfigError(
        `cannot read MINER_KEYSTORE ${keystore}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
    try {
      return await Wallet.fromEncryptedJson(json, password);
    } catch (error) {
      throw new MinerConfigError(
        `cannot decrypt the keystore ${keystore} (wrong MINER_KEYSTORE_PASSWORD, or not a keystore): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  throw new MinerConfigError(
    "no miner key: set MINER_PRIVATE_KEY, or MINER_KEYSTORE and MINER_KEYSTORE_PASSWORD (never a flag or the config file)",
  );
}

function definedOnly(flags: MinerFlags): Partial<MinerFlags> {
  return Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
}
