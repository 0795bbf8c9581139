import type { Signer } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

import { zkPowRollupModule } from "../../ignition/modules/ZkPowRollup.js";
import type { IZkPowRollup } from "../../types/ethers-contracts/contracts/interfaces/IZkPowRollup.js";
import {
  ISequenceVerifier__factory,
  TestToken__factory,
  ZkPowRollup__factory,
  type ISequenceVerifier,
  type TestToken,
  type ZkPowRollup,
} from "../../types/ethers-contracts/index.js";
import { getCircuitConfig } from "../circuits/configurations.js";
import { sequenceVerifierName } from "../circuits/export-sequence-verifier.js";
import { secondsToBlocks, type BaseChain } from "./chains.js";
import { checkRollupConfig, RollupConfigError, type RollupConfigValues } from "./rollup-config.js";
import type { RollupSettings } from "./settings.js";

export interface DeployRollupOptions {
  readonly chain: BaseChain;
  readonly settings: RollupSettings;
  /** The batch circuit configuration whose verifier the rollup uses (e.g. "b2d4"). */
  readonly circuit: string;
  /** The rollup's (L2) chain id. */
  readonly rollupChainId: bigint;
  readonly genesisStateRoot: bigint;
  /** The ERC-20 of stake, fees and rewards; absent, the module deploys a TestToken (development chains only). */
  readonly token?: string;
  /** Receives the admin and parameters roles. */
  readonly admin: string;
  /** Receives the sequencer role (the zero address for none). */
  readonly sequencer: string;
  /** Deploys from this signer (default: the connection's first account). It must be one of the connection's accounts. */
  readonly deployer?: Signer;
  /**
   * The sequence verifier's contract name (default: the circuit's development verifier,
   * sequenceVerifierName(circuit.verifierName)). rollup:deploy refuses the development one off development chains.
   */
  readonly verifier?: string;
  /** Ignition's deployment id: an http network journals to ignition/deployments/<id> (default: Ignition's chain-<id>). */
  readonly deploymentId?: string;
  /** Show Ignition's progress UI (the deploy task does). */
  readonly displayUi?: boolean;
}

/** The deployed contracts and the configuration the rollup was given. */
export interface RollupDeployment {
  readonly rollup: ZkPowRollup;
  readonly verifier: ISequenceVerifier;
  readonly poseidonT3: string;
  readonly config: IZkPowRollup.ConfigStruct;
  /** The rollup's token (the given one, or the module's TestToken). */
  readonly token: string;
  /** The TestToken the module deployed when no token was given. */
  readonly testToken?: TestToken;
}

function windowBlocks(field: string, seconds: number, chain: BaseChain): bigint {
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new RollupConfigError(`${field}Seconds`, `is ${seconds}; a window must be a positive number of seconds`);
  }
  return secondsToBlocks(seconds, chain.blockTimeSeconds);
}

/** The constructor's configuration for a base chain: windows converted once from seconds to its blocks. */
export function rollupConfigValues(
  options: Pick<DeployRollupOptions, "chain" | "settings" | "circuit" | "rollupChainId">,
): RollupConfigValues {
  const { chain, settings } = options;
  const circuit = getCircuitConfig(options.circuit);
  return {
    chainId: options.rollupChainId,
    batchSize: BigInt(circuit.batchSize),
    treeDepth: BigInt(circuit.treeDepth),
    maxBatchesPerSequence: BigInt(settings.maxBatchesPerSequence),
    commitWindow: windowBlocks("commitWindow", settings.commitWindowSeconds, chain),
    revealWindow: windowBlocks("revealWindow", settings.revealWindowSeconds, chain),
    unbondingDelay: windowBlocks("unbondingDelay", settings.unbondingDelaySeconds, chain),
    emergencyTimeout: windowBlocks("emergencyTimeout", settings.emergencyTimeoutSeconds, chain),
    verifierUpgradeDelay: windowBlocks("verifierUpgradeDelay", settings.verifierUpgradeDelaySeconds, chain),
    minimumStake: settings.minimumStake,
    missedProofPenalty: settings.missedProofPenalty,
    invalidProofPenalty: settings.invalidProofPenalty,
    batchFee: settings.batchFee,
  };
}

