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

/** The RPC failed; the message names the chain and the call. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${error.message.split("\n")[0]}` : (error.message.split("\n")[0] ?? "");
  }
  return String(error);
}

/** Waits `ms`, or less if the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Error codes of a connection that failed on the way (Node, undici, ethers): worth asking again. */
const TRANSIENT_CODES = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "NETWORK_ERROR", "TIMEOUT"]);

/**
 * Whether an RPC call failed on the way rather than by its answer: a reset or
 * timed-out connection (an RPC closing a kept-alive connection as it is
 * reused, a restarting node). A refused connection is not: nothing listens.
 */
export function isTransientRpcError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && TRANSIENT_CODES.has(code)) return true;
  return /socket hang up|ECONNRESET/.test(error.message);
}

/** Runs `call`, asking again (up to `attempts` times, with backoff) while it fails transiently. */
export async function retryTransient<T>(call: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isTransientRpcError(error)) throw error;
      await sleep(250 * 2 ** attempt);
    }
  }
}
