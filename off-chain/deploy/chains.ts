import type { Chain } from "viem";
import { bsc, bscTestnet, mainnet, polygon, polygonAmoy, sepolia } from "viem/chains";

/**
 * The chains zkpow deploys its rollup contract on. Their facts (chain id,
 * name, native currency, block time) are viem's chain definitions, not a table
 * of our own: a hand-kept table went stale (BNB Chain's 3 s blocks are 0.75 s
 * today, which made every window converted with it four times too short).
 */
export type BaseChainName = "ethereum" | "sepolia" | "bnb" | "bnbTestnet" | "polygon" | "polygonAmoy";

/** The three mainnets; the tests simulate each of them in process (see `simulatedNetworkName`). */
export type MainnetName = "ethereum" | "bnb" | "polygon";

/** A known chain: viem's definition and how hardhat.config.ts reaches it. */
export interface ChainDefinition {
  /** The Hardhat network name of the real chain (`--network bnb`). */
  readonly name: BaseChainName;
  readonly viem: Chain;
  /** The configuration variable (Hardhat keystore or environment) holding the chain's RPC URL. */
  readonly rpcUrlVariable: string;
  /** The configuration variable holding the deployer's private key on this chain. */
  readonly deployerKeyVariable: string;
}

function definition(name: BaseChainName, viem: Chain, variablePrefix: string): ChainDefinition {
  return Object.freeze({
    name,
    viem,
    rpcUrlVariable: `${variablePrefix}_RPC_URL`,
    deployerKeyVariable: `${variablePrefix}_DEPLOYER_KEY`,
  });
}

export const CHAIN_DEFINITIONS: Readonly<Record<BaseChainName, ChainDefinition>> = Object.freeze({
  ethereum: definition("ethereum", mainnet, "ETHEREUM"),
  sepolia: definition("sepolia", sepolia, "SEPOLIA"),
  bnb: definition("bnb", bsc, "BNB"),
  bnbTestnet: definition("bnbTestnet", bscTestnet, "BNB_TESTNET"),
  polygon: definition("polygon", polygon, "POLYGON"),
  polygonAmoy: definition("polygonAmoy", polygonAmoy, "POLYGON_AMOY"),
});

export const MAINNET_NAMES: readonly MainnetName[] = Object.freeze(["ethereum", "bnb", "polygon"]);

/** A base chain as the deployment code needs it: where it is and how long its blocks are. */
export interface BaseChain {
  /** The Hardhat network name (a known chain's, or a local development chain's). */
  readonly name: string;
  readonly chainId: number;
  /** Seconds between blocks: windows are set in seconds and converted with it. */
  readonly blockTimeSeconds: number;
  /** The environment variable that, when set, forks this chain in the test suite ("" for none). */
  readonly forkUrlVariable: string;
  /** viem's definition (display name, native currency, explorers); absent for a local development chain. */
  readonly viem?: Chain;
}

/** A chain name or fact zkpow cannot work with; the message says which chain and why. */
export class ChainFactsError extends Error {
  override readonly name = "ChainFactsError";
}

function isBaseChainName(name: string): name is BaseChainName {
  return Object.hasOwn(CHAIN_DEFINITIONS, name);
}

/**
 * The base chain of a known network name, its block time from viem. A chain
 * whose viem definition has no block time (the testnets, today) is an error
 * unless the caller gives one explicitly: a guessed block time silently
 * mis-sizes every window.
 */
export function baseChain(name: string, options: { readonly blockTimeSeconds?: number } = {}): BaseChain {
  if (!isBaseChainName(name)) {
    throw new ChainFactsError(
      `unknown base chain "${name}"; known base chains: ${Object.keys(CHAIN_DEFINITIONS).join(", ")}`,
    );
  }
  const { viem, rpcUrlVariable } = CHAIN_DEFINITIONS[name];
  const blockTimeSeconds = options.blockTimeSeconds ?? blockTimeOf(viem, name);
  if (!(blockTimeSeconds > 0)) {
    throw new ChainFactsError(`base chain ${name}: block time ${blockTimeSeconds} s must be positive`);
  }
  return Object.freeze({ name, chainId: viem.id, blockTimeSeconds, forkUrlVariable: rpcUrlVariable, viem });
}

/** viem's block time of a chain in seconds; an error naming the chain when viem has none. */
export function blockTimeOf(viem: Chain, name: string = viem.name): number {
  if (viem.blockTime === undefined) {
    throw new ChainFactsError(
      `base chain ${name}: viem's definition of ${viem.name} (chain id ${viem.id}) has no blockTime, and zkpow ` +
        `does not guess one (windows are converted from seconds to blocks with it); give the block time explicitly`,
    );
  }
  return viem.blockTime / 1000;
}

/** The three mainnets, each with viem's block time; the tests run the whole flow on a simulation of each. */
export const BASE_CHAINS: Readonly<Record<MainnetName, BaseChain>> = Object.freeze({
  ethereum: baseChain("ethereum"),
  bnb: baseChain("bnb"),
  polygon: baseChain("polygon"),
});

/**
 * The Hardhat network that simulates a mainnet in process (same chain id and
 * block time). Its name says it is a simulation: `--network bnb` is the real
 * BNB Chain, `--network bnbSim` is not.
 */
export function simulatedNetworkName<N extends MainnetName>(name: N): `${N}Sim` {
  return `${name}Sim`;
}

/** Blocks that cover at least `seconds` on a chain (at least one block). */
export function secondsToBlocks(seconds: number, blockTimeSeconds: number): bigint {
  if (!(seconds > 0) || !(blockTimeSeconds > 0)) {
    throw new RangeError(`window of ${seconds} s at ${blockTimeSeconds} s per block: both must be positive`);
  }
  return BigInt(Math.max(1, Math.ceil(seconds / blockTimeSeconds)));
}
