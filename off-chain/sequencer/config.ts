import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

import { isAddress, isHexString } from "ethers";
import { z } from "zod";

import { CIRCUIT_CONFIGS } from "../circuits/index.js";
import { deployedAddress, GENESIS_FILE, ROLLUP_FILE } from "../deploy/deployment-folder.js";

/** A config, flag or key the sequencer cannot start with; the message says what and where. */
export class SequencerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SequencerConfigError";
  }
}

/** The settings of a sequencer, as its config file holds them (paths relative to the file). */
export const sequencerConfigSchema = z
  .object({
    /** The base chain's JSON-RPC endpoint. */
    rpcUrl: z.url({ protocol: /^https?$/ }),
    /** The base chain's id, when given: the RPC must report it. */
    chainId: z.number().int().positive().optional(),
    /** The ZkPowRollup contract. */
    rollup: z.string().refine((value) => isAddress(value), { message: "not an address" }),
    /** The rollup's published L2 genesis file. */
    genesis: z.string().min(1),
    /** The batch circuit the rollup proves with (its name, e.g. "b2d4"): it fixes the batch size. */
    circuit: z.string().refine((name) => CIRCUIT_CONFIGS.some((c) => c.name === name), {
      message: `not a circuit configuration (known: ${CIRCUIT_CONFIGS.map((c) => c.name).join(", ")})`,
    }),
    /** The block the rollup was deployed in: reading posted sequences starts there. */
    deploymentBlock: z.number().int().min(0).default(0),
    /** The embedded database's directory (PGlite). */
    dataDir: z.string().min(1).default(".zkpow-sequencer"),
    /** PostgreSQL instead of PGlite (DATABASE_URL overrides it); tables go into the connection's current schema. */
    databaseUrl: z.string().optional(),
    /** Where the HTTP API listens. */
    host: z.string().min(1).default("127.0.0.1"),
    /** The API's port; 0 picks a free one. */
    port: z.number().int().min(0).max(65535).default(8600),
    /** A partial batch is sealed once its oldest transfer waited this long (a full one at once). */
    batchTimeoutMs: z.number().int().min(0).default(5_000),
    /** Sealed batches are posted once the oldest waited this long, or at once when they fill a sequence. */
    sequenceTimeoutMs: z.number().int().min(0).default(0),
    /** Blocks deep a posting (and a verification) must be before the sequencer counts it as final. */
    confirmations: z.number().int().min(1).default(2),
    /** How often the sequencer looks at the chain and its batches. */
    pollIntervalMs: z.number().int().min(20).default(500),
    /** A posting not mined after this many blocks is replaced with higher fees. */
    replaceAfterBlocks: z.number().int().min(1).default(3),
    /** Accepted transfers not yet posted above which POST /transfers answers MEMPOOL_FULL. */
    maxPendingTransfers: z.number().int().min(1).default(10_000),
  })
  .strict();

export type SequencerConfig = z.infer<typeof sequencerConfigSchema>;
/** What a config file or the programmatic options may leave out. */
export type SequencerConfigInput = z.input<typeof sequencerConfigSchema>;

/** Checks settings; every bad value is named with its path and `source` (a file, "flags", "options"). */
export function parseSequencerConfig(input: unknown, source: string): SequencerConfig {
  const result = sequencerConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "(the config)";
    return `${path}: ${issue.message}`;
  });
  throw new SequencerConfigError(`${source}: ${problems.join("; ")}`);
}

/** Reads a config file, applies the flags over it, and resolves its paths relative to the file. */
export async function readSequencerConfig(
  file: string,
  overrides: Readonly<Partial<Record<keyof SequencerConfigInput, unknown>>> = {},
): Promise<SequencerConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new SequencerConfigError(`cannot read the config file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SequencerConfigError(`${file}: not JSON (${(error as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new SequencerConfigError(`${file}: the config must be a JSON object`);
  }
  const base = dirname(resolve(file));
  const fromFile = json as Record<string, unknown>;
  // Paths in the file are the file's; paths given as flags are the shell's (already resolved by the caller).
  for (const key of ["genesis", "dataDir"] as const) {
    const value = fromFile[key];
    if (typeof value === "string") fromFile[key] = resolve(base, value);
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return parseSequencerConfig({ ...fromFile, ...defined }, file);
}

/**
 * The rollup of an Ignition deployment folder: ignition/deployments/<id>/
 * holds deployed_addresses.json (the rollup under a key ending in
 * #ZkPowRollup) and the genesis.json the deployment published next to it.
 */
export async function readDeployment(
  dir: string,
): Promise<{ rollup: string; genesis: string; deploymentBlock?: number }> {
  let rollup: string;
  try {
    rollup = await deployedAddress(dir, "rollup");
  } catch (error) {
    throw new SequencerConfigError(`the deployment ${dir}: ${(error as Error).message}`);
  }
  // rollup.json (published by rollup:deploy) says where the rollup's history starts; a folder without it is read
  // from block 0.
  const published = join(dir, ROLLUP_FILE);
  let deploymentBlock: number | undefined;
  if (existsSync(published)) {
    const record = JSON.parse(await readFile(published, "utf8")) as { deploymentBlock?: unknown };
    if (typeof record.deploymentBlock !== "number" || !Number.isInteger(record.deploymentBlock)) {
      throw new SequencerConfigError(`${published}: deploymentBlock is not a block number`);
    }
    deploymentBlock = record.deploymentBlock;
  }
  return {
    rollup,
    genesis: resolve(dir, GENESIS_FILE),
    ...(deploymentBlock === undefined ? {} : { deploymentBlock }),
  };
}

/** The environment variable that holds the sequencer's key (never a flag: shell histories keep flags). */
export const KEY_VARIABLE = "SEQUENCER_PRIVATE_KEY";

/** The sequencer's key from the environment: a 32-byte hex private key. */
export function sequencerKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const key = env[KEY_VARIABLE];
  if (key === undefined || key === "") {
    throw new SequencerConfigError(
      `set ${KEY_VARIABLE} to the private key of the account holding the rollup's SEQUENCER role (it pays the batch fees)`,
    );
  }
  const hex = key.startsWith("0x") ? key : `0x${key}`;
  if (!isHexString(hex, 32)) throw new SequencerConfigError(`${KEY_VARIABLE} is not a 32-byte hex private key`);
  return hex;
}
