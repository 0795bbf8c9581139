import { AbiCoder, getAddress, keccak256, solidityPacked } from "ethers";

import type { IZkPowRollup } from "../../types/ethers-contracts/contracts/interfaces/IZkPowRollup.js";
import { PUBLIC_SIGNALS } from "../circuits/configurations.js";
import { toSolidityProof, type SolidityGroth16Proof } from "./solidity.js";
import type { BatchProof } from "./types.js";

/**
 * What the rollup contract takes when a miner reveals (IZkPowRollup.SequenceProof):
 * the state root after each batch and one proof per batch, in batch order.
 * The FinalProofTask of a sequence produces it; for n > 1 batches the
 * AggregatorProofTask gathers the batch proofs first.
 */
export interface SequenceProof {
  /** The state root the sequence starts from (its predecessor's new state root). */
  readonly oldStateRoot: bigint;
  readonly newStateRoots: readonly bigint[];
  readonly proofs: readonly SolidityGroth16Proof[];
}

const SEQUENCE_PROOF_ABI =
  "tuple(uint256 oldStateRoot, uint256[] newStateRoots, tuple(uint256[2] a, uint256[2][2] b, uint256[2] c)[] proofs)";

/**
 * Assembles the batch proofs of one sequence, in batch order, checking that
 * they chain: each batch starts from the root the previous one ended at, and
 * all are bound to the same prover.
 */
export function toSequenceProof(batchProofs: readonly BatchProof[]): SequenceProof {
  if (batchProofs.length === 0) throw new Error("a sequence proof needs at least one batch proof");
  const signals = batchProofs.map((batch, i) => {
    if (batch.publicSignals.length !== PUBLIC_SIGNALS.length) {
      throw new Error(
        `batch proof ${i} has ${batch.publicSignals.length} public signals; the circuit has ${PUBLIC_SIGNALS.length}`,
      );
    }
    const signal = (name: (typeof PUBLIC_SIGNALS)[number]): bigint =>
      BigInt(batch.publicSignals[PUBLIC_SIGNALS.indexOf(name)] ?? 0);
    return { oldStateRoot: signal("oldStateRoot"), newStateRoot: signal("newStateRoot"), prover: signal("prover") };
  });
  signals.forEach((batch, i) => {
    const previous = signals[i - 1];
    if (previous === undefined) return;
    if (batch.oldStateRoot !== previous.newStateRoot) {
      throw new Error(`batch proof ${i} starts from root ${batch.oldStateRoot}, not ${previous.newStateRoot}`);
    }
    if (batch.prover !== previous.prover) throw new Error(`batch proof ${i} is bound to another prover`);
  });
  return {
    oldStateRoot: signals[0]?.oldStateRoot ?? 0n,
    newStateRoots: signals.map((batch) => batch.newStateRoot),
    proofs: batchProofs.map((batch) => toSolidityProof(batch.proof)),
  };
}

/** The proof as the typechain bindings take it (fresh arrays of the right shape). */
export function toContractProof(proof: SequenceProof): IZkPowRollup.SequenceProofStruct {
  return {
    oldStateRoot: proof.oldStateRoot,
    newStateRoots: [...proof.newStateRoots],
    proofs: proof.proofs.map((p) => ({
      a: [p.a[0], p.a[1]],
      b: [
        [p.b[0][0], p.b[0][1]],
        [p.b[1][0], p.b[1][1]],
      ],
      c: [p.c[0], p.c[1]],
    })),
  };
}

/** keccak256(abi.encode(proof)), as the contract hashes a revealed proof. */
export function sequenceProofDigest(proof: SequenceProof): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode([SEQUENCE_PROOF_ABI], [proof]));
}

/**
 * The proofHash a miner commits: keccak256(abi.encodePacked(keccak256(abi.encode(proof)), miner)).
 * The miner's address is inside, so no one else can commit to a proof they saw revealed.
 */
export function proofHash(proof: SequenceProof, miner: string): string {
  return keccak256(solidityPacked(["bytes32", "address"], [sequenceProofDigest(proof), getAddress(miner)]));
}
