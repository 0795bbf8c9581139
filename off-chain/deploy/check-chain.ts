import { FetchRequest, JsonRpcProvider, Network } from "ethers";

import type { BaseChain } from "./chains.js";

/** An EIP-1193 provider (Hardhat's connection.provider, viem's transports). */
export interface Eip1193Like {
  request(args: { readonly method: string; readonly params?: readonly unknown[] }): Promise<unknown>;
}

/** An ethers JSON-RPC provider. */
export interface SendLike {
  send(method: string, params: unknown[]): Promise<unknown>;
}

/** Anything that answers raw JSON-RPC calls. */
export type RpcProvider = Eip1193Like | SendLike;

function rpc(provider: RpcProvider, method: string, params: unknown[] = []): Promise<unknown> {
  return "request" in provider ? provider.request({ method, params }) : provider.send(method, params);
}

/** The RPC is not the chain it was configured as. */
export class ChainMismatchError extends Error {
  override readonly name = "ChainMismatchError";
  constructor(
    readonly where: string,
    readonly expected: bigint,
    readonly reported: bigint,
  ) {
    super(`${where}: the RPC reports chain id ${reported}, but chain id ${expected} is configured`);
  }
}

/** The RPC did not answer a call the check needs. */
export class RpcCheckError extends Error {
  override readonly name = "RpcCheckError";
}

function quantity(value: unknown, what: string, where: string): bigint {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]+$/.test(value)) {
    throw new RpcCheckError(`${where}: the RPC answered ${what} with ${JSON.stringify(value)}, not a hex quantity`);
  }
  return BigInt(value);
}

/**
 * Asks the RPC for its chain id and refuses one other than `expected`, before
 * anything is read or sent: a command pointed at the wrong chain must stop
 * rather than act there. Returns the chain id.
 */
export async function assertChainId(provider: RpcProvider, expected: number | bigint, where: string): Promise<bigint> {
  let answer: unknown;
  try {
    answer = await rpc(provider, "eth_chainId");
  } catch (error) {
    throw new RpcCheckError(
      `${where}: the RPC does not answer eth_chainId (${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)})`,
      { cause: error },
    );
  }
  const reported = quantity(answer, "eth_chainId", where);
  if (reported !== BigInt(expected)) throw new ChainMismatchError(where, BigInt(expected), reported);
  return reported;
}

/** An RPC that accepts a connection and never answers fails the check after this long (ethers waits 5 minutes). */
const RPC_TIMEOUT_MS = 30_000;

/**
 * `assertChainId` on an RPC URL, e.g. the URL a fork is taken from (a forked
 * simulation reports its configured chain id, whatever chain it forked).
 */
export async function assertRpcChainId(url: string, expected: number | bigint, where: string): Promise<bigint> {
  const request = new FetchRequest(url);
  request.timeout = RPC_TIMEOUT_MS;
  // A static network: without one ethers detects the network itself (retrying forever on a dead RPC) and attaches
  // chain-specific plugins that call outside hosts (chain 137). send() still asks the RPC itself.
  const provider = new JsonRpcProvider(request, new Network(`expected-${expected}`, BigInt(expected)), {
    staticNetwork: true,
    batchMaxCount: 1,
  });
  try {
    return await assertChainId(provider, expected, `${where} (${url})`);
  } finally {
    provider.destroy();
  }
}

/** What `checkBlockTime` measured. */
export interface BlockTimeCheck {
  /** The block time windows are converted with (the chain's, from viem). */
  readonly assumedSeconds: number;
  /** The average time between the sampled blocks. */
  readonly measuredSeconds: number;
  /** Blocks the average is taken over. */
  readonly sampledBlocks: number;
  /** |measured - assumed| / assumed. */
  readonly deviation: number;
  /** The deviation is over the tolerance (only returned so when `allowMismatch` is set). */
  readonly mismatch: boolean;
}

