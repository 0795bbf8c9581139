import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";

import { Base8, mulPointEscalar, subOrder } from "@zk-kit/baby-jubjub";
import { expect } from "chai";

import {
  aggregateS,
  compressPoint,
  decompressionWitness,
  decompressPoint,
  isUsablePublicKey,
  L2Key,
  poseidon,
  signatureShare,
  SNARK_SCALAR_FIELD,
  verifyAggregate,
  verifyPostedSignature,
  type CurvePoint,
  type PostedSignature,
  type SignatureShare,
} from "../../off-chain/l2/index.js";
import { evaluateMain } from "../helpers/test-main.js";

// The CommonJS build: the ESM one does not load under Hardhat's test runner (see off-chain/l2/keys.ts).
const { verifySignature } = createRequire(import.meta.url)(
  "@zk-kit/eddsa-poseidon",
) as typeof import("@zk-kit/eddsa-poseidon");

const bits = (word: bigint) => Array.from({ length: 256 }, (_, i) => ((word >> BigInt(i)) & 1n).toString());

/** One slot of the test main: a key, a message and a posted R8 (the slot's own S goes into the aggregate). */
interface Slot {
  readonly key: CurvePoint;
  readonly message: bigint;
  readonly R8: bigint;
}

interface Decision {
  readonly valid: boolean;
  readonly signers: readonly boolean[];
}

/** The model's shares: a slot signs iff its key is usable and its R8 is a point (TransferSlot also asks more). */
function modelShares(slots: readonly Slot[]): SignatureShare[] {
  return slots.flatMap((slot, i) => {
    const r8 = decompressPoint(slot.R8);
    return r8 === undefined || !isUsablePublicKey(slot.key) ? [] : [signatureShare(i, r8, slot.key, slot.message)];
  });
}

function modelSays(slots: readonly Slot[], s: bigint): Decision {
  const shares = modelShares(slots);
  return { valid: verifyAggregate(shares, s), signers: slots.map((_, i) => shares.some((share) => share.slot === i)) };
}

/** What the circuit's templates (PostedPoint, SignatureShare, AggregateSignatureValid) say of two slots and S. */
async function circuitSays(slots: readonly [Slot, Slot], s: bigint): Promise<Decision> {
  const witness = slots.map((slot) => decompressionWitness(slot.R8));
  const [valid, signer0, signer1] = await evaluateMain(
    "aggregate-signature",
    {
      enabled: ["1", "1"],
      Ax: slots.map((slot) => slot.key.x.toString()),
      Ay: slots.map((slot) => slot.key.y.toString()),
      M: slots.map((slot) => slot.message.toString()),
      r8Bits: slots.map((slot) => bits(slot.R8)),
      r8x: witness.map((w) => w.x.toString()),
      r8OnCurve: witness.map((w) => (w.onCurve ? "1" : "0")),
      sBits: bits(s),
    },
    3,
  );
  return { valid: valid === 1n, signers: [signer0 === 1n, signer1 === 1n] };
}

