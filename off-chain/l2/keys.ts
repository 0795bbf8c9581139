import { randomBytes } from "node:crypto";

import type { EdDSA } from "circomlibjs";

import { fieldToBigint } from "./crypto.js";

/** A BabyJubJub public key in canonical coordinates. */
export interface PublicKey {
  readonly x: bigint;
  readonly y: bigint;
}

/** An EdDSA-Poseidon signature in canonical form: the circuit's signatureR8x, signatureR8y, signatureS. */
export interface Signature {
  readonly R8x: bigint;
  readonly R8y: bigint;
  readonly S: bigint;
}

/** An L2 account's signing key (EdDSA-Poseidon over BabyJubJub). */
export class L2Key {
  readonly publicKey: PublicKey;

  constructor(
    private readonly eddsa: EdDSA,
    private readonly privateKey: Uint8Array,
  ) {
    if (privateKey.length !== 32) {
      throw new RangeError(`an L2 private key is 32 bytes, got ${privateKey.length}`);
    }
    const [x, y] = eddsa.prv2pub(privateKey);
    this.publicKey = { x: fieldToBigint(eddsa, x), y: fieldToBigint(eddsa, y) };
  }

  static random(eddsa: EdDSA): L2Key {
    return new L2Key(eddsa, randomBytes(32));
  }

  /** Signs a field element (a Poseidon message hash). */
  sign(message: bigint): Signature {
    const signature = this.eddsa.signPoseidon(this.privateKey, this.eddsa.F.e(message));
    return {
      R8x: fieldToBigint(this.eddsa, signature.R8[0]),
      R8y: fieldToBigint(this.eddsa, signature.R8[1]),
      S: signature.S,
    };
  }
}

export function verifySignature(eddsa: EdDSA, message: bigint, signature: Signature, publicKey: PublicKey): boolean {
  return eddsa.verifyPoseidon(
    eddsa.F.e(message),
    { R8: [eddsa.F.e(signature.R8x), eddsa.F.e(signature.R8y)], S: signature.S },
    [eddsa.F.e(publicKey.x), eddsa.F.e(publicKey.y)],
  );
}
