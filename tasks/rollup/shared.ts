import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { isAddress } from "ethers";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";

import { ChainFactsError } from "../../off-chain/deploy/chains.js";
import { BlockTimeMismatchError, ChainMismatchError, RpcCheckError } from "../../off-chain/deploy/check-chain.js";
import { deployedAddress, DeploymentFolderError, deploymentDir } from "../../off-chain/deploy/deployment-folder.js";
import { DeployParametersError } from "../../off-chain/deploy/parameters-file.js";
import { RollupConfigError } from "../../off-chain/deploy/rollup-config.js";
import { connectedChain, defaultDeploymentId, type ConnectedChain } from "../../off-chain/deploy/target.js";
import { GenesisError } from "../../off-chain/l2/genesis.js";
import { ZkPowRollup__factory, type ZkPowRollup } from "../../types/ethers-contracts/index.js";

/** A task's input that cannot be used (a bad option, a missing role): the message says what and why. */
export class RollupTaskError extends Error {
  override readonly name = "RollupTaskError";
}

/** The options every rollup task that acts on a deployed rollup takes. */
export interface RollupTaskArguments {
  /** The rollup's address ("" to read it from the Ignition deployment folder). */
  readonly rollup: string;
  /** The Ignition deployment id ("" for zkpow-<network>). */
  readonly deploymentId: string;
  /** The account to act from ("" for the network's first account). */
  readonly from: string;
}

/** The rollup a task acts on, over a connection whose chain id was checked. */
export interface RollupContext {
  readonly connection: NetworkConnection;
  readonly chain: ConnectedChain;
  readonly signer: HardhatEthersSigner;
  readonly rollup: ZkPowRollup;
  readonly rollupAddress: string;
}

/** Connects to --network, checks the RPC's chain id, and picks the account to act from. */
export async function connect(
  hre: HardhatRuntimeEnvironment,
  from: string,
): Promise<{ connection: NetworkConnection; chain: ConnectedChain; signer: HardhatEthersSigner }> {
  // A connection of its own to --network (the task closes nothing: the process ends with it).
  const connection = await hre.network.create();
  const chain = await connectedChain(connection);
  const signers = await connection.ethers.getSigners();
  const signer =
    from === "" ? signers[0] : signers.find((candidate) => candidate.address.toLowerCase() === from.toLowerCase());
  if (signer === undefined) {
    throw new RollupTaskError(
      from === ""
        ? `network ${chain.network} has no account: configure its deployer key`
        : `--from ${from} is not one of network ${chain.network}'s accounts (${signers.map((s) => s.address).join(", ")})`,
    );
  }
  return { connection, chain, signer };
}

/** Connects, then finds the rollup: --rollup, or the address Ignition recorded for the deployment. */
export async function openRollup(hre: HardhatRuntimeEnvironment, args: RollupTaskArguments): Promise<RollupContext> {
  const { connection, chain, signer } = await connect(hre, args.from);
  let rollupAddress: string;
  if (args.rollup !== "") {
    if (!isAddress(args.rollup)) throw new RollupTaskError(`--rollup ${JSON.stringify(args.rollup)} is not an address`);
    rollupAddress = args.rollup;
  } else {
    const id = args.deploymentId === "" ? defaultDeploymentId(chain.network) : args.deploymentId;
    rollupAddress = await deployedAddress(deploymentDir(hre.config.paths.ignition, id), "rollup");
  }
  if ((await connection.ethers.provider.getCode(rollupAddress)) === "0x") {
    throw new RollupTaskError(
      `no contract at ${rollupAddress} on network ${chain.network} (chain id ${chain.chainId}): ` +
        `a deployment folder of another chain instance (a restarted local node?), or a wrong --rollup`,
    );
  }
  return { connection, chain, signer, rollup: ZkPowRollup__factory.connect(rollupAddress, signer), rollupAddress };
}

/** A token amount option: a decimal string of base units. */
export function parseAmount(name: string, value: string): bigint {
  if (!/^\d+$/.test(value)) {
    throw new RollupTaskError(`--${name} ${JSON.stringify(value)} must be a decimal number of token base units`);
  }
  return BigInt(value);
}

/** The user's errors (as opposed to bugs): Hardhat prints their message alone, without a bug-report link. */
const USER_ERRORS = [
  RollupTaskError,
  RollupConfigError,
  DeployParametersError,
  DeploymentFolderError,
  GenesisError,
  ChainFactsError,
  ChainMismatchError,
  BlockTimeMismatchError,
  RpcCheckError,
];

/** The name and arguments of a custom error a contract reverted with, when ethers decoded one. */
function revertReason(error: unknown): string | undefined {
  const revert = (error as { revert?: { name?: unknown; args?: unknown } } | undefined)?.revert;
  if (revert === undefined || typeof revert.name !== "string") return undefined;
  const args = Array.isArray(revert.args) ? revert.args.map(String).join(", ") : "";
  return `${revert.name}(${args})`;
}

/** Runs a task's body, turning the user's errors and contract refusals into plugin errors that say what happened. */
export async function runTask(what: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (USER_ERRORS.some((type) => error instanceof type)) {
      throw new HardhatPluginError("zkpow", `${what}: ${(error as Error).message}`, error as Error);
    }
    const reason = revertReason(error);
    if (reason !== undefined) {
      throw new HardhatPluginError("zkpow", `${what}: the rollup refused: ${reason}`, error as Error);
    }
    throw error;
  }
}
