import type { PoseidonHash } from "./crypto.js";
import type { PublicKey } from "./keys.js";

/** An account of the L2: a leaf of the state tree. */
export interface Account {
  readonly publicKey: PublicKey;
  readonly balance: bigint;
  readonly nonce: bigint;
}

/** Poseidon(publicKeyX, publicKeyY, balance, nonce), as circuits/lib/account.circom. */
export function accountLeaf(poseidon: PoseidonHash, account: Account): bigint {
  return poseidon([account.publicKey.x, account.publicKey.y, account.balance, account.nonce]);
}
