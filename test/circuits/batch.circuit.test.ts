import { expect } from "chai";
import fc from "fast-check";

import { getCircuitConfig, TEST_CIRCUIT } from "../../off-chain/circuits/index.js";
import {
  accountLeaf,
  batchHash,
  buildBatchWitness,
  encodeBatchData,
  MAX_BALANCE,
  MerkleTree,
  type BatchCircuitInput,
  type Signature,
  type SignedTransfer,
} from "../../off-chain/l2/index.js";
import { calculateWitness, expectRejected, testCircuit } from "../helpers/circuit.js";
import { l2Fixture, PROVER, sign, transferChoices, validTransfers, type L2Fixture } from "../helpers/l2.js";

const { batchSize, treeDepth } = getCircuitConfig(TEST_CIRCUIT);
const ACCOUNTS = 5;

describe(`Batch circuit (${TEST_CIRCUIT}: batch size ${batchSize}, tree depth ${treeDepth})`, function () {
  let fixture: L2Fixture;

  before(async function () {
    await testCircuit();
    fixture = await l2Fixture(
      treeDepth,
      Array.from({ length: ACCOUNTS }, (_, i) => 1_000_000n * BigInt(i + 1)),
    );
  });

  function witness(transfers: readonly SignedTransfer[], state = fixture.genesis) {
    return buildBatchWitness(fixture.crypto, { state, transfers, prover: PROVER, chainId: fixture.chainId, batchSize });
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

  /** A copy of the input with slot 0 signed by `signature` (and, if given, moving `amount`). */
  function resign(input: BatchCircuitInput, signature: Signature, amount?: bigint): BatchCircuitInput {
    let copy = amount === undefined ? input : tamper(input, "amount", amount, 0);
    copy = tamper(copy, "signatureR8x", signature.R8x, 0);
    copy = tamper(copy, "signatureR8y", signature.R8y, 0);
    return tamper(copy, "signatureS", signature.S, 0);
  }

  describe("# valid batches", function () {
    it("Should accept a full batch and reach the model's new state root", async function () {
      const transfers = [
        sign(fixture, 0, { from: 0, to: 1, amount: 400n, nonce: 0n }),
        sign(fixture, 1, { from: 1, to: 2, amount: 7n, nonce: 0n }),
      ].slice(0, batchSize);
      const built = witness(transfers);
      expect(built.newStateRoot).to.not.equal(built.oldStateRoot);
      await calculateWitness(built.input);
      // The accepted root is the circuit's own: any other root is refused.
      await expectRejected(tamper(built.input, "newStateRoot", built.newStateRoot + 1n), ["Batch"]);
    });

    it("Should accept a padded batch, and an empty one that keeps the root", async function () {
      const padded = witness([sign(fixture, 2, { from: 2, to: 0, amount: 1n, nonce: 0n })]);
      await calculateWitness(padded.input);
      const empty = witness([]);
      expect(empty.newStateRoot).to.equal(empty.oldStateRoot);
      await calculateWitness(empty.input);
    });

    it("Should accept a transfer to oneself (the credit reads the debited leaf)", async function () {
      const built = witness([sign(fixture, 3, { from: 3, to: 3, amount: 50n, nonce: 0n })]);
      expect(built.nextState.account(3)?.balance).to.equal(fixture.genesis.account(3)?.balance);
      expect(built.nextState.account(3)?.nonce).to.equal(1n);
      await calculateWitness(built.input);
    });

    it("Should agree with the model on many randomised batches", async function () {
      await fc.assert(
        fc.asyncProperty(transferChoices(ACCOUNTS, batchSize), async (choices) => {
          const built = witness(validTransfers(fixture, fixture.genesis, choices));
          await calculateWitness(built.input);
        }),
        { numRuns: 16, seed: 20261122 },
      );
    });
  });

  describe("# rejected batches", function () {
    it("Should not accept a bad signature", async function () {
      const built = witness([sign(fixture, 0, { from: 0, to: 1, amount: 10n, nonce: 0n })]);
      // Account 1's signature over the same transfer: a valid signature, by the wrong key.
      const forged = sign(fixture, 1, { from: 0, to: 1, amount: 10n, nonce: 0n }).signature;
      const input = resign(built.input, forged);
      await expectRejected(input, ["ForceEqualIfEnabled", "EdDSAPoseidonVerifier", "TransferSlot"]);
    });

    it("Should not accept a transfer signed at another nonce", async function () {
      const built = witness([sign(fixture, 0, { from: 0, to: 1, amount: 10n, nonce: 0n })]);
      const ahead = sign(fixture, 0, { from: 0, to: 1, amount: 10n, nonce: 1n }).signature;
      // The leaf keeps nonce 0: the signature over nonce 1 does not verify.
      const input = resign(built.input, ahead);
      await expectRejected(input, ["ForceEqualIfEnabled", "EdDSAPoseidonVerifier", "TransferSlot"]);
      // Claiming the account is at nonce 1 makes its leaf one that is not in the tree.
      await expectRejected(tamper(input, "senderNonce", 1n, 0), ["ForceEqualIfEnabled", "TransferSlot"]);
    });

    it("Should not accept a new root where the nonce did not increase by exactly one", async function () {
      const built = witness([sign(fixture, 0, { from: 0, to: 1, amount: 10n, nonce: 0n })]);
      for (const nonce of [0n, 2n]) {
        const tree = new MerkleTree(fixture.crypto.poseidon, treeDepth);
        for (let i = 0; i < ACCOUNTS; i++) {
          const account = built.nextState.account(i);
          if (account === undefined) throw new Error(`no account ${i}`);
          tree.set(i, accountLeaf(fixture.crypto.poseidon, i === 0 ? { ...account, nonce } : account));
        }
        expect(tree.root).to.not.equal(built.newStateRoot);
        await expectRejected(tamper(built.input, "newStateRoot", tree.root), ["Batch"]);
      }
    });

    it("Should not accept an overdraft", async function () {
      const balance = fixture.genesis.account(0)?.balance ?? 0n;
      const built = witness([sign(fixture, 0, { from: 0, to: 1, amount: balance, nonce: 0n })]);
      await calculateWitness(built.input);
      // One more than the balance, correctly signed: the debit leaves the uint64 range.
      const over = sign(fixture, 0, { from: 0, to: 1, amount: balance + 1n, nonce: 0n }).signature;
      const input = resign(built.input, over, balance + 1n);
      await expectRejected(input, ["Num2Bits", "TransferSlot"]);
    });

    it("Should not accept a credit that overflows a uint64 balance", async function () {
      const rich = await l2Fixture(treeDepth, [1_000n, MAX_BALANCE - 5n]);
      const build = (amount: bigint) =>
        buildBatchWitness(rich.crypto, {
          state: rich.genesis,
          transfers: [sign(rich, 0, { from: 0, to: 1, amount, nonce: 0n })],
          prover: PROVER,
          chainId: rich.chainId,
          batchSize,
        });
      await calculateWitness(build(5n).input);
      const base = build(5n).input;
      const over = sign(rich, 0, { from: 0, to: 1, amount: 6n, nonce: 0n }).signature;
      const input = resign(base, over, 6n);
      // The receiver's path after a debit of 6 (the model refuses this transfer, so build the tree here).
      const [sender, receiver] = [rich.genesis.account(0), rich.genesis.account(1)];
      if (sender === undefined || receiver === undefined) throw new Error("no accounts");
      const debited = new MerkleTree(rich.crypto.poseidon, treeDepth);
      debited.set(0, accountLeaf(rich.crypto.poseidon, { ...sender, balance: sender.balance - 6n, nonce: 1n }));
      debited.set(1, accountLeaf(rich.crypto.poseidon, receiver));
      (input.receiverSiblings as string[][])[0] = debited.siblings(1).map(String);
      await expectRejected(input, ["Num2Bits", "TransferSlot"]);
    });

    it("Should not accept an amount that is not a uint64", async function () {
      const built = witness([sign(fixture, 0, { from: 0, to: 1, amount: 10n, nonce: 0n })]);
      const huge = 1n << 64n;
      const signature = sign(fixture, 0, { from: 0, to: 1, amount: huge, nonce: 0n }).signature;
      const input = resign(built.input, signature, huge);
      await expectRejected(input, ["Num2Bits", "TransferSlot"]);
    });

    it("Should not accept an account index outside the tree", async function () {
      const built = witness([sign(fixture, 0, { from: 0, to: 1, amount: 10n, nonce: 0n })]);
      // Index 2^depth + 1 has the same low bits as index 1: only the range check tells them apart.
      await expectRejected(tamper(built.input, "to", (1n << BigInt(treeDepth)) + 1n, 0), ["TransferSlot"]);
    });

    it("Should not accept a tampered batch byte", async function () {
      const transfers = [sign(fixture, 0, { from: 0, to: 1, amount: 10n, nonce: 0n })];
      const built = witness(transfers);
      const data = encodeBatchData(transfers);
      for (const byte of [0, 7, data.length - 1]) {
        const tampered = Uint8Array.from(data);
        tampered[byte] = (tampered[byte] ?? 0) ^ 0x01;
        const hash = batchHash(fixture.crypto.poseidon, fixture.chainId, tampered, batchSize);
        await expectRejected(tamper(built.input, "batchHash", hash), ["Batch"]);
      }
    });

    it("Should not accept a wrong old state root", async function () {
      const built = witness([sign(fixture, 0, { from: 0, to: 1, amount: 10n, nonce: 0n })]);
      await expectRejected(tamper(built.input, "oldStateRoot", built.oldStateRoot + 1n), [
        "ForceEqualIfEnabled",
        "TransferSlot",
      ]);
    });

    it("Should not accept a batch proven for another rollup's chain id", async function () {
      const built = witness([sign(fixture, 0, { from: 0, to: 1, amount: 10n, nonce: 0n })]);
      // Everything else honest, chain id changed: the signatures no longer verify.
      await expectRejected(tamper(built.input, "chainId", fixture.chainId + 1n), [
        "ForceEqualIfEnabled",
        "EdDSAPoseidonVerifier",
        "TransferSlot",
      ]);
      // With the other chain's batchHash too (what that chain's contract computes): still the signatures.
      const otherHash = batchHash(fixture.crypto.poseidon, fixture.chainId + 1n, built.data, batchSize);
      await expectRejected(tamper(tamper(built.input, "chainId", fixture.chainId + 1n), "batchHash", otherHash), [
        "ForceEqualIfEnabled",
        "EdDSAPoseidonVerifier",
        "TransferSlot",
      ]);
    });

    it("Should not accept a count beyond the batch size", async function () {
      const built = witness([]);
      await expectRejected(tamper(built.input, "count", BigInt(batchSize + 1)), ["Batch"]);
    });

    it("Should not accept a padding slot that moves funds", async function () {
      if (batchSize < 2) this.skip();
      const transfers = [
        sign(fixture, 0, { from: 0, to: 1, amount: 10n, nonce: 0n }),
        sign(fixture, 2, { from: 2, to: 3, amount: 99n, nonce: 0n }),
      ];
      const full = witness(transfers);
      // The second transfer rides in a padding slot: count says 1.
      const asPadding = tamper(full.input, "count", 1n);
      await expectRejected(asPadding, ["TransferSlot"]);
      // Posting the padding slot's bytes as zeros does not help: the slot still carries from, to, amount.
      const onlyFirst = witness(transfers.slice(0, 1));
      await expectRejected(tamper(asPadding, "batchHash", onlyFirst.batchHash), ["TransferSlot"]);
      // A padding slot with zero bytes but a real transfer's accounts behind it cannot move the root.
      let hidden = structuredClone(onlyFirst.input);
      for (const signal of [
        "signatureR8x",
        "signatureR8y",
        "signatureS",
        "senderPublicKeyX",
        "senderPublicKeyY",
        "senderBalance",
        "senderNonce",
        "receiverPublicKeyX",
        "receiverPublicKeyY",
        "receiverBalance",
        "receiverNonce",
      ]) {
        hidden = tamper(hidden, signal, BigInt((full.input[signal] as string[])[1] ?? "0"), 1);
      }
      hidden.senderSiblings = full.input.senderSiblings as string[][];
      hidden.receiverSiblings = full.input.receiverSiblings as string[][];
      await calculateWitness(hidden);
      await expectRejected(tamper(hidden, "newStateRoot", full.newStateRoot), ["Batch"]);
    });
  });
});
