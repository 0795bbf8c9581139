import { expect } from "chai";

import {
  accountLeaf,
  batchHash,
  BatchDataError,
  buildBatchWitness,
  decodeBatchData,
  encodeBatchData,
  InvalidTransactionError,
  L2State,
  MAX_BALANCE,
  MerkleTree,
  rootFromPath,
  type SignedTransfer,
  type TransactionRule,
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

    const cases: [string, TransactionRule, () => SignedTransfer[]][] = [
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
        "an index outside the tree",
        "index-out-of-range",
        () => [sign(fixture, 0, { from: 0, to: 16, amount: 1n, nonce: 0n })],
      ],
    ];
    for (const [name, rule, transfers] of cases) {
      it(`Should refuse ${name}, naming the transfer and the rule, and change nothing`, function () {
        const root = fixture.genesis.root;
        const batch = transfers();
        let failure: unknown;
        try {
          fixture.genesis.apply(batch, fixture.chainId);
        } catch (error) {
          failure = error;
        }
        expect(failure).to.be.instanceOf(InvalidTransactionError);
        expect(failure).to.include({ rule, index: batch.length - 1 });
        expect(fixture.genesis.root).to.equal(root);
        expect(fixture.genesis.account(0)).to.include({ balance: 1_000n, nonce: 0n });
      });
    }
  });

  describe("# batch data", function () {
    it("Should encode 16 bytes per transfer and decode them back", function () {
      const transfers = [
        { from: 0, to: 1, amount: 5n },
        { from: 0xffffffff, to: 7, amount: MAX_BALANCE },
      ];
      const data = encodeBatchData(transfers);
      expect(data).to.have.length(32);
      expect(Buffer.from(data.subarray(16, 24)).toString("hex")).to.equal("ffffffff00000007");
      expect(decodeBatchData(data)).to.deep.equal(transfers);
    });

    it("Should not encode or hash what the circuit could not prove", function () {
      expect(() => encodeBatchData([{ from: 0, to: 1, amount: MAX_BALANCE + 1n }])).to.throw(
        BatchDataError,
        /transfer 0: amount/,
      );
      expect(() => encodeBatchData([{ from: -1, to: 1, amount: 1n }])).to.throw(BatchDataError, /from index/);
      expect(() => decodeBatchData(new Uint8Array(17))).to.throw(BatchDataError, /17 bytes/);
      const { poseidon } = fixture.crypto;
      expect(() => batchHash(poseidon, 1n, new Uint8Array(48), 2)).to.throw(
        BatchDataError,
        /3 transfers; .* batch size is 2/,
      );
    });

    it("Should bind the chain id and the number of transfers into the batchHash", function () {
      const { poseidon } = fixture.crypto;
      const one = encodeBatchData([{ from: 0, to: 0, amount: 0n }]);
      const base = batchHash(poseidon, 1n, one, 2);
      expect(batchHash(poseidon, 2n, one, 2)).to.not.equal(base);
      // A zero transfer is not the same batch as an empty one, though the padded bytes are equal.
      expect(batchHash(poseidon, 1n, new Uint8Array(0), 2)).to.not.equal(base);
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
