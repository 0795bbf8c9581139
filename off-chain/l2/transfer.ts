import type { PoseidonHash } from "./crypto.js";
import type { PostedTransfer } from "./encoding.js";
import type { L2Key } from "./keys.js";

/** A transfer as its sender signs it: the posted fields and the sender's nonce. */
export interface UnsignedTransfer {
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
  readonly nonce: bigint;
}

/** A signed transfer: what is posted, and the nonce its sender signed (not posted: the state holds it). */
export interface SignedTransfer extends UnsignedTransfer, PostedTransfer {}

/**
 * What the sender signs: Poseidon(chainId, from, to, amount, nonce). The
 * rollup's chain id keeps a transfer from being replayed on another rollup;
 * the nonce keeps it from being replayed on this one.
 */
export function transferMessage(poseidon: PoseidonHash, chainId: bigint, transfer: UnsignedTransfer): bigint {
  return poseidon([chainId, BigInt(transfer.from), BigInt(transfer.to), transfer.amount, transfer.nonce]);
}

export function signTransfer(
  poseidon: PoseidonHash,
  key: L2Key,
  chainId: bigint,
  transfer: UnsignedTransfer,
): SignedTransfer {
  return { ...transfer, signature: key.sign(transferMessage(poseidon, chainId, transfer)) };
}
