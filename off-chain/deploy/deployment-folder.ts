import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { isAddress } from "ethers";

import { FUTURE_IDS, ZKPOW_MODULE_ID } from "../../ignition/modules/ZkPowRollup.js";
import { formatGenesis, parseGenesis, type Genesis } from "../l2/genesis.js";

/**
 * A rollup's deployment on one chain is Ignition's deployment folder
 * (ignition/deployments/<id>/: journal.jsonl, deployed_addresses.json, the
 * artifacts and build info hardhat-verify needs) plus what zkpow publishes
 * next to it: genesis.json, the L2 genesis a miner loads (its root is the
 * rollup's genesis state root), and rollup.json, what a miner's configuration
 * needs of the deployment.
 */
export const GENESIS_FILE = "genesis.json";
export const ROLLUP_FILE = "rollup.json";

/** A deployment folder that is missing or does not hold what a command needs. */
export class DeploymentFolderError extends Error {
  override readonly name = "DeploymentFolderError";
}

export function deploymentDir(ignitionDir: string, deploymentId: string): string {
  return path.join(ignitionDir, "deployments", deploymentId);
}

/** deployed_addresses.json's key of a future of the module. */
export function futureKey(future: keyof typeof FUTURE_IDS): string {
  return `${ZKPOW_MODULE_ID}#${FUTURE_IDS[future]}`;
}

/** The address Ignition recorded for a contract of the module. */
export async function deployedAddress(dir: string, future: keyof typeof FUTURE_IDS): Promise<string> {
  const file = path.join(dir, "deployed_addresses.json");
  if (!existsSync(file)) {
    throw new DeploymentFolderError(
      `no deployment in ${dir} (no deployed_addresses.json): deploy with rollup:deploy, or give --rollup <address>`,
    );
  }
  const addresses = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  const address = addresses[futureKey(future)];
  if (typeof address !== "string" || !isAddress(address)) {
    throw new DeploymentFolderError(`${file} has no address for ${futureKey(future)}`);
  }
  return address;
}

/** The genesis published with the deployment, or undefined before the first deploy. */
export async function publishedGenesis(dir: string): Promise<Genesis | undefined> {
  const file = path.join(dir, GENESIS_FILE);
  if (!existsSync(file)) return undefined;
  return parseGenesis(await readFile(file, "utf8"), file);
}

/** What a miner's chain configuration (off-chain/miner/config.ts) needs of the deployment. */
export interface PublishedRollup {
  readonly network: string;
  readonly chainId: number;
  readonly rollup: string;
  /** The block of the rollup's deployment: where a miner starts reading posted sequences. */
  readonly deploymentBlock: number;
  readonly circuit: string;
  /** The sequence verifier's contract name. */
  readonly verifier: string;
  /** The L2 genesis, relative to this file. */
  readonly genesis: string;
  readonly genesisStateRoot: string;
}

/** Writes genesis.json and rollup.json into the deployment folder. */
export async function publishDeployment(dir: string, genesis: Genesis, rollup: PublishedRollup): Promise<void> {
  await writeFile(path.join(dir, GENESIS_FILE), formatGenesis(genesis));
  await writeFile(path.join(dir, ROLLUP_FILE), JSON.stringify(rollup, null, 2) + "\n");
}

/**
 * The block of the rollup's deployment transaction, from Ignition's journal
 * (Ignition returns addresses only). Undefined if the journal has no receipt.
 */
export async function rollupDeploymentBlock(dir: string): Promise<number | undefined> {
  const file = path.join(dir, "journal.jsonl");
  if (!existsSync(file)) return undefined;
  const rollupFuture = futureKey("rollup");
  for (const line of (await readFile(file, "utf8")).split("\n")) {
    if (!line.includes(rollupFuture) || !line.includes('"receipt"')) continue;
    const entry = JSON.parse(line) as { futureId?: string; receipt?: { blockNumber?: unknown } };
    if (entry.futureId === rollupFuture && typeof entry.receipt?.blockNumber === "number") {
      return entry.receipt.blockNumber;
    }
  }
  return undefined;
}
