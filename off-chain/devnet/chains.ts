import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { JsonRpcServer, NetworkConnection, NetworkManager } from "hardhat/types/network";

import type { DevnetChain } from "./plan.js";

/** A local base chain of the devnet, served over HTTP on 127.0.0.1 as a real node would be. */
export interface RunningChain {
  readonly plan: DevnetChain;
  readonly url: string;
  /** A connection through the HTTP server (Hardhat's default accounts sign). */
  readonly ethers: HardhatEthers;
  readonly connection: NetworkConnection;
  /** Stops mining each transaction at once: blocks come only at the chain's block time. */
  realTime(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the simulation of a mainnet (its chain id, a block every block time)
 * behind a JSON-RPC server on 127.0.0.1 (port 0: a free one). It mines each
 * transaction at once until `realTime()`: the deployment takes seconds, not a
 * dozen Ethereum blocks; from then on transactions wait for the next block,
 * as on the real chain.
 */
export async function startChain(network: NetworkManager, plan: DevnetChain, port = 0): Promise<RunningChain> {
  const interval = Math.round(plan.blockTimeSeconds * 1000);
  const server: JsonRpcServer = await network.createServer(
    { network: plan.network, override: { chainId: plan.chainId, mining: { auto: true, interval } } },
    "127.0.0.1",
    port,
  );
  const listening = await server.listen();
  const url = `http://127.0.0.1:${listening.port}`;
  const connection = await network.create({ network: "localhost", override: { url, chainId: plan.chainId } });
  const reported = Number((await connection.ethers.provider.getNetwork()).chainId);
  if (reported !== plan.chainId) {
    await connection.close();
    await server.close();
    throw new Error(`the ${plan.name} simulation at ${url} reports chain id ${reported}, not ${plan.chainId}`);
  }
  return {
    plan,
    url,
    ethers: connection.ethers,
    connection,
    async realTime() {
      await connection.provider.request({ method: "evm_setAutomine", params: [false] });
    },
    async close() {
      await connection.close();
      await server.close();
    },
  };
}
