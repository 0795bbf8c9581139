import { BASE_CHAINS, simulatedNetworkName, type MainnetName } from "../deploy/chains.js";
import { DEFAULT_SETTINGS, type RollupSettings } from "../deploy/settings.js";

/** One local base chain of the devnet: a simulation of a mainnet (its chain id and block time) on a port. */
export interface DevnetChain {
  readonly name: MainnetName;
  /** The Hardhat network it simulates (hardhat.config.ts): ethereumSim, bnbSim, polygonSim. */
  readonly network: string;
  readonly chainId: number;
  readonly blockTimeSeconds: number;
  /** The rollup's own (L2) chain id on this base chain: each rollup is a separate L2. */
  readonly rollupChainId: bigint;
}

/** A miner of the devnet: a `npm run miner` process with one of Hardhat's default accounts. */
export interface DevnetMiner {
  readonly name: string;
  /** Index of its key among Hardhat's default accounts. */
  readonly account: number;
  /** Prover threads: the miners differ in speed by them. */
  readonly threads: number;
  readonly chains: readonly MainnetName[];
}

export interface DevnetPlan {
  readonly chains: readonly DevnetChain[];
  readonly miners: readonly DevnetMiner[];
  /** The rollup's settings on every chain (seconds and token units), converted to each chain's blocks. */
  readonly settings: RollupSettings;
  /** The batch circuit every rollup of the devnet proves with. */
  readonly circuit: string;
  /** L2 accounts in each genesis (the traffic generator holds their keys). */
  readonly l2Accounts: number;
  /** Milliseconds between two generated L2 transfers on each chain. */
  readonly transferIntervalMs: number;
  /** A partial batch is posted this long after its first transfer. */
  readonly batchTimeoutMs: number;
  /**
   * A sequence is posted this long after its first batch closed (or when it holds maxBatchesPerSequence), and at
   * least `sequenceTimeoutBlocks` blocks of its chain: a chain verifies about one sequence per commit, T1 and
   * reveal, three or four of its blocks, so a sequencer posting faster only builds a queue.
   */
  readonly sequenceTimeoutMs: number;
  readonly sequenceTimeoutBlocks: number;
}

/** Hardhat's default account that deploys and administers every rollup; #1 is the sequencer of each. */
export const ADMIN_ACCOUNT = 0;
export const SEQUENCER_ACCOUNT = 1;

function chain(name: MainnetName, rollupChainId: bigint): DevnetChain {
  const base = BASE_CHAINS[name];
  return {
    name,
    network: simulatedNetworkName(name),
    chainId: base.chainId,
    blockTimeSeconds: base.blockTimeSeconds,
    rollupChainId,
  };
}

/**
 * The default devnet, sized for a machine of two cores: every miner proves
 * every batch of the chains it serves (each proof is bound to its own
 * address), so the proving load is the batches posted times the miners per
 * chain. Three chains, three miners: alpha (two threads) serves Ethereum and
 * BNB Chain from one process, beta serves BNB Chain (so BNB Chain's rewards
 * are shared), gamma serves Polygon PoS.
 *
 * Windows: T1 starts at a round's first commit (or when the predecessor is
 * verified) and the reveal window opens only when T1 ends, so each chain
 * verifies at most one sequence per T1 and a bit; sequences are posted less
 * often than that (`sequenceTimeoutBlocks`). T1 = T2 = 24 s is two Ethereum blocks, 32 of BNB Chain's,
 * 12 of Polygon's, and leaves a slower miner time to prove after a faster one
 * commits.
 */
export const DEFAULT_PLAN: DevnetPlan = Object.freeze<DevnetPlan>({
  chains: [chain("ethereum", 1_001n), chain("bnb", 1_056n), chain("polygon", 1_137n)],
  miners: [
    { name: "alpha", account: 3, threads: 2, chains: ["ethereum", "bnb"] },
    { name: "beta", account: 4, threads: 1, chains: ["bnb"] },
    { name: "gamma", account: 5, threads: 1, chains: ["polygon"] },
  ],
  settings: {
    ...DEFAULT_SETTINGS,
    commitWindowSeconds: 24,
    revealWindowSeconds: 24,
    unbondingDelaySeconds: 600,
    // At least unbonding + T1 + 2 T2 (the contract's rule).
    verifierUpgradeDelaySeconds: 3_600,
    maxBatchesPerSequence: 4,
  },
  circuit: "b2d4",
  l2Accounts: 8,
  transferIntervalMs: 20_000,
  batchTimeoutMs: 20_000,
  sequenceTimeoutMs: 30_000,
  sequenceTimeoutBlocks: 4,
});
