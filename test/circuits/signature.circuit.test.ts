import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";

import { Base8, mulPointEscalar, subOrder } from "@zk-kit/baby-jubjub";
import { expect } from "chai";

import {
  compressPoint,
  decompressionWitness,
  L2Key,
  poseidon,
  SNARK_SCALAR_FIELD,
  verifyPostedSignature,
  type CurvePoint,
  type PostedSignature,
} from "../../off-chain/l2/index.js";
import { evaluateMain } from "../helpers/test-main.js";

// The CommonJS build: the ESM one does not load under Hardhat's test runner (see off-chain/l2/keys.ts).
const { verifySignature } = createRequire(import.meta.url)(
  "@zk-kit/eddsa-poseidon",
) as typeof import("@zk-kit/eddsa-poseidon");

const bits = (word: bigint) => Array.from({ length: 256 }, (_, i) => ((word >> BigInt(i)) & 1n).toString());

/** What the circuit's PostedSignatureValid says of (key, message, posted words). */
async function circuitSays(key: CurvePoint, message: bigint, signature: PostedSignature): Promise<boolean> {
  const r8 = decompressionWitness(signature.R8);
  const [valid] = await evaluateMain("posted-signature", {
    Ax: key.x.toString(),
    Ay: key.y.toString(),
    M: message.toString(),
    r8Bits: bits(signature.R8),
    sBits: bits(signature.S),
    r8x: r8.x.toString(),
    r8OnCurve: r8.onCurve ? "1" : "0",
  });
  return valid === 1n;
}

const random = (modulus: bigint) => BigInt("0x" + randomBytes(40).toString("hex")) % modulus;
const point = ([x, y]: readonly [bigint, bigint]): CurvePoint => ({ x, y });
const add = (a: CurvePoint, b: CurvePoint): CurvePoint => {
  // The twisted Edwards sum (complete on BabyJubJub), for keys with a torsion part.
  const p = SNARK_SCALAR_FIELD;
  const inv = (v: bigint) => {
    let r = 1n;
    let base = ((v % p) + p) % p;
    let e = p - 2n;
    while (e > 0n) {
      if (e & 1n) r = (r * base) % p;
      base = (base * base) % p;
      e >>= 1n;
    }
    return r;
  };
  const t = (168696n * a.x * b.x * a.y * b.y) % p;
  return {
    x: (((a.x * b.y + a.y * b.x) % p) * inv(1n + t)) % p,
    y: (((((a.y * b.y - 168700n * a.x * b.x) % p) + p) % p) * inv(1n - t + p)) % p,
  };
};

/**
 * A signature that verifies for key = s B8 + torsion: R8 = r B8, S = r + 8 h s (the torsion part vanishes in 8A).
 */
function signFor(secret: bigint, key: CurvePoint, message: bigint): PostedSignature {
  const r = random(subOrder);
  const r8 = point(mulPointEscalar(Base8, r));
  const h = poseidon([r8.x, r8.y, key.x, key.y, message]);
  return { R8: compressPoint(r8), S: (r + 8n * h * secret) % subOrder };
}

describe("PostedSignatureValid (circuit) and verifyPostedSignature (model) on adversarial keys and signatures", function () {
  const identity = { x: 0n, y: 1n };
  const order2 = { x: 0n, y: SNARK_SCALAR_FIELD - 1n };
  const order4 = { x: decompressionWitness(0n).x, y: 0n };
  const message = 123456789n;

  const cases: [string, () => { key: CurvePoint; signature: PostedSignature }, boolean][] = [];
  const honest = () => {
    const key = L2Key.random();
    return { key, signature: key.sign(message) };
  };
  cases.push([
    "a signature by another key",
    () => ({ key: honest().key.publicKey, signature: honest().signature }),
    false,
  ]);
  cases.push([
    "an honest signature by its key",
    () => {
      const { key, signature } = honest();
      return { key: key.publicKey, signature };
    },
    true,
  ]);
  for (const [name, torsion] of [
    ["order 2", order2],
    ["order 4", order4],
  ] as const) {
    cases.push([
      `a key with a torsion part of ${name}, signed for it`,
      () => {
        const secret = random(subOrder);
        const key = add(point(mulPointEscalar(Base8, secret)), torsion);
        return { key, signature: signFor(secret, key, message) };
      },
      true,
    ]);
    cases.push([
      `a key of small order (${name}) with R8 = S B8, which verifies without 8A = 0 refused`,
      () => {
        const r = random(subOrder);
        return { key: torsion, signature: { R8: compressPoint(point(mulPointEscalar(Base8, r))), S: r } };
      },
      false,
    ]);
  }
  cases.push([
    "the identity as key with R8 = S B8",
    () => {
      const r = random(subOrder);
      return { key: identity, signature: { R8: compressPoint(point(mulPointEscalar(Base8, r))), S: r } };
    },
    false,
  ]);
  const tweak = (name: string, change: (s: PostedSignature) => PostedSignature) =>
    cases.push([
      `an honest signature with ${name}`,
      () => {
        const { key, signature } = honest();
        return { key: key.publicKey, signature: change(signature) };
      },
      false,
    ]);
  tweak("S + l", (s) => ({ ...s, S: s.S + subOrder }));
  tweak("S's top bit set", (s) => ({ ...s, S: s.S | (1n << 255n) }));
  tweak("R8's sign flipped", (s) => ({ ...s, R8: s.R8 ^ (1n << 255n) }));
  tweak("R8's y + p (not canonical)", (s) => ({
    ...s,
    R8: (s.R8 % (1n << 255n)) + SNARK_SCALAR_FIELD < 1n << 255n ? s.R8 + SNARK_SCALAR_FIELD : s.R8 | (1n << 254n),
  }));
  tweak("R8's bit 254 set", (s) => ({ ...s, R8: s.R8 | (1n << 254n) }));
  tweak("R8 = (0, 1) with the sign bit (x = 0 has no negative)", (s) => ({ ...s, R8: 1n | (1n << 255n) }));
  tweak("random words", () => ({
    R8: BigInt("0x" + randomBytes(32).toString("hex")),
    S: BigInt("0x" + randomBytes(32).toString("hex")),
  }));

  for (const [name, make, expected] of cases) {
    it(`Should agree on ${name} (${expected ? "valid" : "invalid"})`, async function () {
      for (let run = 0; run < 3; run++) {
        const { key, signature } = make();
        const model = verifyPostedSignature(message, signature, key);
        expect(model, "model").to.equal(expected);
        expect(await circuitSays(key, message, signature), "circuit").to.equal(expected);
      }
    });
  }

  it("Should find y values with no point, and refuse them in both", async function () {
    let found = 0;
    for (let y = 2n; found < 3; y++) {
      if (decompressionWitness(y).onCurve) continue;
      found += 1;
      const { key, signature } = honest();
      const bad = { ...signature, R8: y };
      expect(verifyPostedSignature(message, bad, key.publicKey)).to.equal(false);
      expect(await circuitSays(key.publicKey, message, bad)).to.equal(false);
    }
  });

  it("Should refuse small-order keys where @zk-kit/eddsa-poseidon's own check accepts them", function () {
    const r = random(subOrder);
    const r8 = mulPointEscalar(Base8, r);
    const forged = { R8: r8, S: r };
    // The library's verifySignature takes any message for a small-order key: why the model checks 8A itself.
    expect(verifySignature(message, forged, [order2.x, order2.y])).to.equal(true);
    expect(verifyPostedSignature(message, { R8: compressPoint(point(r8)), S: r }, order2)).to.equal(false);
  });
});
