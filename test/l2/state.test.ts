import { expect } from "chai";

import {
  accountLeaf,
  batchCommitment,
  batchHash,
  BatchDataError,
  dataEvaluation,
  buildBatchWitness,
  decodeBatchData,
  encodeBatchData,
  L2Key,
  L2State,
  MAX_BALANCE,
  MerkleTree,
  rootFromPath,
  SNARK_SCALAR_FIELD,
  type TransactionRule,
  type TransferToApply,
} from "../../off-chain/l2/index.js";
import { l2Fixture, PROVER, sign, type L2Fixture } from "../helpers/l2.js";

const DEPTH = 4;

describe("L2 model", function () {
  let fixture: L2Fixture;

  before(async function () {
    fixture = await l2Fixture(DEPTH, [1_000n, 2_000n, MAX_BALANCE - 1n]);
  });

  describe("# MerkleTree", function () {
    it("Should give paths that fold back to its root", function () {
      const tree = new MerkleTree(fixture.crypto.poseidon, DEPTH);
      const empty = tree.root;
      tree.set(5, 123n);
      tree.set(10, 456n);
      expect(tree.root).to.not.equal(empty);
      for (const index of [0, 5, 10, 15]) {
        expect(rootFromPath(fixture.crypto.poseidon, tree.leaf(index), index, tree.siblings(index))).to.equal(
          tree.root,
        );
      }
      tree.set(5, 0n);
      tree.set(10, 0n);
      expect(tree.root).to.equal(empty);
    });

    it("Should compute paths of a 32-level tree above 2^31 (no 32-bit index arithmetic)", function () {
      const depth = 32;
      const tree = new MerkleTree(fixture.crypto.poseidon, depth);
      const index = 2 ** 31 + 5;
      tree.set(index, 77n);
      const siblings = tree.siblings(index);
      // Reference fold with bigint arithmetic.
      let node = 77n;
      let position = BigInt(index);
      for (const sibling of siblings) {
        node =
          position % 2n === 0n ? fixture.crypto.poseidon([node, sibling]) : fixture.crypto.poseidon([sibling, node]);
        position /= 2n;
      }
      expect(node).to.equal(tree.root);
      expect(tree.leaf(index)).to.equal(77n);
      expect(tree.leaf(5)).to.equal(0n);
    });

    it("Should not take an index outside the tree", function () {
      const tree = new MerkleTree(fixture.crypto.poseidon, DEPTH);
      expect(() => {
        tree.set(16, 1n);
      }).to.throw(RangeError, /outside a tree of depth 4/);
      expect(() => tree.siblings(-1)).to.throw(RangeError);
    });
  });

  describe("# genesis", function () {
    it("Should put the accounts at indices 0, 1, … with nonce 0", function () {
      const tree = new MerkleTree(fixture.crypto.poseidon, DEPTH);
      fixture.keys.forEach((key, i) => {
        const account = fixture.genesis.account(i);
        expect(account?.nonce).to.equal(0n);
        expect(account?.publicKey).to.deep.equal(key.publicKey);
        if (account !== undefined) tree.set(i, accountLeaf(fixture.crypto.poseidon, account));
      });
      expect(fixture.genesis.root).to.equal(tree.root);
    });

    it("Should not take a balance beyond a uint64 or too many accounts", function () {
      const publicKey = fixture.keys[0]?.publicKey ?? { x: 0n, y: 0n };
      expect(() => L2State.genesis(fixture.crypto, DEPTH, [{ publicKey, balance: MAX_BALANCE + 1n }])).to.throw(
        RangeError,
        /genesis account 0: balance/,
      );
      const many = Array.from({ length: 17 }, () => ({ publicKey, balance: 1n }));
      expect(() => L2State.genesis(fixture.crypto, DEPTH, many)).to.throw(RangeError, /do not fit/);
    });

    it("Should not take a key off the curve or of small order (it could sign nothing the circuit accepts)", function () {
      const offCurve = { x: 1n, y: 2n };
      // (0, -1) is on the curve and of order 2: 8A is the identity.
      const smallOrder = { x: 0n, y: SNARK_SCALAR_FIELD - 1n };
      for (const publicKey of [offCurve, smallOrder]) {
        expect(() => L2State.genesis(fixture.crypto, DEPTH, [{ publicKey, balance: 1n }])).to.throw(
          RangeError,
          /not on BabyJubJub or is of small order/,
        );
      }
      expect(() =>
        L2State.genesis(fixture.crypto, DEPTH, [{ publicKey: L2Key.random().publicKey, balance: 1n }]),
      ).to.not.throw();
    });
  });

  describe("# apply", function () {
    it("Should move funds and bump the sender's nonce", function () {
      const { state, steps } = fixture.genesis.apply(
        [sign(fixture, 0, { from: 0, to: 1, amount: 300n, nonce: 0n })],
        fixture.chainId,
      );
      expect(state.account(0)).to.include({ balance: 700n, nonce: 1n });
      expect(state.account(1)).to.include({ balance: 2_300n, nonce: 0n });
      expect(steps).to.have.length(1);
      expect(fixture.genesis.account(0)).to.include({ balance: 1_000n, nonce: 0n });
    });

    const cases: [string, TransactionRule, () => TransferToApply[]][] = [
      [
        "a signature by another key",
        "bad-signature",
        () => [{ ...sign(fixture, 1, { from: 0, to: 1, amount: 1n, nonce: 0n }) }],
      ],
      [
        "a signature for another rollup",
        "bad-signature",
        () => {
          const transfer = sign(fixture, 0, { from: 0, to: 1, amount: 1n, nonce: 0n });
          return [
            { ...transfer, signature: sign({ ...fixture, chainId: fixture.chainId + 1n }, 0, transfer).signature },
          ];
        },
      ],
      [
        "a replayed nonce",
        "wrong-nonce",
        () => {
          const transfer = sign(fixture, 0, { from: 0, to: 1, amount: 1n, nonce: 0n });
          return [transfer, transfer];
        },
      ],
      [
        "a replayed transfer read from the chain (no nonce known)",
        "bad-signature",
        () => {
          const { from, to, amount, signature } = sign(fixture, 0, { from: 0, to: 1, amount: 1n, nonce: 0n });
          return [
            { from, to, amount, signature },
            { from, to, amount, signature },
          ];
        },
      ],
      ["an overdraft", "overdraft", () => [sign(fixture, 0, { from: 0, to: 1, amount: 1_001n, nonce: 0n })]],
      [
        "a credit beyond a uint64",
        "balance-overflow",
        () => [sign(fixture, 1, { from: 1, to: 2, amount: 2n, nonce: 0n })],
      ],
      [
        "an amount beyond a uint64",
        "amount-out-of-range",
        () => [sign(fixture, 0, { from: 0, to: 1, amount: MAX_BALANCE + 1n, nonce: 0n })],
      ],
      [
        "a receiver with no account",
        "no-such-account",
        () => [sign(fixture, 0, { from: 0, to: 9, amount: 1n, nonce: 0n })],
      ],
      [
        "a sender with no account",
        "no-such-account",
        () => [{ ...sign(fixture, 0, { from: 0, to: 1, amount: 1n, nonce: 0n }), from: 9 }],
      ],
      [
        "an index outside the tree",
        "index-out-of-range",
        () => [sign(fixture, 0, { from: 0, to: 16, amount: 1n, nonce: 0n })],
      ],
    ];
    for (const [name, rule, transfers] of cases) {
      it(`Should skip ${name}, naming the transfer and the rule, and change nothing`, function () {
        const root = fixture.genesis.root;
        const batch = transfers();
        const { state, skipped, steps } = fixture.genesis.apply(batch, fixture.chainId);
        const last = batch.length - 1;
        expect(skipped.at(-1)).to.include({ rule, index: last });
        expect(steps[last]?.applied).to.equal(false);
        expect(fixture.genesis.root).to.equal(root);
        // Nothing of a skipped transfer reaches the state, not even the sender's nonce.
        const before =
          batch.length === 1 ? fixture.genesis : fixture.genesis.apply(batch.slice(0, last), fixture.chainId).state;
        expect(state.root).to.equal(before.root);
      });
    }

    it("Should apply the valid transfers around an invalid one", function () {
      const batch = [
        sign(fixture, 0, { from: 0, to: 1, amount: 100n, nonce: 0n }),
        sign(fixture, 1, { from: 1, to: 0, amount: 5_000n, nonce: 0n }),
        sign(fixture, 1, { from: 1, to: 0, amount: 50n, nonce: 0n }),
      ];
      const { state, skipped, steps } = fixture.genesis.apply(batch, fixture.chainId);
      expect(skipped).to.have.length(1);
      expect(skipped[0]).to.include({ index: 1, rule: "overdraft" });
      expect(steps.map((step) => step.applied)).to.deep.equal([true, false, true]);
      expect(state.account(0)).to.include({ balance: 950n, nonce: 1n });
      expect(state.account(1)).to.include({ balance: 2_050n, nonce: 1n });
    });
  });

  describe("# batch data", function () {
    const signature = { R8: (1n << 256n) - 1n, S: 0x1234n };

    it("Should encode whole-byte indices, the amount and the signature, and decode them back", function () {
      const transfers = [
        { from: 0, to: 1, amount: 5n, signature },
        { from: 255, to: 7, amount: MAX_BALANCE, signature: { R8: 1n, S: 2n } },
      ];
      // Depth 4: indices take one byte each, so a transfer is 1 + 1 + 8 + 64 bytes.
      const data = encodeBatchData(transfers, 4);
      expect(data).to.have.length(2 * 74);
      expect(Buffer.from(data.subarray(74, 84)).toString("hex")).to.equal("ff07ffffffffffffffff");
      expect(decodeBatchData(data, 4)).to.deep.equal(transfers);
      // Depth 24: three bytes each.
      expect(encodeBatchData(transfers, 24)).to.have.length(2 * 78);
      expect(decodeBatchData(encodeBatchData(transfers, 24), 24)).to.deep.equal(transfers);
    });

    it("Should not encode what cannot be posted, nor decode or hash a malformed batch", function () {
      expect(() => encodeBatchData([{ from: 0, to: 1, amount: MAX_BALANCE + 1n, signature }], 4)).to.throw(
        BatchDataError,
        /transfer 0: amount/,
      );
      expect(() => encodeBatchData([{ from: 256, to: 1, amount: 1n, signature }], 4)).to.throw(
        BatchDataError,
        /from index 256 does not fit 1 bytes/,
      );
      expect(() => encodeBatchData([{ from: 0, to: 1, amount: 1n, signature: { R8: 1n << 256n, S: 0n } }], 4)).to.throw(
        BatchDataError,
        /signature R8/,
      );
      expect(() => decodeBatchData(new Uint8Array(75), 4)).to.throw(BatchDataError, /75 bytes/);
      const { poseidon } = fixture.crypto;
      expect(() => batchHash(poseidon, 1n, new Uint8Array(3 * 74), 2, 4)).to.throw(
        BatchDataError,
        /3 transfers; .* batch size is 2/,
      );
    });

    it("Should bind the chain id and the number of transfers into the batchHash and the evaluation", function () {
      const { poseidon } = fixture.crypto;
      const one = new Uint8Array(74);
      const base = batchCommitment(poseidon, 1n, one, 2, 4);
      const otherChain = batchCommitment(poseidon, 2n, one, 2, 4);
      expect(otherChain.batchHash).to.not.equal(base.batchHash);
      expect(dataEvaluation(2n, 1, one, base.dataPoint)).to.not.equal(base.dataEvaluation);
      // A zero transfer is not the same batch as an empty one, though the padded bytes are equal.
      expect(batchHash(poseidon, 1n, new Uint8Array(0), 2, 4)).to.not.equal(base.batchHash);
      expect(dataEvaluation(1n, 0, new Uint8Array(0), base.dataPoint)).to.not.equal(base.dataEvaluation);
    });
  });

  describe("# witness", function () {
    it("Should refuse a batch larger than the circuit's batch size, or a malformed prover address", function () {
      const transfer = sign(fixture, 0, { from: 0, to: 1, amount: 1n, nonce: 0n });
      const request = { state: fixture.genesis, prover: PROVER, chainId: fixture.chainId, batchSize: 1 };
      expect(() => buildBatchWitness(fixture.crypto, { ...request, transfers: [transfer, transfer] })).to.throw(
        BatchDataError,
        /2 transfers/,
      );
      expect(() => buildBatchWitness(fixture.crypto, { ...request, transfers: [transfer], prover: "0x1234" })).to.throw(
        /invalid address/,
      );
    });
  });
});
