import { join } from "node:path";

import { CHAIN_DEFINITIONS, type BaseChainName } from "../deploy/chains.js";
import { defaultDeploymentId } from "../deploy/target.js";
import { SequencerConfigError } from "./config.js";

/** What `--network <name>` settles: the chain, its RPC, and the rollup's Ignition deployment folder. */
export interface NetworkSettings {
  readonly name: string;
  readonly chainId: number;
  /** From the network's configuration variable in the environment; undefined if unset. */
  readonly rpcUrl: string | undefined;
  /** The variable that holds the RPC URL (undefined for localhost, which has a fixed one). */
  readonly rpcUrlVariable: string | undefined;
  readonly deploymentDir: string;
}

/**
 * The settings of a Hardhat network name, outside Hardhat: the chain id from
 * viem's definition (as hardhat.config.ts), the RPC URL from the same
 * configuration variable Hardhat reads (from the environment only here: the
 * Hardhat keystore is Hardhat's), and the folder rollup:deploy records the
 * deployment in, ignition/deployments/zkpow-<network> under `root`.
 * `localhost` is a development node on 127.0.0.1:8545 (chain 31337).
 */
export function networkSettings(name: string, root: string, env: NodeJS.ProcessEnv = process.env): NetworkSettings {
  const folder = join(root, "ignition", "deployments", defaultDeploymentId(name));
  if (name === "localhost") {
    return {
      name,
      chainId: 31_337,
      rpcUrl: "http://127.0.0.1:8545",
      rpcUrlVariable: undefined,
      deploymentDir: folder,
    };
  }
  if (!(name in CHAIN_DEFINITIONS)) {
    const known = ["localhost", ...Object.keys(CHAIN_DEFINITIONS)].join(", ");
    throw new SequencerConfigError(`unknown network "${name}" (known: ${known})`);
  }
  const chain = CHAIN_DEFINITIONS[name as BaseChainName];
  const rpcUrl = env[chain.rpcUrlVariable];
  return {
    name,
    chainId: chain.viem.id,
    rpcUrl: rpcUrl === undefined || rpcUrl === "" ? undefined : rpcUrl,
    rpcUrlVariable: chain.rpcUrlVariable,
    deploymentDir: folder,
  };
}
