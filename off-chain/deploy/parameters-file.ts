import { readFile } from "node:fs/promises";

import { isAddress } from "ethers";
import { z } from "zod";

import { CIRCUIT_CONFIGS } from "../circuits/configurations.js";
import type { RollupSettings } from "./settings.js";

/**
 * A deployment's parameter file (ignition/parameters/<network>.json): what a
 * person chooses, windows in SECONDS and amounts in the token's base units
 * (decimal strings: JSON has no bigints). rollup:deploy converts the windows
 * to the chain's blocks (rollupConfigValues, the code the tests use) and
 * passes block values to the Ignition module. The file is deliberately not in
 * Ignition's own parameter format, so that `npx hardhat ignition deploy
 * --parameters` cannot take seconds for blocks.
 */
export interface DeployParameters {
  /** The batch circuit configuration (e.g. "b2d4"): its batch size and tree depth, and its verifier. */
  readonly circuit: string;
  /**
   * Seconds per block to convert windows with; required where viem's chain
   * definition has none (the testnets), otherwise it overrides viem's.
   */
  readonly blockTimeSeconds?: number;
  /** The ERC-20 of stake, fees and rewards; omitted on a development chain, the module deploys a TestToken. */
  readonly token?: string;
  /** Receives the admin and parameters roles (default: the deployer). */
  readonly admin?: string;
  /** Receives the sequencer role (default: none). */
  readonly sequencer?: string;
  readonly settings: RollupSettings;
}

/** A parameter file that cannot be used; the message names the file and the field. */
export class DeployParametersError extends Error {
  override readonly name = "DeployParametersError";
}

const seconds = z.number().positive("must be a positive number of seconds");
const amount = z
  .string()
  .regex(
    /^\d+$/,
    'must be a decimal string of token base units (e.g. "100000000000000000000" for 100 tokens of 18 decimals)',
  )
  .transform((value) => BigInt(value));
const address = z.string().refine((value) => isAddress(value), "must be a 0x-prefixed 20-byte address");

const schema = z.strictObject({
  $comment: z.string().optional(),
  circuit: z.string().refine((name) => CIRCUIT_CONFIGS.some((config) => config.name === name), {
    message: `must be a known circuit configuration (${CIRCUIT_CONFIGS.map((config) => config.name).join(", ")})`,
  }),
  blockTimeSeconds: seconds.optional(),
  token: address.optional(),
  admin: address.optional(),
  sequencer: address.optional(),
  settings: z.strictObject({
    commitWindowSeconds: seconds,
    revealWindowSeconds: seconds,
    unbondingDelaySeconds: seconds,
    emergencyTimeoutSeconds: seconds,
    verifierUpgradeDelaySeconds: seconds,
    maxBatchesPerSequence: z.number().int().positive(),
    minimumStake: amount,
    missedProofPenalty: amount,
    invalidProofPenalty: amount,
    batchFee: amount,
  }),
});

/** Parses and checks a parameter file's text (`source` names it in errors). */
export function parseDeployParameters(text: string, source: string): DeployParameters {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DeployParametersError(`${source}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(file)"}: ${issue.message}`);
    throw new DeployParametersError(`${source}: ${issues.join("; ")}`);
  }
  const { $comment: _comment, ...parameters } = parsed.data;
  return parameters;
}

export async function readDeployParameters(file: string): Promise<DeployParameters> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new DeployParametersError(
      `cannot read the parameter file ${file} (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  return parseDeployParameters(text, file);
}
