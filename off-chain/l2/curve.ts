import { SNARK_SCALAR_FIELD } from "./crypto.js";

/** BabyJubJub's twisted Edwards coefficients: a x^2 + y^2 = 1 + d x^2 y^2. */
export const A = 168700n;
export const D = 168696n;

// Scalar multiplication in extended twisted Edwards coordinates (X : Y : T : Z), x = X / Z, y = Y / Z, T = X Y / Z:
// no field inversion per step, where @zk-kit/baby-jubjub's affine mulPointEscalar inverts twice per addition
// (about 20 times slower; a miner replays every posted signature). The unified addition below (Hisil et al. 2008,
// "add-2008-hwcd") is complete on BabyJubJub, whose a is a square and d is not, so it is the group law on every
// point, as the circuit's BabyAdd is.
export interface Extended {
  readonly X: bigint;
  readonly Y: bigint;
  readonly T: bigint;
  readonly Z: bigint;
}

/** The group's identity, (0, 1). */
export const IDENTITY: Extended = Object.freeze({ X: 0n, Y: 1n, T: 0n, Z: 1n });

export function extended([x, y]: readonly [bigint, bigint]): Extended {
  return { X: x, Y: y, T: (x * y) % SNARK_SCALAR_FIELD, Z: 1n };
}

export function add(P: Extended, Q: Extended): Extended {
  const p = SNARK_SCALAR_FIELD;
  const a = (P.X * Q.X) % p;
  const b = (P.Y * Q.Y) % p;
  const c = (((D * P.T) % p) * Q.T) % p;
  const d = (P.Z * Q.Z) % p;
  const e = ((((P.X + P.Y) * (Q.X + Q.Y) - a - b) % p) + p) % p;
  const f = (d - c + p) % p;
  const g = (d + c) % p;
  const h = (b - ((A * a) % p) + p) % p;
  return { X: (e * f) % p, Y: (g * h) % p, T: (e * h) % p, Z: (f * g) % p };
}

export function multiply(point: Extended, scalar: bigint): Extended {
  let result = IDENTITY;
  let addend = point;
  for (let k = scalar; k > 0n; k >>= 1n) {
    if (k & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}

/** 2^3 P: clears any small-order part of a point of the curve. */
export function timesEight(point: Extended): Extended {
  let result = point;
  for (let i = 0; i < 3; i++) result = add(result, result);
  return result;
}

/** Projective equality: X1 Z2 = X2 Z1 and Y1 Z2 = Y2 Z1. */
export function samePoint(left: Extended, right: Extended): boolean {
  const p = SNARK_SCALAR_FIELD;
  return (left.X * right.Z - right.X * left.Z) % p === 0n && (left.Y * right.Z - right.Y * left.Z) % p === 0n;
}
