// The L1 cost of a transfer: what posting a batch costs per byte at each size
// the rollup can run, measured on Hardhat's simulated EVM, and (posting + one
// commit + first reveal) / transfers. Used by bench/gas.ts.
import { randomBytes } from "node:crypto";

import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import type { ZkPowRollup } from "../types/ethers-contracts/index.js";

/** EIP-7623's constants: calldata tokens are zero bytes + 4 x non-zero bytes. */
const STANDARD_TOKEN_COST = 4;
const FLOOR_TOKEN_COST = 10;
const TX_BASE = 21_000;

export function calldataTokens(data: string): number {
  const bytes = Buffer.from(data.slice(2), "hex");
  let tokens = 0;
  for (const byte of bytes) tokens += byte === 0 ? 1 : 4;
  return tokens;
}

/** A posting transaction's gas under both calldata pricings, from its measured gasUsed. */
export interface PostingGas {
  readonly bytes: number;
  readonly tokens: number;
  readonly measured: number;
  /** Gas besides the base cost and calldata: hashing, evaluation, storage, the fee transfer. */
  readonly execution: number;
  /** Calldata at 16 gas per non-zero byte, 4 per zero byte (no EIP-7623 floor). */
  readonly standard: number;
  /** With EIP-7623: max(standard, 21,000 + 10 x tokens), i.e. up to 40 gas per non-zero byte. */
  readonly eip7623: number;
}

/**
 * Splits a measured posting into execution and calldata. Whether the
 * simulated chain applied EIP-7623's floor is read off the figure itself:
 * measured equals the floor exactly when the floor bound.
 */
export function postingGas(data: string, measured: number): PostingGas {
  const tokens = calldataTokens(data);
  const floor = TX_BASE + FLOOR_TOKEN_COST * tokens;
  if (measured === floor) {
    throw new Error(
      `a posting of ${tokens} calldata tokens hit EIP-7623's floor (${floor} gas): its execution gas cannot be read off it`,
    );
  }
  const execution = measured - TX_BASE - STANDARD_TOKEN_COST * tokens;
  const standard = TX_BASE + STANDARD_TOKEN_COST * tokens + execution;
  return {
    bytes: (data.length - 2) / 2,
    tokens,
    measured,
    execution,
    standard,
    eip7623: Math.max(standard, floor),
  };
}

/**
 * Posts `batches` full batches of random bytes (posted R8s and aggregate Ss are
 * random words, so nearly every byte is non-zero, as on a real chain) and returns the
 * posting's gas. The contract checks lengths and evaluates the data; it never
 * recomputes the batchHash, so any field element serves.
 */
export async function measurePosting(
  ethers: HardhatEthers,
  rollup: ZkPowRollup,
  sequencer: Parameters<ZkPowRollup["connect"]>[0],
  options: { batches: number; batchBytes: number },
): Promise<PostingGas> {
  const data = Array.from({ length: options.batches }, () => Uint8Array.from(randomBytes(options.batchBytes)));
  const hashes = data.map((_, i) => BigInt(i + 1));
  const tx = await rollup.connect(sequencer).sequenceBatches(data, hashes);
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("posting not mined");
  const sent = await ethers.provider.getTransaction(tx.hash);
  return postingGas(sent?.data ?? tx.data, Number(receipt.gasUsed));
}
