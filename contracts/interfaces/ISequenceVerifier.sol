// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ISequenceVerifier
/// @notice Checks the Groth16 proofs of the batches of one sequence in one call.
/// @dev Implemented by the generated `contracts/verifiers/SequenceVerifier*.sol` (one per circuit configuration),
/// which inherit {Groth16BatchVerifier}. Every batch proof has the public inputs of `Batch(batchSize, depth)` in
/// circuits/batch.circom, in this order: oldStateRoot, newStateRoot, batchHash, dataPoint, dataEvaluation, prover.
interface ISequenceVerifier {
    /// @notice A Groth16 proof as the EVM takes it: G2 coordinates as [c1, c0] (snarkjs writes [c0, c1]).
    struct Groth16Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice Whether every proof verifies with its public inputs.
    /// @dev n proofs cost one pairing check of n + 3 pairings: each proof and its inputs are weighted by a
    /// coefficient derived by hashing all proofs and inputs (the first weight is 1), never from block data.
    /// Returns false, never reverts, for an invalid proof, a point off the curve or an input not below the
    /// scalar field modulus.
    /// @param publicInputs One row of six public inputs per proof.
    /// @param proofs The proofs, in the same order.
    /// @return valid True iff all proofs verify.
    function verifyProofs(
        uint256[6][] calldata publicInputs,
        Groth16Proof[] calldata proofs
    ) external view returns (bool valid);
}
