import { addPoint, Base8, inCurve, subOrder } from "@zk-kit/baby-jubjub";

import { poseidon, SNARK_SCALAR_FIELD } from "./crypto.js";
import { A, add, D, extended, multiply, samePoint } from "./curve.js";

/**
 * An EdDSA-Poseidon signature as a user signs it and sends it to the
 * sequencer: two 256-bit words.
 *   R8: the point R8 compressed: bits 0..254 its y coordinate, bit 255 set iff x > (p - 1) / 2 (posted as is);
 *   S:  the scalar S (posted folded into its batch's aggregate S, see aggregate.ts).
 * The words may be anything: verifyPostedSignature decides whether they are a
 * valid signature; decompressPoint decides R8 as the circuit's PostedPoint does.
 */
export interface PostedSignature {
  readonly R8: bigint;
  readonly S: bigint;
}

/** A point of BabyJubJub (affine twisted Edwards coordinates). */
export interface CurvePoint {
  readonly x: bigint;
  readonly y: bigint;
}

const SIGN_BIT = 1n << 255n;
const HALF_FIELD = (SNARK_SCALAR_FIELD - 1n) / 2n;
/** The largest value a posted 256-bit word can hold. */
export const MAX_WORD = (1n << 256n) - 1n;

/** The usual compression: y, with the top bit set when x is "negative" (above (p - 1) / 2). */
export function compressPoint(point: CurvePoint): bigint {
  return point.y | (point.x > HALF_FIELD ? SIGN_BIT : 0n);
}

/**
 * The point a compressed word names, or undefined when it names none: y not
 * below the field modulus, no x on the curve for y, or the sign bit set for
 * x = 0 (which has no negative). As circuits/lib/signature.circom decides.
 */
export function decompressPoint(word: bigint): CurvePoint | undefined {
  if (word < 0n || word > MAX_WORD) return undefined;
  const negative = word >= SIGN_BIT;
  const y = negative ? word - SIGN_BIT : word;
  if (y >= SNARK_SCALAR_FIELD) return undefined;
  const { x, onCurve } = decompressionWitness(word);
  if (!onCurve || (x === 0n && negative)) return undefined;
  return { x, y };
}

/** Whether a public key is usable: on the curve and not of small order (8A is not the identity). */
export function isUsablePublicKey(key: CurvePoint): boolean {
  if (key.x >= SNARK_SCALAR_FIELD || key.y >= SNARK_SCALAR_FIELD || !inCurve([key.x, key.y])) return false;
  return timesEight(key)[0] !== 0n;
}

function timesEight(key: CurvePoint): [bigint, bigint] {
  let point: [bigint, bigint] = [key.x, key.y];
  for (let i = 0; i < 3; i++) point = addPoint(point, point);
  return point;
}

/**
 * Whether `signature` is the key's EdDSA-Poseidon signature of `message`, as
 * the sequencer checks each transfer at its door: S below the subgroup order,
 * R8 a canonical compressed point, 8A not the identity (a small-order key
 * signs nothing: with 8A = 0 any R8 = S * B8 would verify), and
 * S * B8 = R8 + Poseidon(R8x, R8y, Ax, Ay, message) * 8A. Stricter than the
 * batch's aggregate (cofactored, and blind to S + l): every signature that
 * passes here counts in an aggregate.
 * The key must be on the curve (genesis checks every key).
 */
export function verifyPostedSignature(message: bigint, signature: PostedSignature, key: CurvePoint): boolean {
  if (signature.S < 0n || signature.S >= subOrder) return false;
  const r8 = decompressPoint(signature.R8);
  if (r8 === undefined) return false;
  const a8 = timesEight(key);
  if (a8[0] === 0n) return false;
  const h = poseidon([r8.x, r8.y, key.x, key.y, message]);
  const left = multiply(extended(Base8), signature.S);
  const right = add(extended([r8.x, r8.y]), multiply(extended(a8), h));
  return samePoint(left, right);
}

/**
 * The decompression witness the circuit needs for a posted R8: x and whether
 * the curve has a point at y. When it has none, (1 - y^2) / (a - d y^2) is a
 * non-residue and x is a square root of 5 times it (5 is a non-residue mod p),
 * which the circuit checks instead.
 */
export function decompressionWitness(word: bigint): { readonly x: bigint; readonly onCurve: boolean } {
  const y = (word % SIGN_BIT) % SNARK_SCALAR_FIELD;
  const negative = word >= SIGN_BIT;
  const p = SNARK_SCALAR_FIELD;
  const y2 = (y * y) % p;
  const u = (1n - y2 + p) % p;
  const v = (A - ((D * y2) % p) + p) % p;
  const ratio = (u * modInverse(v)) % p;
  const root = sqrt(ratio);
  if (root !== undefined) {
    return { x: negative && root !== 0n ? p - root : root, onCurve: true };
  }
  const other = sqrt((ratio * NON_RESIDUE) % p);
  if (other === undefined) throw new Error(`no square root of 5 * ${ratio}: 5 is not a non-residue?`);
  return { x: other, onCurve: false };
}

const NON_RESIDUE = 5n;

function modPow(base: bigint, exponent: bigint): bigint {
  const p = SNARK_SCALAR_FIELD;
  let result = 1n;
  let b = base % p;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % p;
    b = (b * b) % p;
    e >>= 1n;
  }
  return result;
}

function modInverse(value: bigint): bigint {
  return modPow(value, SNARK_SCALAR_FIELD - 2n);
}

/** The square root <= (p - 1) / 2 of a residue, or undefined for a non-residue. */
function sqrt(value: bigint): bigint | undefined {
  if (value === 0n) return 0n;
  if (modPow(value, HALF_FIELD) !== 1n) return undefined;
  return tonelliShanks(value);
}

function tonelliShanks(n: bigint): bigint {
  const p = SNARK_SCALAR_FIELD;
  let q = p - 1n;
  let s = 0n;
  while (q % 2n === 0n) {
    q /= 2n;
    s += 1n;
  }
  let m = s;
  let c = modPow(NON_RESIDUE, q);
  let t = modPow(n, q);
  let r = modPow(n, (q + 1n) / 2n);
  while (t !== 1n) {
    let i = 0n;
    let t2 = t;
    while (t2 !== 1n) {
      t2 = (t2 * t2) % p;
      i += 1n;
    }
    let b = c;
    for (let j = 0n; j < m - i - 1n; j++) b = (b * b) % p;
    m = i;
    c = (b * b) % p;
    t = (t * c) % p;
    r = (r * b) % p;
  }
  return r > HALF_FIELD ? p - r : r;
}