/** The chain's recent blocks are not as long as the block time its windows would be converted with. */
export class BlockTimeMismatchError extends Error {
  override readonly name = "BlockTimeMismatchError";
  constructor(
    readonly chain: string,
    readonly check: BlockTimeCheck,
    tolerance: number,
  ) {
    super(
      `${chain}: the last ${check.sampledBlocks} blocks came every ${check.measuredSeconds.toFixed(3)} s on average, ` +
        `but windows would be converted with ${check.assumedSeconds} s per block ` +
        `(${Math.round(check.deviation * 100)} % off, more than ${Math.round(tolerance * 100)} %): every window in ` +
        `blocks would last ${(check.measuredSeconds / check.assumedSeconds).toFixed(2)} times its setting in seconds. ` +
        `Fix the block time, or allow the mismatch explicitly`,
    );
  }
}

export interface CheckBlockTimeOptions {
  /** Blocks to average over (default 200; fewer when the chain is younger). */
  readonly sampleBlocks?: number;
  /** Deploy even when the measured block time is off: the error becomes the returned `mismatch`. */
  readonly allowMismatch?: boolean;
  /** The largest accepted deviation (default 0.25). */
  readonly tolerance?: number;
}

async function blockTimestamp(
  provider: RpcProvider,
  tag: string,
  where: string,
): Promise<{ number: bigint; timestamp: bigint }> {
  const block = (await rpc(provider, "eth_getBlockByNumber", [tag, false])) as {
    number?: unknown;
    timestamp?: unknown;
  } | null;
  if (block === null || typeof block !== "object") {
    throw new RpcCheckError(`${where}: the RPC has no block ${tag}`);
  }
  return {
    number: quantity(block.number, `block ${tag}'s number`, where),
    timestamp: quantity(block.timestamp, `block ${tag}'s timestamp`, where),
  };
}

/**
 * Before a deploy converts windows from seconds to blocks: measures the
 * chain's recent average block time (the timestamps of the latest block and
 * of the block `sampleBlocks` before it) and refuses when it differs from the
 * assumed one by more than the tolerance, unless `allowMismatch` is set.
 */
export async function checkBlockTime(
  provider: RpcProvider,
  chain: BaseChain,
  options: CheckBlockTimeOptions = {},
): Promise<BlockTimeCheck> {
  const sampleBlocks = options.sampleBlocks ?? 200;
  const tolerance = options.tolerance ?? 0.25;
  if (!Number.isInteger(sampleBlocks) || sampleBlocks < 1) {
    throw new RangeError(`sampleBlocks must be a positive integer, got ${sampleBlocks}`);
  }
  const where = `${chain.name} (chain id ${chain.chainId})`;
  const latest = await blockTimestamp(provider, "latest", where);
  const span = latest.number < BigInt(sampleBlocks) ? latest.number : BigInt(sampleBlocks);
  if (span === 0n) {
    throw new RpcCheckError(`${where}: the chain has only its genesis block; its block time cannot be measured`);
  }
  const first = await blockTimestamp(provider, `0x${(latest.number - span).toString(16)}`, where);
  const measuredSeconds = Number(latest.timestamp - first.timestamp) / Number(span);
  const assumedSeconds = chain.blockTimeSeconds;
  const deviation = Math.abs(measuredSeconds - assumedSeconds) / assumedSeconds;
  const check: BlockTimeCheck = {
    assumedSeconds,
    measuredSeconds,
    sampledBlocks: Number(span),
    deviation,
    mismatch: deviation > tolerance,
  };
  if (check.mismatch && options.allowMismatch !== true) throw new BlockTimeMismatchError(where, check, tolerance);
  return check;
}

/**
 * The checks before deploying to a chain: the RPC is the chain's, and its
 * blocks are as long as the windows assume.
 */
export async function checkDeployTarget(
  provider: RpcProvider,
  chain: BaseChain,
  options: CheckBlockTimeOptions = {},
): Promise<BlockTimeCheck> {
  await assertChainId(provider, chain.chainId, `deploying to ${chain.name}`);
  return checkBlockTime(provider, chain, options);
}
