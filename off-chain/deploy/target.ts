import type { NetworkConnection } from "hardhat/types/network";

import { baseChain, blockTimeOf, CHAIN_DEFINITIONS, ChainFactsError, type BaseChain } from "./chains.js";
import { assertChainId, assertRpcChainId } from "./check-chain.js";

/** The chain a command talks to, after its chain id was checked. */
export interface ConnectedChain {
  readonly network: string;
  readonly chainId: number;
  /**
   * A local development chain: an in-process simulation, or an RPC on this
   * machine (127.0.0.1, localhost, ::1). Only there may the development
   * verifier and a test token be deployed.
   */
  readonly development: boolean;
  /** The RPC URL of an http network. */
  readonly url?: string;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * Checks that the connection's RPC is the chain hardhat.config.ts configures
 * for the network (an http network's URL is asked directly with
 * assertRpcChainId, before Hardhat's own check, whose message names neither
 * the network nor the URL), and whether it is a local development chain. A
 * network without a configured chain id is refused: nothing could be checked.
 * Resolving the URL fails with Hardhat's error naming a missing configuration
 * variable.
 */
export async function connectedChain(connection: NetworkConnection): Promise<ConnectedChain> {
  const { networkName: network, networkConfig: config } = connection;
  const chainId = config.chainId;
  if (chainId === undefined) {
    throw new ChainFactsError(
      `network ${network} has no chainId in hardhat.config.ts: the chain its RPC reports cannot be checked`,
    );
  }
  if (config.type === "edr-simulated") {
    await assertChainId(connection.provider, chainId, `network ${network}`);
    return { network, chainId, development: true };
  }
  const url = await config.url.getUrl();
  await assertRpcChainId(url, chainId, `network ${network}`);
  return { network, chainId, development: LOOPBACK_HOSTS.has(new URL(url).hostname), url };
}

/**
 * The base chain facts a deployment converts windows with: a real chain's by
 * its network name; a development chain's by its chain id when it simulates a
 * known chain (ethereumLocal is chain id 1: Ethereum's 12 s), else the block
 * time given (the parameter file's). `blockTimeSeconds` also overrides viem's.
 */
export function deployChain(chain: ConnectedChain, blockTimeSeconds: number | undefined): BaseChain {
  const options = blockTimeSeconds === undefined ? {} : { blockTimeSeconds };
  if (Object.hasOwn(CHAIN_DEFINITIONS, chain.network)) return baseChain(chain.network, options);
  const known = Object.values(CHAIN_DEFINITIONS).find((definition) => definition.viem.id === chain.chainId);
  if (known !== undefined) {
    return Object.freeze({
      name: chain.network,
      chainId: chain.chainId,
      blockTimeSeconds: blockTimeSeconds ?? blockTimeOf(known.viem, known.name),
      forkUrlVariable: "",
      viem: known.viem,
    });
  }
  if (blockTimeSeconds === undefined) {
    throw new ChainFactsError(
      `network ${chain.network} (chain id ${chain.chainId}) is no known chain: give its block time ` +
        `(blockTimeSeconds in the parameter file) to convert the windows from seconds to blocks`,
    );
  }
  return Object.freeze({ name: chain.network, chainId: chain.chainId, blockTimeSeconds, forkUrlVariable: "" });
}

/** The Ignition deployment id of a network's rollup: ignition/deployments/zkpow-<network>. */
export function defaultDeploymentId(network: string): string {
  return `zkpow-${network}`;
}
