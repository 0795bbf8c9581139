import { Base8, subOrder } from "@zk-kit/baby-jubjub";

import { poseidon } from "./crypto.js";
import { add, extended, IDENTITY, multiply, samePoint, timesEight, type Extended } from "./curve.js";
import type { CurvePoint } from "./signature.js";

/**
 * A batch's signatures are posted half-aggregated (Chalkias, Garillot, Kondi,
 * Nikolaenko, "Non-interactive half-aggregation of EdDSA and variants of
 * Schnorr signatures", CT-RSA 2021): each transfer posts its R8, the batch
 * posts one S for all of them. That halves the signature bytes on the base
 * chain, where they were most of a transfer's cost. circuits/lib/aggregate.circom
 * decides the same.
 *
 * A signer is a slot whose sender could sign: an account with a key not of
 * small order, and a posted R8 that is a point. Its share is
 *   h     = Poseidon(R8x, R8y, Ax, Ay, M), the EdDSA-Poseidon challenge;
 *   point = 8 (R8 + h 8A).
 * Over the signers in slot order: c = 0, c = Poseidon(c, h_i); each signer's
 * weight is z_i = Poseidon(c, i) mod 2^128 (i its slot). The aggregate S is
 * valid iff S < l and 8 S B8 = sum z_i point_i; the sequencer makes it as
 * S = sum z_i S_i mod l from the signatures it checked one by one.
 */
export interface SignatureShare {
  /** The slot of the transfer in its batch. */
  readonly slot: number;
  readonly h: bigint;
  readonly point: Extended;
}

const WEIGHT_MASK = (1n << 128n) - 1n;

/** The signer's share of the aggregate: its challenge and 8 (R8 + h 8A). */
export function signatureShare(slot: number, r8: CurvePoint, key: CurvePoint, message: bigint): SignatureShare {
  const h = poseidon([r8.x, r8.y, key.x, key.y, message]);
  const keyTimes8 = timesEight(extended([key.x, key.y]));
  return { slot, h, point: timesEight(add(extended([r8.x, r8.y]), multiply(keyTimes8, h))) };
}

/** Each signer's weight z_i, in the order of `shares` (which must be slot order). */
export function aggregationWeights(shares: readonly SignatureShare[]): bigint[] {
  const seed = shares.reduce((c, share) => poseidon([c, share.h]), 0n);
  return shares.map((share) => poseidon([seed, BigInt(share.slot)]) & WEIGHT_MASK);
}

/** S = sum z_i S_i mod l: the aggregate of the signers' own S, in the order of `shares`. */
export function aggregateS(shares: readonly SignatureShare[], s: readonly bigint[]): bigint {
  if (s.length !== shares.length) throw new RangeError(`${shares.length} shares but ${s.length} values of S`);
  const weights = aggregationWeights(shares);
  return weights.reduce((sum, z, i) => (sum + z * (s[i] ?? 0n)) % subOrder, 0n);
}

/** Whether `s` is the aggregate of the signers' signatures: s < l and 8 s B8 = sum z_i point_i. */
export function verifyAggregate(shares: readonly SignatureShare[], s: bigint): boolean {
  if (s < 0n || s >= subOrder) return false;
  const weights = aggregationWeights(shares);
  const right = shares.reduce((sum, share, i) => add(sum, multiply(share.point, weights[i] ?? 0n)), IDENTITY);
  return samePoint(timesEight(multiply(extended(Base8), s)), right);
}
