import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import { ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { getCircuitConfig } from "../../off-chain/circuits/configurations.js";
import { assertVerifierHoldsKey, verificationKeyOf } from "../../off-chain/circuits/verifier-check.js";
import { releaseSnarkjsWorkers } from "../../off-chain/circuits/workers.js";
import { checkDeployTarget } from "../../off-chain/deploy/check-chain.js";
import { deployRollup, developmentVerifierName, rollupConfigValues } from "../../off-chain/deploy/deploy-rollup.js";
import {
  deploymentDir,
  publishDeployment,
  publishedGenesis,
  rollupDeploymentBlock,
} from "../../off-chain/deploy/deployment-folder.js";
import { readDeployParameters } from "../../off-chain/deploy/parameters-file.js";
import { checkRollupConfig } from "../../off-chain/deploy/rollup-config.js";
import { defaultDeploymentId, deployChain } from "../../off-chain/deploy/target.js";
import { loadL2Crypto } from "../../off-chain/l2/crypto.js";
import { GenesisError, genesisState, readGenesis } from "../../off-chain/l2/genesis.js";
import { connect, RollupTaskError, runTask } from "./shared.js";

export interface DeployTaskArguments {
  readonly genesis: string;
  readonly parameters: string;
  readonly verifier: string;
  readonly zkey: string;
  readonly deploymentId: string;
  readonly allowBlockTimeMismatch: boolean;
  readonly from: string;
}

/** The build profile Ignition's own `ignition deploy` builds with (viaIR; PoseidonT3 overridden without it). */
export const DEPLOY_BUILD_PROFILE = "production";

/**
 * `npx hardhat rollup:deploy --network <chain> --genesis <file>`: checks
 * everything that can be checked before a transaction (the parameter file,
 * the genesis, the chain id, the verifier, the constructor's rules, the
 * chain's block time), builds with the production profile, deploys the
 * Ignition module and publishes the genesis next to the deployment.
 */
export default async function deployTask(args: DeployTaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask("rollup:deploy", async () => {
    if (args.genesis === "") {
      throw new RollupTaskError(
        "--genesis <file> is required: the L2 genesis (rollup chain id, tree depth, accounts) whose root the rollup starts from",
      );
    }
    const { connection, chain, signer } = await connect(hre, args.from);
    const parametersFile =
      args.parameters === ""
        ? path.join(hre.config.paths.ignition, "parameters", `${chain.network}.json`)
        : args.parameters;
    const parameters = await readDeployParameters(parametersFile);
    const circuit = getCircuitConfig(parameters.circuit);

    const genesis = await readGenesis(args.genesis);
    if (genesis.treeDepth !== circuit.treeDepth) {
      throw new GenesisError(
        `${args.genesis}: treeDepth ${genesis.treeDepth} is not the circuit ${circuit.name}'s (${circuit.treeDepth})`,
      );
    }
    const genesisRoot = genesisState(await loadL2Crypto(), genesis, args.genesis).root;

    const verifier = args.verifier === "" ? developmentVerifierName(circuit.name) : args.verifier;
    if (!chain.development) {
      if (verifier === developmentVerifierName(circuit.name)) {
        throw new RollupTaskError(
          `refusing the development verifier ${verifier} on ${chain.network} (chain id ${chain.chainId}), which is ` +
            `not a local development chain: its keys come from a deterministic development beacon, so anyone can ` +
            `recompute the toxic waste from the public r1cs and ptau and forge proofs of any state root. Run the ` +
            `phase-2 ceremony (npx hardhat circuits:ceremony) and deploy its verifier: --verifier ${verifier}Production`,
        );
      }
      if (args.zkey === "") {
        throw new RollupTaskError(
          `--zkey <the ceremony's final zkey> is required on ${chain.network}: rollup:deploy checks that the ` +
            `verifier ${verifier} holds the verification key of the zkey miners will prove with`,
        );
      }
      if (parameters.token === undefined) {
        throw new RollupTaskError(
          `${parametersFile}: token is required on ${chain.network}: a TestToken (anyone may mint it) is deployed on ` +
            `local development chains only`,
        );
      }
    }
    const base = deployChain(chain, parameters.blockTimeSeconds);
    const admin = parameters.admin ?? signer.address;
    const sequencer = parameters.sequencer ?? ZeroAddress;
    const options = {
      chain: base,
      settings: parameters.settings,
      circuit: circuit.name,
      rollupChainId: genesis.chainId,
      genesisStateRoot: genesisRoot,
      admin,
      sequencer,
      ...(parameters.token === undefined ? {} : { token: parameters.token }),
    };
    const config = rollupConfigValues(options);
    checkRollupConfig({ config, genesisStateRoot: genesisRoot, admin, sequencer, token: parameters.token });

    const id = args.deploymentId === "" ? defaultDeploymentId(chain.network) : args.deploymentId;
    const dir = deploymentDir(hre.config.paths.ignition, id);
    const journaled = connection.networkConfig.type !== "edr-simulated";
    if (chain.development && journaled) await forgetRestartedNode(hre, connection.provider, id, dir);
    const published = await publishedGenesis(dir);
    if (published !== undefined) {
      const publishedRoot = genesisState(await loadL2Crypto(), published, path.join(dir, "genesis.json")).root;
      if (publishedRoot !== genesisRoot) {
        throw new GenesisError(
          `${args.genesis}: its root ${genesisRoot} is not the root ${publishedRoot} of the genesis deployment ${id} ` +
            `was made with (${path.join(dir, "genesis.json")}): a rollup's genesis cannot change`,
        );
      }
    }
    if (!chain.development) {
      const check = await checkDeployTarget(connection.provider, base, {
        allowMismatch: args.allowBlockTimeMismatch,
      });
      console.log(
        `${chain.network}: ${check.measuredSeconds.toFixed(3)} s per block over the last ${check.sampledBlocks} blocks ` +
          `(windows converted with ${check.assumedSeconds} s${check.mismatch ? ", MISMATCH allowed by flag" : ""})`,
      );
    }

    await hre.tasks.getTask("build").run({ quiet: true, noTests: true, defaultBuildProfile: DEPLOY_BUILD_PROFILE });
    // The zkey's key must be in the verifier: checked on the artifact before anything is sent, and on the chain after.
    let key: { verificationKey: Awaited<ReturnType<typeof verificationKeyOf>>; name: string } | undefined;
    if (args.zkey !== "") {
      try {
        key = { verificationKey: await verificationKeyOf(args.zkey), name: `zkey ${args.zkey}` };
      } finally {
        // Reading the key builds snarkjs's curve, whose worker threads would keep the process alive after the task.
        await releaseSnarkjsWorkers();
      }
    }
    if (key !== undefined) {
      const { deployedBytecode } = await hre.artifacts.readArtifact(verifier);
      await assertVerifierHoldsKey(
        { getCode: () => Promise.resolve(deployedBytecode) },
        verifier,
        key,
        "rollup:deploy",
      );
    }
    const deployment = await deployRollup(connection, {
      ...options,
      verifier,
      deployer: signer,
      deploymentId: id,
      displayUi: true,
    });
    const rollupAddress = await deployment.rollup.getAddress();
    if (key !== undefined) {
      await assertVerifierHoldsKey(
        connection.ethers.provider,
        await deployment.verifier.getAddress(),
        key,
        `rollup ${rollupAddress} on ${chain.network}`,
      );
      console.log(`  the verifier holds the verification key of ${args.zkey}`);
    }
    // An in-process simulation leaves no deployment folder (Ignition keeps its journal in memory there).
    if (journaled) {
      const block = await rollupDeploymentBlock(dir);
      await publishDeployment(dir, genesis, {
        network: chain.network,
        chainId: chain.chainId,
        rollup: rollupAddress,
        deploymentBlock: block ?? 0,
        circuit: circuit.name,
        verifier,
        genesis: "genesis.json",
        genesisStateRoot: genesisRoot.toString(),
      });
    }
    console.log(`rollup ${rollupAddress} on ${chain.network} (chain id ${chain.chainId})`);
    console.log(
      `  verifier ${verifier} ${await deployment.verifier.getAddress()}, PoseidonT3 ${deployment.poseidonT3}`,
    );
    console.log(`  token ${deployment.token}${deployment.testToken === undefined ? "" : " (TestToken)"}`);
    console.log(
      `  windows: T1 ${config.commitWindow}, T2 ${config.revealWindow}, unbonding ${config.unbondingDelay} blocks ` +
        `(${base.blockTimeSeconds} s per block)`,
    );
    console.log(
      `  genesis root ${genesisRoot}${journaled ? `; published in ${dir}` : " (in-process: nothing published)"}`,
    );
  });
}

/**
 * A deployment folder recorded on a local Hardhat node that has since
 * restarted describes contracts that no longer exist: forget it, as
 * `npx hardhat ignition deploy` does for localhost (same instance file).
 */
async function forgetRestartedNode(
  hre: HardhatRuntimeEnvironment,
  provider: { request(args: { method: string }): Promise<unknown> },
  id: string,
  dir: string,
): Promise<void> {
  let instanceId: string;
  try {
    instanceId = ((await provider.request({ method: "hardhat_metadata" })) as { instanceId: string }).instanceId;
  } catch {
    // Not a Hardhat node (another local chain): nothing tells a restart apart; the folder stays.
    return;
  }
  const file = path.join(hre.config.paths.cache, ".hardhat-network-instances.json");
  const instances = existsSync(file) ? (JSON.parse(await readFile(file, "utf8")) as Record<string, string>) : {};
  if (instances[id] !== instanceId) {
    if (existsSync(dir)) console.log(`forgetting ${dir}: it was deployed on another instance of this local node`);
    await rm(dir, { recursive: true, force: true });
  }
  instances[id] = instanceId;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(instances, null, 2) + "\n");
}
