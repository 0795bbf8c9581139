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
  type PostedBatch,
  type PostedTransfer,
  type SignedTransfer,
  type TransactionRule,
  type TransferToApply,
} from "../../off-chain/l2/index.js";
import { subOrder } from "@zk-kit/baby-jubjub";
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

  describe("# applySigned (the sequencer's door: each transfer with its own signature)", function () {
    it("Should move funds and bump the sender's nonce", function () {
      const { state, steps } = fixture.genesis.applySigned(
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
        const { state, skipped, steps } = fixture.genesis.applySigned(batch, fixture.chainId);
        const last = batch.length - 1;
        expect(skipped.at(-1)).to.include({ rule, index: last });
        expect(steps[last]?.applied).to.equal(false);
        expect(fixture.genesis.root).to.equal(root);
        // Nothing of a skipped transfer reaches the state, not even the sender's nonce.
        const before =
          batch.length === 1
            ? fixture.genesis
            : fixture.genesis.applySigned(batch.slice(0, last), fixture.chainId).state;
        expect(state.root).to.equal(before.root);
      });
    }

    it("Should apply the valid transfers around an invalid one", function () {
      const batch = [
        sign(fixture, 0, { from: 0, to: 1, amount: 100n, nonce: 0n }),
        sign(fixture, 1, { from: 1, to: 0, amount: 5_000n, nonce: 0n }),
        sign(fixture, 1, { from: 1, to: 0, amount: 50n, nonce: 0n }),
      ];
      const { state, skipped, steps } = fixture.genesis.applySigned(batch, fixture.chainId);
      expect(skipped).to.have.length(1);
      expect(skipped[0]).to.include({ index: 1, rule: "overdraft" });
      expect(steps.map((step) => step.applied)).to.deep.equal([true, false, true]);
      expect(state.account(0)).to.include({ balance: 950n, nonce: 1n });
      expect(state.account(1)).to.include({ balance: 2_050n, nonce: 1n });
    });
  });

  describe("# applyBatch (a posted batch: R8 per transfer, one aggregate S)", function () {
    const valid = (): SignedTransfer[] => [
      sign(fixture, 0, { from: 0, to: 1, amount: 100n, nonce: 0n }),
      sign(fixture, 1, { from: 1, to: 0, amount: 5_000n, nonce: 0n }),
      sign(fixture, 1, { from: 1, to: 0, amount: 50n, nonce: 0n }),
      sign(fixture, 0, { from: 0, to: 1, amount: 7n, nonce: 1n }),
    ];

    it("Should give the same state as the transfers one by one when the aggregate S is sealed from them", function () {
      const transfers = valid();
      const batch = fixture.genesis.seal(transfers, fixture.chainId);
      const posted = fixture.genesis.applyBatch(batch, fixture.chainId);
      const alone = fixture.genesis.applySigned(transfers, fixture.chainId);
      expect(posted.signed).to.equal(true);
      expect(posted.state.root).to.equal(alone.state.root);
      expect(posted.skipped).to.deep.equal(alone.skipped);
      expect(posted.steps.map((step) => step.applied)).to.deep.equal([true, false, true, true]);
      // The sequencer's sealing (signed nonces, any state's keys) gives the same S.
      expect(alone.state.sealSigned(valid(), fixture.chainId)).to.deep.equal(batch);
    });

    it("Should change nothing when one signature in the batch is bad, since no one can tell which", function () {
      const transfers: TransferToApply[] = valid();
      transfers[2] = { ...sign(fixture, 2, { from: 1, to: 0, amount: 50n, nonce: 0n }) };
      const batch = fixture.genesis.seal(transfers, fixture.chainId);
      const { state, skipped, signed, steps } = fixture.genesis.applyBatch(batch, fixture.chainId);
      expect(signed).to.equal(false);
      expect(state.root).to.equal(fixture.genesis.root);
      expect(skipped.map((entry) => [entry.index, entry.rule])).to.deep.equal([
        [0, "bad-signature"],
        [1, "bad-signature"],
        [2, "bad-signature"],
        [3, "bad-signature"],
      ]);
      expect(skipped[0]?.detail).to.match(/aggregate S is not the aggregate of its 4 signers' signatures/);
      // The steps are the ones the circuit computes as if the aggregate held.
      expect(steps.map((step) => step.applied)).to.deep.equal([true, false, true, true]);
    });

    it("Should refuse every other S: changed, plus the subgroup order, or 0", function () {
      const batch = fixture.genesis.seal(valid(), fixture.chainId);
      for (const aggregateS of [batch.aggregateS + 1n, batch.aggregateS + subOrder, 0n, (1n << 256n) - 1n]) {
        expect(
          fixture.genesis.applyBatch({ ...batch, aggregateS }, fixture.chainId).signed,
          `S = ${aggregateS}`,
        ).to.equal(false);
      }
    });

    it("Should skip a transfer whose R8 is not a point, or whose sender cannot sign, and apply the others", function () {
      const transfers = valid();
      const batch = fixture.genesis.seal(transfers, fixture.chainId);
      const notAPoint = 2n; // y = 2: 1 - 4 over a - 4d is a non-residue, so no x
      const broken = {
        ...batch,
        transfers: [
          ...batch.transfers,
          { from: 0, to: 1, amount: 1n, R8: notAPoint },
          { from: 9, to: 1, amount: 1n, R8: batch.transfers[0]?.R8 ?? 0n },
          { from: 16, to: 1, amount: 1n, R8: batch.transfers[0]?.R8 ?? 0n },
        ],
      };
      const { state, skipped, signed } = fixture.genesis.applyBatch(broken, fixture.chainId);
      expect(signed).to.equal(true);
      expect(state.root).to.equal(fixture.genesis.applyBatch(batch, fixture.chainId).state.root);
      expect(skipped.map((entry) => [entry.index, entry.rule])).to.deep.equal([
        [1, "overdraft"],
        [4, "bad-signature"],
        [5, "no-such-account"],
        [6, "index-out-of-range"],
      ]);
      expect(skipped[1]?.detail).to.match(/R8 2 is not a point/);
    });

    it("Should count the share of a signer whose transfer fails on its receiver or its amount", function () {
      // A transfer to an index outside the tree still has a signer: its S must be in the aggregate.
      const transfers = [
        sign(fixture, 0, { from: 0, to: 16, amount: 1n, nonce: 0n }),
        sign(fixture, 0, { from: 0, to: 1, amount: 1n, nonce: 0n }),
      ];
      const batch = fixture.genesis.seal(transfers, fixture.chainId);
      const result = fixture.genesis.applyBatch(batch, fixture.chainId);
      expect(result.signed).to.equal(true);
      expect(result.skipped.map((entry) => entry.rule)).to.deep.equal(["index-out-of-range"]);
      // Without the first transfer's S, the aggregate fails.
      const withoutFirst = fixture.genesis.seal(transfers.slice(1), fixture.chainId);
      const mixed = { aggregateS: withoutFirst.aggregateS, transfers: batch.transfers };
      expect(fixture.genesis.applyBatch(mixed, fixture.chainId).signed).to.equal(false);
    });

    it("Should take S = 0 as the aggregate of a batch with no signer", function () {
      const transfers = [{ from: 9, to: 1, amount: 1n, R8: 1n }];
      expect(fixture.genesis.applyBatch({ aggregateS: 0n, transfers }, fixture.chainId).signed).to.equal(true);
      expect(fixture.genesis.applyBatch({ aggregateS: 1n, transfers }, fixture.chainId).signed).to.equal(false);
    });
  });

  describe("# batch data", function () {
    const R8 = (1n << 256n) - 1n;
    const one = (transfers: PostedTransfer[], aggregateS = 0x1234n): PostedBatch => ({ aggregateS, transfers });

    it("Should encode the aggregate S, then whole-byte indices, the amount and R8, and decode them back", function () {
      const batch = one([
        { from: 0, to: 1, amount: 5n, R8 },
        { from: 255, to: 7, amount: MAX_BALANCE, R8: 1n },
      ]);
      // Depth 4: indices take one byte each, so a transfer is 1 + 1 + 8 + 32 bytes, after the 32-byte S.
      const data = encodeBatchData(batch, 4);
      expect(data).to.have.length(32 + 2 * 42);
      expect(Buffer.from(data.subarray(0, 32)).toString("hex")).to.equal("1234".padStart(64, "0"));
      expect(Buffer.from(data.subarray(32 + 42, 32 + 52)).toString("hex")).to.equal("ff07ffffffffffffffff");
      expect(decodeBatchData(data, 4)).to.deep.equal(batch);
      // Depth 24: three bytes each.
      expect(encodeBatchData(batch, 24)).to.have.length(32 + 2 * 46);
      expect(decodeBatchData(encodeBatchData(batch, 24), 24)).to.deep.equal(batch);
    });

    it("Should not encode what cannot be posted, nor decode or hash a malformed batch", function () {
      expect(() => encodeBatchData(one([{ from: 0, to: 1, amount: MAX_BALANCE + 1n, R8 }]), 4)).to.throw(
        BatchDataError,
        /transfer 0: amount/,
      );
      expect(() => encodeBatchData(one([{ from: 256, to: 1, amount: 1n, R8 }]), 4)).to.throw(
        BatchDataError,
        /from index 256 does not fit 1 bytes/,
      );
      expect(() => encodeBatchData(one([{ from: 0, to: 1, amount: 1n, R8: 1n << 256n }]), 4)).to.throw(
        BatchDataError,
        /R8 is not 32 bytes/,
      );
      expect(() => encodeBatchData(one([], 1n << 256n), 4)).to.throw(BatchDataError, /aggregate S is not 32 bytes/);
      expect(() => decodeBatchData(new Uint8Array(32 + 43), 4)).to.throw(BatchDataError, /75 bytes/);
      expect(() => decodeBatchData(new Uint8Array(31), 4)).to.throw(BatchDataError, /31 bytes/);
      const { poseidon } = fixture.crypto;
      expect(() => batchHash(poseidon, 1n, new Uint8Array(32 + 3 * 42), 2, 4)).to.throw(
        BatchDataError,
        /3 transfers; .* batch size is 2/,
      );
    });

    it("Should bind the chain id and the number of transfers into the batchHash and the evaluation", function () {
      const { poseidon } = fixture.crypto;
      const single = new Uint8Array(32 + 42);
      const base = batchCommitment(poseidon, 1n, single, 2, 4);
      const otherChain = batchCommitment(poseidon, 2n, single, 2, 4);
      expect(otherChain.batchHash).to.not.equal(base.batchHash);
      expect(dataEvaluation(2n, 1, single, base.dataPoint)).to.not.equal(base.dataEvaluation);
      // A zero transfer is not the same batch as an empty one, though the padded bytes are equal.
      expect(batchHash(poseidon, 1n, new Uint8Array(32), 2, 4)).to.not.equal(base.batchHash);
      expect(dataEvaluation(1n, 0, new Uint8Array(32), base.dataPoint)).to.not.equal(base.dataEvaluation);
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
