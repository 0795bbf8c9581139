import { expect } from "chai";
import fc from "fast-check";

import { getCircuitConfig, TEST_CIRCUIT } from "../../off-chain/circuits/index.js";
import {
  batchCommitment,
  buildBatchWitness,
  compressPoint,
  decompressionWitness,
  MAX_BALANCE,
  SNARK_SCALAR_FIELD,
  type BatchCircuitInput,
  type PostedBatch,
  type PostedSignature,
  type TransferToApply,
} from "../../off-chain/l2/index.js";
import { calculateWitness, expectRejected, testCircuit } from "../helpers/circuit.js";
import { l2Fixture, PROVER, sign, transferChoices, validTransfers, type L2Fixture } from "../helpers/l2.js";

const { batchSize, treeDepth } = getCircuitConfig(TEST_CIRCUIT);
const ACCOUNTS = 5;
const SUBGROUP_ORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;

describe(`Batch circuit (${TEST_CIRCUIT}: batch size ${batchSize}, tree depth ${treeDepth})`, function () {
  let fixture: L2Fixture;

  before(async function () {
    await testCircuit();
    fixture = await l2Fixture(treeDepth, [
      ...Array.from({ length: ACCOUNTS - 1 }, (_, i) => 1_000_000n * BigInt(i + 1)),
      MAX_BALANCE - 5n,
    ]);
  });

  /** The witness of transfers sealed as the sequencer would (one aggregate S), or of a batch exactly as posted. */
  function witness(posted: readonly TransferToApply[] | PostedBatch, state = fixture.genesis) {
    const request = { state, prover: PROVER, chainId: fixture.chainId, batchSize };
    return buildBatchWitness(
      fixture.crypto,
      "aggregateS" in posted ? { ...request, batch: posted } : { ...request, transfers: posted },
    );
  }

  /** A copy of the input with one signal changed (slot-indexed signals take [slot, value]). */
  function tamper(input: BatchCircuitInput, signal: string, value: bigint, slot?: number): BatchCircuitInput {
    const copy = structuredClone(input);
    const current = copy[signal];
    if (slot === undefined) copy[signal] = value.toString();
    else if (Array.isArray(current)) (current as string[])[slot] = value.toString();
    else throw new Error(`signal ${signal} is not an array`);
    return copy;
  }

  /**
   * The circuit agrees with the model: it accepts the model's witness (whose
   * newStateRoot is the model's), and no other new root.
   */
  async function expectAgreement(posted: readonly TransferToApply[] | PostedBatch, state = fixture.genesis) {
    const built = witness(posted, state);
    await calculateWitness(built.input);
    await expectRejected(tamper(built.input, "newStateRoot", built.newStateRoot + 1n), ["Batch"]);
    return built;
  }

  const transfer = (from: number, to: number, amount: bigint, nonce = 0n, key = from) =>
    sign(fixture, key, { from, to, amount, nonce });

  describe("# applied transfers", function () {
    it("Should apply a full batch and reach the model's new state root", async function () {
      const built = await expectAgreement([transfer(0, 1, 400n), transfer(1, 2, 7n)].slice(0, batchSize));
      expect(built.newStateRoot).to.not.equal(built.oldStateRoot);
      expect(built.skipped).to.deep.equal([]);
    });

    it("Should accept a padded batch, and an empty one that keeps the root", async function () {
      await expectAgreement([transfer(2, 0, 1n)]);
      const empty = await expectAgreement([]);
      expect(empty.newStateRoot).to.equal(empty.oldStateRoot);
    });

    it("Should apply a transfer to oneself (the credit reads the debited leaf)", async function () {
      const built = await expectAgreement([transfer(3, 3, 50n)]);
      expect(built.nextState.account(3)?.balance).to.equal(fixture.genesis.account(3)?.balance);
      expect(built.nextState.account(3)?.nonce).to.equal(1n);
    });

    it("Should agree with the model on many randomised valid batches", async function () {
      await fc.assert(
        fc.asyncProperty(transferChoices(ACCOUNTS - 1, batchSize), async (choices) => {
          const built = witness(validTransfers(fixture, fixture.genesis, choices));
          await calculateWitness(built.input);
        }),
        { numRuns: 12, seed: 20261122 },
      );
    });
  });

  describe("# skipped transfers: proven invalid, nothing changes", function () {
    // A bad signature (another key, nonce or rollup) makes the batch's aggregate S fail: the batch changes nothing.
    const cases: [string, () => TransferToApply[], string][] = [
      ["a signature by another key", () => [transfer(0, 1, 10n, 0n, 1)], "bad-signature"],
      ["a transfer signed at another nonce", () => [transfer(0, 1, 10n, 1n)], "bad-signature"],
      [
        "a transfer signed for another rollup",
        () => [
          {
            ...transfer(0, 1, 10n),
            signature: sign({ ...fixture, chainId: 7n }, 0, { from: 0, to: 1, amount: 10n, nonce: 0n }).signature,
          },
        ],
        "bad-signature",
      ],
      ["an overdraft", () => [transfer(0, 1, 1_000_001n)], "overdraft"],
      ["a credit beyond a uint64", () => [transfer(3, 4, 6n)], "balance-overflow"],
      ["a receiver with no account", () => [transfer(0, 9, 1n)], "no-such-account"],
      ["a sender with no account", () => [{ ...transfer(0, 1, 1n), from: 9 }], "no-such-account"],
      ["a receiver index outside the tree", () => [transfer(0, (1 << treeDepth) + 1, 1n)], "index-out-of-range"],
      ["a sender index outside the tree", () => [{ ...transfer(1, 0, 1n), from: 255 }], "index-out-of-range"],
    ];
    for (const [name, transfers, rule] of cases) {
      it(`Should prove ${name} skipped, as the model does`, async function () {
        const built = await expectAgreement(transfers());
        expect(built.skipped.map((s) => s.rule)).to.deep.equal([rule]);
        expect(built.newStateRoot).to.equal(built.oldStateRoot);
      });
    }

    it("Should prove a batch of only invalid transfers, and one invalid transfer between valid ones", async function () {
      const invalid = await expectAgreement([transfer(0, 1, 10n, 3n), transfer(0, 9, 1n)].slice(0, batchSize));
      expect(invalid.newStateRoot).to.equal(invalid.oldStateRoot);
      // Three slots need a second batch: the invalid one closes the first, a valid one follows in the next.
      const first = await expectAgreement([transfer(0, 1, 10n), transfer(1, 0, 5_000_000n)].slice(0, batchSize));
      expect(first.skipped.map((s) => s.index)).to.deep.equal(batchSize > 1 ? [1] : []);
      const second = await expectAgreement([transfer(1, 2, 3n)], first.nextState);
      expect(second.nextState.account(1)?.balance).to.equal(2_000_000n + 10n - 3n);
    });

    it("Should prove that one bad signature among valid transfers leaves the whole batch without effect", async function () {
      if (batchSize < 2) this.skip();
      const built = await expectAgreement([transfer(0, 1, 10n), transfer(1, 2, 5n, 0n, 2)]);
      expect(built.signed).to.equal(false);
      expect(built.newStateRoot).to.equal(built.oldStateRoot);
      expect(built.skipped.map((s) => s.rule)).to.deep.equal(["bad-signature", "bad-signature"]);
      // Neither the root the transfers would have reached, nor a claim that the valid one alone applied.
      const alone = witness([transfer(0, 1, 10n)]);
      await expectRejected(tamper(built.input, "newStateRoot", alone.newStateRoot), ["Batch"]);
    });

    it("Should not let a prover claim that a valid aggregate failed, nor that a failed one held", async function () {
      const valid = witness([transfer(0, 1, 10n)]);
      expect(valid.signed).to.equal(true);
      await expectRejected(tamper(valid.input, "newStateRoot", valid.oldStateRoot), ["Batch"]);
      const failed = witness({ ...fixture.genesis.seal([transfer(0, 1, 10n)], fixture.chainId), aggregateS: 1n });
      expect(failed.signed).to.equal(false);
      await calculateWitness(failed.input);
      await expectRejected(tamper(failed.input, "newStateRoot", valid.newStateRoot), ["Batch"]);
    });

    it("Should not let a prover claim an applied transfer was skipped, or the reverse", async function () {
      const valid = witness([transfer(0, 1, 10n)]);
      // Saying the sender has no account puts a leaf in the tree that is not there.
      await expectRejected(tamper(valid.input, "senderExists", 0n, 0), ["TransferSlot"]);
      // Saying R8 has no point on the curve needs a square root that does not exist.
      await expectRejected(tamper(valid.input, "signatureR8OnCurve", 0n, 0), ["PostedPoint", "TransferSlot"]);
      // Nor may it give the root of the other sign, which would make the posted point look like none.
      const x = BigInt((valid.input.signatureR8x as string[])[0] ?? "0");
      expect(x).to.not.equal(0n);
      await expectRejected(tamper(valid.input, "signatureR8x", SNARK_SCALAR_FIELD - x, 0), [
        "PostedPoint",
        "TransferSlot",
      ]);
      const skipped = witness([transfer(0, 1, 10n, 0n, 1)]);
      const applied = witness([transfer(0, 1, 10n)]);
      await expectRejected(tamper(skipped.input, "newStateRoot", applied.newStateRoot), ["Batch"]);
    });
  });

  describe("# adversarial posted bytes: model and circuit agree on every input", function () {
    const word = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
    // Signatures near every edge the circuit decides: S at and past the subgroup order, y at and past p,
    // y = ±1 (x = 0) with either sign, random words, and honest signatures with one bit flipped.
    const signatureEdge = (honest: PostedSignature): fc.Arbitrary<PostedSignature> =>
      fc.oneof(
        fc.constant(honest),
        fc.record({ R8: word, S: word }),
        fc
          .constantFrom(SUBGROUP_ORDER - 1n, SUBGROUP_ORDER, SUBGROUP_ORDER + honest.S, honest.S | (1n << 255n))
          .map((S) => ({ ...honest, S })),
        fc
          .constantFrom(
            1n,
            1n | (1n << 255n),
            SNARK_SCALAR_FIELD - 1n,
            SNARK_SCALAR_FIELD,
            SNARK_SCALAR_FIELD + 1n,
            honest.R8 ^ (1n << 255n),
            honest.R8 ^ 1n,
            honest.R8 | (1n << 254n),
          )
          .map((R8) => ({ ...honest, R8 })),
      );
    const slot = fc
      .record({
        from: fc.oneof(fc.nat({ max: ACCOUNTS + 1 }), fc.constantFrom((1 << treeDepth) - 1, 1 << treeDepth, 255)),
        to: fc.oneof(fc.nat({ max: ACCOUNTS + 1 }), fc.constantFrom(1 << treeDepth, 255)),
        amount: fc.oneof(fc.bigInt({ min: 0n, max: 2_000_000n }), fc.constantFrom(0n, 5n, 6n, MAX_BALANCE)),
        nonce: fc.constantFrom(0n, 0n, 1n),
        signer: fc.nat({ max: ACCOUNTS - 1 }),
      })
      .chain((choice) => {
        const honest = sign(fixture, choice.signer, {
          from: choice.from,
          to: choice.to,
          amount: choice.amount,
          nonce: choice.nonce,
        });
        return signatureEdge(honest.signature).map((signature) => ({ ...honest, signature }));
      });

    // The aggregate S as sealed from the transfers' own S, or near it: every S the circuit decides.
    const aggregateEdge = (sealed: bigint): fc.Arbitrary<bigint> =>
      fc.oneof(
        fc.constant(sealed),
        fc.constant(sealed),
        fc.constantFrom(0n, sealed + 1n, sealed + SUBGROUP_ORDER, SUBGROUP_ORDER, sealed | (1n << 255n)),
        word,
      );

    it("Should prove any batch the model applies, transfer by transfer, whatever its aggregate S", async function () {
      let signed = 0;
      await fc.assert(
        fc.asyncProperty(
          fc
            .array(slot, { minLength: 1, maxLength: batchSize })
            .map((transfers) => fixture.genesis.seal(transfers, fixture.chainId))
            .chain((batch) => aggregateEdge(batch.aggregateS).map((aggregateS) => ({ ...batch, aggregateS }))),
          async (batch) => {
            const built = witness(batch);
            if (built.signed) signed += 1;
            await calculateWitness(built.input);
            await expectRejected(tamper(built.input, "newStateRoot", built.newStateRoot + 1n), ["Batch"]);
          },
        ),
        { numRuns: 24, seed: 611 },
      );
      // Both outcomes of the aggregate were tried.
      expect(signed).to.be.within(1, 23);
    });
  });

  describe("# the data commitment", function () {
    it("Should not accept a tampered batch byte", async function () {
      const transfers = [transfer(0, 1, 10n)];
      const built = witness(transfers);
      // A byte of the aggregate S, of the transfer's indices and amount, and of its R8.
      for (const byte of [0, 32 + 9, built.data.length - 1]) {
        const tampered = Uint8Array.from(built.data);
        tampered[byte] = (tampered[byte] ?? 0) ^ 0x01;
        const other = batchCommitment(fixture.crypto.poseidon, fixture.chainId, tampered, batchSize, treeDepth);
        await expectRejected(tamper(built.input, "batchHash", other.batchHash), ["Batch"]);
        // The posted batchHash with another evaluation (the contract's, for the tampered bytes) fails too.
        await expectRejected(
          tamper(tamper(built.input, "dataPoint", other.dataPoint), "dataEvaluation", other.dataEvaluation),
          ["Batch"],
        );
      }
    });

    it("Should not accept a wrong old state root", async function () {
      const built = witness([transfer(0, 1, 10n)]);
      await expectRejected(tamper(built.input, "oldStateRoot", built.oldStateRoot + 1n), ["TransferSlot"]);
    });

    it("Should not accept a batch proven for another rollup's chain id", async function () {
      const built = witness([transfer(0, 1, 10n)]);
      // On that chain the honest signature does not verify: the same bytes are a skipped transfer there.
      const there = buildBatchWitness(fixture.crypto, {
        state: fixture.genesis,
        transfers: [transfer(0, 1, 10n)],
        prover: PROVER,
        chainId: fixture.chainId + 1n,
        batchSize,
      });
      expect(there.skipped.map((s) => s.rule)).to.deep.equal(["bad-signature"]);
      await calculateWitness(there.input);
      // The chain id is inside both commitments: that witness does not open this chain's.
      let input = there.input;
      for (const signal of ["batchHash", "dataPoint", "dataEvaluation"] as const) {
        input = tamper(input, signal, BigInt(built.input[signal] as string));
      }
      await expectRejected(input, ["Batch"]);
    });

    it("Should not accept a count beyond the batch size", async function () {
      const built = witness([]);
      await expectRejected(tamper(built.input, "count", BigInt(batchSize + 1)), ["Batch"]);
    });

    it("Should not accept a padding slot that posts bytes", async function () {
      if (batchSize < 2) this.skip();
      const second = transfer(2, 3, 99n);
      const onlyFirst = witness([transfer(0, 1, 10n)]);
      // Slot 1 stays padding (count 1) but carries the second transfer's bytes, with an honest opening of its
      // accounts: everything holds but the commitment, which covers the padding's zeros.
      let input = onlyFirst.input;
      const state = onlyFirst.nextState;
      const set = (signal: string, value: bigint) => (input = tamper(input, signal, value, 1));
      set("from", 2n);
      set("to", 3n);
      set("amount", 99n);
      set("signatureR8Hi", second.signature.R8 >> 128n);
      set("signatureR8Lo", second.signature.R8 & ((1n << 128n) - 1n));
      const r8 = decompressionWitness(second.signature.R8);
      set("signatureR8x", r8.x);
      set("signatureR8OnCurve", r8.onCurve ? 1n : 0n);
      for (const [prefix, index] of [
        ["sender", 2],
        ["receiver", 3],
      ] as const) {
        const account = state.account(index) ?? expect.fail(`no account ${index}`);
        set(`${prefix}PublicKeyX`, account.publicKey.x);
        set(`${prefix}PublicKeyY`, account.publicKey.y);
        set(`${prefix}Balance`, account.balance);
        set(`${prefix}Nonce`, account.nonce);
        (input[`${prefix}Siblings`] as string[][])[1] = state.siblings(index).map(String);
      }
      await expectRejected(input, ["Batch"]);
      // The same slot with zero bytes (the posted padding) is accepted: the rejection is the commitment's.
      await calculateWitness(onlyFirst.input);
    });
  });

  it("Should compress R8 as the usual format (y, sign of x in the top bit)", function () {
    const signature = transfer(0, 1, 1n).signature;
    expect(signature.R8 >> 255n === 0n || signature.R8 >> 255n === 1n).to.equal(true);
    expect(compressPoint({ x: 1n, y: 5n })).to.equal(5n);
    expect(compressPoint({ x: SNARK_SCALAR_FIELD - 1n, y: 5n })).to.equal(5n | (1n << 255n));
  });
});