/** The aggregate a sequencer makes of the slots' own S values (only the signers' count). */
function sealed(slots: readonly Slot[], s: readonly bigint[]): bigint {
  const shares = modelShares(slots);
  return aggregateS(
    shares,
    shares.map((share) => s[share.slot] ?? 0n),
  );
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

describe("Aggregate signatures: the circuit's templates and the model on adversarial keys, R8 and S", function () {
  const identity = { x: 0n, y: 1n };
  const order2 = { x: 0n, y: SNARK_SCALAR_FIELD - 1n };
  const order4 = { x: decompressionWitness(0n).x, y: 0n };
  const message = 123456789n;

  const honest = (m = message) => {
    const key = L2Key.random();
    return { key: key.publicKey, signature: key.sign(m) };
  };

  /**
   * Second slots, beside an honest first one; the batch's S is sealed from both slots' own S, as a sequencer would.
   * expected: whether the second slot is a signer, and whether the aggregate verifies. door: what the sequencer's
   * check of the signature alone says (stricter: it refuses S >= l and an R8 with a small-order part, which the
   * aggregate cannot tell apart).
   */
  const cases: [
    string,
    () => { key: CurvePoint; signature: PostedSignature },
    Decision["signers"][1],
    boolean,
    boolean,
  ][] = [];
  cases.push(["an honest signature by its key", () => honest(), true, true, true]);
  cases.push([
    "a signature by another key",
    () => ({ key: honest().key, signature: honest().signature }),
    true,
    false,
    false,
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
      true,
      true,
    ]);
    cases.push([
      `an R8 with a torsion part of ${name}, signed for it (cofactored: the aggregate takes it)`,
      () => {
        const secret = random(subOrder);
        const key = point(mulPointEscalar(Base8, secret));
        const r = random(subOrder);
        const r8 = add(point(mulPointEscalar(Base8, r)), torsion);
        const h = poseidon([r8.x, r8.y, key.x, key.y, message]);
        return { key, signature: { R8: compressPoint(r8), S: (r + 8n * h * secret) % subOrder } };
      },
      true,
      true,
      false,
    ]);
    cases.push([
      `a key of small order (${name}) with R8 = S B8: no signer, so it proves nothing`,
      () => {
        const r = random(subOrder);
        return { key: torsion, signature: { R8: compressPoint(point(mulPointEscalar(Base8, r))), S: r } };
      },
      false,
      true,
      false,
    ]);
  }
  cases.push([
    "the identity as key with R8 = S B8: no signer",
    () => {
      const r = random(subOrder);
      return { key: identity, signature: { R8: compressPoint(point(mulPointEscalar(Base8, r))), S: r } };
    },
    false,
    true,
    false,
  ]);
  const tweak = (name: string, change: (s: PostedSignature) => PostedSignature, signer: boolean, valid: boolean) =>
    cases.push([
      `an honest signature with ${name}`,
      () => {
        const { key, signature } = honest();
        return { key, signature: change(signature) };
      },
      signer,
      valid,
      false,
    ]);
  // S + l aggregates to the same S mod l: the sequencer's door refuses it, the aggregate cannot see it.
  tweak("S + l", (s) => ({ ...s, S: s.S + subOrder }), true, true);
  tweak("S's top bit set", (s) => ({ ...s, S: s.S | (1n << 255n) }), true, false);
  tweak("R8's sign flipped", (s) => ({ ...s, R8: s.R8 ^ (1n << 255n) }), true, false);
  tweak(
    "R8's y + p (not canonical)",
    (s) => ({
      ...s,
      R8: (s.R8 % (1n << 255n)) + SNARK_SCALAR_FIELD < 1n << 255n ? s.R8 + SNARK_SCALAR_FIELD : s.R8 | (1n << 254n),
    }),
    false,
    true,
  );
  tweak("R8's bit 254 set", (s) => ({ ...s, R8: s.R8 | (1n << 254n) }), false, true);
  tweak("R8 = (0, 1) with the sign bit (x = 0 has no negative)", (s) => ({ ...s, R8: 1n | (1n << 255n) }), false, true);

  for (const [name, make, signer, valid, door] of cases) {
    it(`Should agree on ${name} (${signer ? "a signer" : "no signer"}, aggregate ${valid ? "valid" : "invalid"})`, async function () {
      for (let run = 0; run < 2; run++) {
        const first = honest(message + 1n);
        const second = make();
        const slots: [Slot, Slot] = [
          { key: first.key, message: message + 1n, R8: first.signature.R8 },
          { key: second.key, message, R8: second.signature.R8 },
        ];
        const s = sealed(slots, [first.signature.S, second.signature.S]);
        const expected = { valid, signers: [true, signer] };
        expect(modelSays(slots, s), "model").to.deep.equal(expected);
        expect(await circuitSays(slots, s), "circuit").to.deep.equal(expected);
        expect(verifyPostedSignature(message, second.signature, second.key), "the door").to.equal(door);
      }
    });
  }

  it("Should agree on random R8 and S words: valid only when the slot is no signer", async function () {
    for (let run = 0; run < 4; run++) {
      const first = honest(message + 1n);
      const R8 = BigInt("0x" + randomBytes(32).toString("hex"));
      const slots: [Slot, Slot] = [
        { key: first.key, message: message + 1n, R8: first.signature.R8 },
        { key: honest().key, message, R8 },
      ];
      const s = sealed(slots, [first.signature.S, BigInt("0x" + randomBytes(32).toString("hex"))]);
      const model = modelSays(slots, s);
      expect(model.valid, "valid iff the random slot is no signer").to.equal(!model.signers[1]);
      expect(await circuitSays(slots, s), "circuit").to.deep.equal(model);
    }
  });

  it("Should refuse any other aggregate S in both: S + 1, S + l, S with a high bit, and 0", async function () {
    const a = honest();
    const b = honest(message + 1n);
    const slots: [Slot, Slot] = [
      { key: a.key, message, R8: a.signature.R8 },
      { key: b.key, message: message + 1n, R8: b.signature.R8 },
    ];
    const s = sealed(slots, [a.signature.S, b.signature.S]);
    expect(modelSays(slots, s).valid).to.equal(true);
    for (const other of [s + 1n, s + subOrder, s | (1n << 255n), 0n]) {
      const expected = { valid: false, signers: [true, true] };
      expect(modelSays(slots, other), `model, S = ${other}`).to.deep.equal(expected);
      expect(await circuitSays(slots, other), `circuit, S = ${other}`).to.deep.equal(expected);
    }
    // The same two signatures with their weights swapped (slots exchanged) give another S.
    const swapped: [Slot, Slot] = [slots[1], slots[0]];
    expect((await circuitSays(swapped, s)).valid).to.equal(false);
    expect((await circuitSays(swapped, sealed(swapped, [b.signature.S, a.signature.S]))).valid).to.equal(true);
  });

  it("Should take S = 0, and only 0, when no slot is a signer", async function () {
    const slots: [Slot, Slot] = [
      { key: order2, message, R8: honest().signature.R8 },
      { key: honest().key, message, R8: 2n },
    ];
    expect(decompressionWitness(2n).onCurve).to.equal(false);
    for (const [s, valid] of [
      [0n, true],
      [1n, false],
    ] as const) {
      const expected = { valid, signers: [false, false] };
      expect(modelSays(slots, s)).to.deep.equal(expected);
      expect(await circuitSays(slots, s)).to.deep.equal(expected);
    }
  });

  it("Should find y values with no point, and make no signer of them in both", async function () {
    let found = 0;
    for (let y = 2n; found < 3; y++) {
      if (decompressionWitness(y).onCurve) continue;
      found += 1;
      const first = honest();
      const slots: [Slot, Slot] = [
        { key: first.key, message, R8: first.signature.R8 },
        { key: honest().key, message, R8: y },
      ];
      const s = sealed(slots, [first.signature.S, 5n]);
      const expected = { valid: true, signers: [true, false] };
      expect(modelSays(slots, s)).to.deep.equal(expected);
      expect(await circuitSays(slots, s)).to.deep.equal(expected);
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