/** The on-chain configuration for a base chain, as getConfig() returns it. */
export function rollupConfig(
  options: Pick<DeployRollupOptions, "chain" | "settings" | "circuit" | "rollupChainId"> & { readonly token: string },
  verifier: string,
): IZkPowRollup.ConfigStruct {
  return { ...rollupConfigValues(options), token: options.token, verifier };
}

/** The development verifier of a circuit configuration (from the deterministic dev beacon: anyone can forge proofs). */
export function developmentVerifierName(circuit: string): string {
  return sequenceVerifierName(getCircuitConfig(circuit).verifierName);
}

/**
 * Deploys a rollup on one base chain through the Ignition module
 * (ignition/modules/ZkPowRollup.ts): the Poseidon library, the sequence
 * verifier, the rollup contract (which grants the roles) and, without a
 * token, a TestToken. The deploy task and the tests both deploy through this
 * function. The configuration is checked against the constructor's rules
 * first: a refused one is a RollupConfigError and no transaction is sent.
 * A caller deploying to a real chain first runs `checkDeployTarget`
 * (./check-chain.ts): the RPC is that chain, and its recent blocks are as long
 * as the block time the windows are converted with.
 */
export async function deployRollup(
  connection: NetworkConnection,
  options: DeployRollupOptions,
): Promise<RollupDeployment> {
  const values = rollupConfigValues(options);
  checkRollupConfig({
    config: values,
    genesisStateRoot: options.genesisStateRoot,
    admin: options.admin,
    sequencer: options.sequencer,
    token: options.token,
  });
  const { ethers } = connection;
  const deployer = options.deployer ?? (await ethers.getSigners())[0];
  if (deployer === undefined) throw new Error(`no account to deploy from on ${options.chain.name}`);
  const module = zkPowRollupModule({
    verifier: options.verifier ?? developmentVerifierName(options.circuit),
    testToken: options.token === undefined,
  });
  const parameters = {
    rollupChainId: values.chainId,
    batchSize: values.batchSize,
    treeDepth: values.treeDepth,
    maxBatchesPerSequence: values.maxBatchesPerSequence,
    commitWindowBlocks: values.commitWindow,
    revealWindowBlocks: values.revealWindow,
    unbondingDelayBlocks: values.unbondingDelay,
    emergencyTimeoutBlocks: values.emergencyTimeout,
    verifierUpgradeDelayBlocks: values.verifierUpgradeDelay,
    minimumStake: values.minimumStake,
    missedProofPenalty: values.missedProofPenalty,
    invalidProofPenalty: values.invalidProofPenalty,
    batchFee: values.batchFee,
    genesisStateRoot: options.genesisStateRoot,
    admin: options.admin,
    sequencer: options.sequencer,
    ...(options.token === undefined ? {} : { token: options.token }),
  };
  const deployed = await connection.ignition.deploy(module, {
    parameters: { [module.id]: parameters },
    defaultSender: await deployer.getAddress(),
    ...(options.deploymentId === undefined ? {} : { deploymentId: options.deploymentId }),
    displayUi: options.displayUi ?? false,
  });
  const address = async (name: string): Promise<string | undefined> => deployed[name]?.getAddress();
  const rollupAddress = await address("rollup");
  const verifierAddress = await address("verifier");
  const poseidonT3 = await address("poseidonT3");
  if (rollupAddress === undefined || verifierAddress === undefined || poseidonT3 === undefined) {
    throw new Error(`Ignition's result lacks a contract of ${module.id}: ${Object.keys(deployed).join(", ")}`);
  }
  const testTokenAddress = await address("testToken");
  const testToken = testTokenAddress === undefined ? undefined : TestToken__factory.connect(testTokenAddress, deployer);
  const token = options.token ?? (await testToken?.getAddress());
  if (token === undefined) throw new Error("the module deployed no token and none was given");
  return {
    rollup: ZkPowRollup__factory.connect(rollupAddress, deployer),
    verifier: ISequenceVerifier__factory.connect(verifierAddress, deployer),
    poseidonT3,
    config: { ...values, token, verifier: verifierAddress },
    token,
    ...(testToken === undefined ? {} : { testToken }),
  };
}
