import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";

// The package's ESM build imports named exports from blakejs, a CommonJS module whose exports Node's ESM loader
// cannot see (Hardhat's test runner fails on it); its CommonJS build requires blakejs plainly.
const { derivePublicKey, signMessage } = createRequire(import.meta.url)(
  "@zk-kit/eddsa-poseidon",
) as typeof import("@zk-kit/eddsa-poseidon");

import { compressPoint, type PostedSignature } from "./signature.js";

/** A BabyJubJub public key in canonical coordinates. */
export interface PublicKey {
  readonly x: bigint;
  readonly y: bigint;
}

/** An L2 account's signing key (EdDSA-Poseidon over BabyJubJub, @zk-kit/eddsa-poseidon). */
export class L2Key {
  readonly publicKey: PublicKey;

  constructor(private readonly privateKey: Uint8Array) {
    if (privateKey.length !== 32) {
      throw new RangeError(`an L2 private key is 32 bytes, got ${privateKey.length}`);
    }
    const [x, y] = derivePublicKey(Buffer.from(privateKey));
    this.publicKey = { x, y };
  }

  static random(): L2Key {
    return new L2Key(randomBytes(32));
  }

  /** Signs a field element (a Poseidon message hash); the signature comes compressed, as it is posted. */
  sign(message: bigint): PostedSignature {
    const signature = signMessage(Buffer.from(this.privateKey), message);
    return { R8: compressPoint({ x: signature.R8[0], y: signature.R8[1] }), S: signature.S };
  }
}
