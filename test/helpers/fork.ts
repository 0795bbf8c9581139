import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { BASE_CHAINS, simulatedNetworkName, type MainnetName } from "../../off-chain/deploy/chains.js";
import { assertRpcChainId } from "../../off-chain/deploy/check-chain.js";

/**
 * A simulation of a mainnet forked from `url`. The URL's chain id is checked
 * first: the fork reports the simulated network's configured chain id whatever
 * it forked, so a fork of the wrong chain would otherwise pass as this one.
 */
export async function forkNetwork(name: MainnetName, url: string): Promise<NetworkConnection> {
  const chain = BASE_CHAINS[name];
  await assertRpcChainId(url, chain.chainId, `the ${name} fork (${chain.forkUrlVariable})`);
  return network.create({ network: simulatedNetworkName(name), override: { forking: { url } } });
}
