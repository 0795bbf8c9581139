import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Signer } from "ethers";

import type { IZkPowRollup } from "../../types/ethers-contracts/contracts/interfaces/IZkPowRollup.js";
import type { ISequenceVerifier, ZkPowRollup } from "../../types/ethers-contracts/index.js";
import { getCircuitConfig } from "../circuits/configurations.js";
import { sequenceVerifierName } from "../circuits/export-sequence-verifier.js";
import { SNARK_SCALAR_FIELD } from "../l2/crypto.js";
import { secondsToBlocks, type BaseChain } from "./chains.js";
import type { RollupSettings } from "./settings.js";

export interface DeployRollupOptions {
  readonly chain: BaseChain;
  readonly settings: RollupSettings;
  /** The batch circuit configuration whose verifier the rollup uses (e.g. "b2d4"). */
  readonly circuit: string;
  /** The rollup's (L2) chain id. */
  readonly rollupChainId: bigint;
  readonly genesisStateRoot: bigint;
  /** The ERC-20 of stake, fees and rewards. */
  readonly token: string;
  /** Receives the admin and parameters roles. */
  readonly admin: string;
  /** Receives the sequencer role (the zero address for none). */
  readonly sequencer: string;
  /** Deploys from this signer (default: the connection's first account). */
  readonly deployer?: Signer;
}

/** The deployed contracts and the configuration the rollup was given. */
export interface RollupDeployment {
  readonly rollup: ZkPowRollup;
  readonly verifier: ISequenceVerifier;
  readonly poseidonT3: string;
  readonly config: IZkPowRollup.ConfigStruct;
}

/** The on-chain configuration for a base chain: windows converted once from seconds to its blocks. */
export function rollupConfig(
  options: Pick<DeployRollupOptions, "chain" | "settings" | "circuit" | "rollupChainId" | "token">,
  verifier: string,
): IZkPowRollup.ConfigStruct {
  const { chain, settings } = options;
  const circuit = getCircuitConfig(options.circuit);
  return {
    chainId: options.rollupChainId,
    batchSize: circuit.batchSize,
    treeDepth: circuit.treeDepth,
    maxBatchesPerSequence: settings.maxBatchesPerSequence,
    commitWindow: secondsToBlocks(settings.commitWindowSeconds, chain.blockTimeSeconds),
    revealWindow: secondsToBlocks(settings.revealWindowSeconds, chain.blockTimeSeconds),
    unbondingDelay: secondsToBlocks(settings.unbondingDelaySeconds, chain.blockTimeSeconds),
    minimumStake: settings.minimumStake,
    missedProofPenalty: settings.missedProofPenalty,
    invalidProofPenalty: settings.invalidProofPenalty,
    batchFee: settings.batchFee,
    token: options.token,
    verifier,
    emergencyTimeout: secondsToBlocks(settings.emergencyTimeoutSeconds, chain.blockTimeSeconds),
    verifierUpgradeDelay: secondsToBlocks(settings.verifierUpgradeDelaySeconds, chain.blockTimeSeconds),
  };
}

/**
 * Deploys a rollup on one base chain: the Poseidon library, the circuit's
 * sequence verifier and the rollup contract (which grants the roles).
 * The deploy tasks and the tests both deploy through this function.
 * A caller deploying to a real chain first runs `checkDeployTarget`
 * (./check-chain.ts): the RPC is that chain, and its recent blocks are as long
 * as the block time the windows are converted with.
 */
export async function deployRollup(ethers: HardhatEthers, options: DeployRollupOptions): Promise<RollupDeployment> {
  if (options.genesisStateRoot < 0n || options.genesisStateRoot >= SNARK_SCALAR_FIELD) {
    throw new RangeError(`genesis state root ${options.genesisStateRoot} is not a field element`);
  }
  const deployer = options.deployer ?? (await ethers.getSigners())[0];
  if (deployer === undefined) throw new Error(`no account to deploy from on ${options.chain.name}`);
  const circuit = getCircuitConfig(options.circuit);

  const poseidon = await ethers.deployContract("PoseidonT3", deployer);
  const verifier = await ethers.deployContract(sequenceVerifierName(circuit.verifierName), deployer);
  const config = rollupConfig(options, await verifier.getAddress());
  const rollup = await ethers.deployContract(
    "ZkPowRollup",
    [config, options.genesisStateRoot, options.admin, options.sequencer],
    {
      signer: deployer,
      libraries: { PoseidonT3: await poseidon.getAddress() },
    },
  );
  await rollup.waitForDeployment();
  return {
    rollup,
    verifier: verifier as unknown as ISequenceVerifier,
    poseidonT3: await poseidon.getAddress(),
    config,
  };
}
