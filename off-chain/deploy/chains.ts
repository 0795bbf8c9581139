/** A base chain zkpow deploys its rollup contract on. */
export interface BaseChain {
  readonly name: BaseChainName;
  readonly chainId: number;
  /** Seconds between blocks: windows are set in seconds and converted with it. */
  readonly blockTimeSeconds: number;
  /** The environment variable that, when set, forks this chain in the test suite. */
  readonly forkUrlVariable: string;
}

export type BaseChainName = "ethereum" | "bnb" | "polygon";

/** The three base chains; hardhat.config.ts simulates each with its chain id and block time. */
export const BASE_CHAINS: Readonly<Record<BaseChainName, BaseChain>> = Object.freeze({
  ethereum: { name: "ethereum", chainId: 1, blockTimeSeconds: 12, forkUrlVariable: "ETHEREUM_RPC_URL" },
  bnb: { name: "bnb", chainId: 56, blockTimeSeconds: 3, forkUrlVariable: "BNB_RPC_URL" },
  polygon: { name: "polygon", chainId: 137, blockTimeSeconds: 2, forkUrlVariable: "POLYGON_RPC_URL" },
});

export function baseChain(name: string): BaseChain {
  if (!(name in BASE_CHAINS)) {
    throw new Error(`unknown base chain "${name}"; known base chains: ${Object.keys(BASE_CHAINS).join(", ")}`);
  }
  return BASE_CHAINS[name as BaseChainName];
}

/** Blocks that cover at least `seconds` on a chain (at least one block). */
export function secondsToBlocks(seconds: number, blockTimeSeconds: number): bigint {
  if (!(seconds > 0) || !(blockTimeSeconds > 0)) {
    throw new RangeError(`window of ${seconds} s at ${blockTimeSeconds} s per block: both must be positive`);
  }
  return BigInt(Math.max(1, Math.ceil(seconds / blockTimeSeconds)));
}
