import type { JsonRpcProvider } from "ethers";
import type { Kysely } from "kysely";
import type { Logger } from "pino";

import type { Genesis } from "../l2/index.js";
import type { IZkPowRollup } from "../../types/ethers-contracts/contracts/interfaces/IZkPowRollup.js";
import type { ZkPowRollup } from "../../types/ethers-contracts/index.js";
import type { MinerDatabase } from "./db/schema.js";
import type { MinerMetrics } from "./metrics.js";

/** The rollup's configuration as getConfig returns it. */
export type RollupConfig = IZkPowRollup.ConfigStructOutput;

/** Everything the miner's modules share about one base chain. */
export interface ChainContext {
  /** The name the config gives the chain (logs, status, metrics label). */
  readonly name: string;
  readonly chainId: bigint;
  readonly provider: JsonRpcProvider;
  /** The rollup, connected for reading. */
  readonly rollup: ZkPowRollup;
  readonly rollupAddress: string;
  readonly config: RollupConfig;
  /** The block the follower starts reading events from. */
  readonly fromBlock: bigint;
  /** Blocks of depth before the follower reads a block. */
  readonly confirmations: number;
  /** Sequences whose last batch is below it are replayed for state but not proven. */
  readonly startBatch: bigint;
  readonly genesis: Genesis;
  readonly miner: string;
  readonly db: Kysely<MinerDatabase>;
  readonly log: Logger;
  readonly metrics: MinerMetrics;
}

/** Counters of RPC trouble and reorgs for the status view. */
export interface ChainHealth {
  reorgs: number;
  rpcErrors: number;
  lastRpcError: string | null;
  headBlock: bigint;
}

export { describeError, isTransientRpcError, retryTransient, sleep } from "../chain/rpc.js";
