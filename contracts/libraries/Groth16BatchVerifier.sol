// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISequenceVerifier} from "../interfaces/ISequenceVerifier.sol";

/// @title Groth16BatchVerifier
/// @notice Checks n Groth16 proofs of one circuit (INPUTS public inputs each) with one pairing check of n + 3
/// pairings, where n separate verifications would need 4n.
/// @dev For proofs (A_i, B_i, C_i) with inputs x_i and weights r_i, all proofs verify (but with negligible
/// probability) iff
///     prod_i e(-r_i A_i, B_i) * e(R alpha, beta) * e(sum_i r_i vk_x(x_i), gamma) * e(sum_i r_i C_i, delta) = 1,
/// where R = sum_i r_i and sum_i r_i vk_x(x_i) = R IC_0 + sum_j (sum_i r_i x_ij) IC_j. r_0 = 1 and r_i (i > 0) is
/// keccak256 of all proofs and inputs and i, reduced mod the scalar field: the prover fixes its proofs before it
/// learns the weights (Fiat-Shamir), and no block data is involved. With n = 1 this is the plain Groth16 check.
/// A generated `SequenceVerifier*` contract supplies the verifying key.
abstract contract Groth16BatchVerifier is ISequenceVerifier {
    /// @dev The BN254 scalar field modulus (public inputs and weights live below it).
    uint256 internal constant SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev The BN254 base field modulus (point coordinates live below it).
    uint256 internal constant BASE_FIELD =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @dev Public inputs per proof: ISequenceVerifier's order.
    uint256 internal constant INPUTS = 6;

    // Offsets in the flat verifying key: alpha1 (x, y); beta2, gamma2, delta2 in EVM order (x1, x0, y1, y0);
    // IC_0 … IC_INPUTS (x, y). Flat, so that building it costs 28 memory writes rather than nested allocations.
    uint256 internal constant VK_ALPHA = 0;
    uint256 internal constant VK_BETA = 2;
    uint256 internal constant VK_GAMMA = 6;
    uint256 internal constant VK_DELTA = 10;
    uint256 internal constant VK_IC = 14;

    /// @dev The circuit's verifying key, laid out as the VK_* offsets say.
    function _verifyingKey() internal pure virtual returns (uint256[28] memory vk);

    /// @dev What the weighted sum over the proofs gathers.
    struct Accumulator {
        uint256 weightSum;
        uint256[INPUTS] inputSums;
        uint256[2] cSum;
    }

    /// @inheritdoc ISequenceVerifier
    function verifyProofs(
        uint256[INPUTS][] calldata publicInputs,
        Groth16Proof[] calldata proofs
    ) external view returns (bool valid) {
        uint256 n = proofs.length;
        if (n == 0 || publicInputs.length != n) return false;
        // One proof needs no weights (r_0 = 1): skip hashing the seed.
        bytes32 seed = n > 1 ? keccak256(abi.encode(publicInputs, proofs)) : bytes32(0);

        // Pairing input: n + 3 pairs of (G1 x, y; G2 x1, x0, y1, y0).
        uint256[] memory pairs = new uint256[](6 * (n + 3));
        Accumulator memory sum;
        for (uint256 i = 0; i < n; ++i) {
            uint256 weight = i == 0 ? 1 : uint256(keccak256(abi.encode(seed, i))) % SCALAR_FIELD;
            if (!_accumulate(sum, pairs, i, weight, publicInputs[i], proofs[i])) return false;
        }

        // sum_i r_i vk_x(x_i) = R IC_0 + sum_j (sum_i r_i x_ij) IC_(j+1)
        uint256[28] memory vk = _verifyingKey();
        (uint256[2] memory vkX, bool ok) = _mul([vk[VK_IC], vk[VK_IC + 1]], sum.weightSum);
        for (uint256 j = 0; j < INPUTS && ok; ++j) {
            uint256[2] memory term;
            (term, ok) = _mul([vk[VK_IC + 2 * j + 2], vk[VK_IC + 2 * j + 3]], sum.inputSums[j]);
            if (ok) (vkX, ok) = _add(vkX, term);
        }
        uint256[2] memory alpha;
        if (ok) (alpha, ok) = _mul([vk[VK_ALPHA], vk[VK_ALPHA + 1]], sum.weightSum);
        if (!ok) return false;

        _setPair(pairs, n, alpha, vk, VK_BETA);
        _setPair(pairs, n + 1, vkX, vk, VK_GAMMA);
        _setPair(pairs, n + 2, sum.cSum, vk, VK_DELTA);
        return _pairing(pairs);
    }

    /// @dev Adds proof i with its weight: its inputs to the input sums, r_i C_i to the C sum, and the pair
    /// (-r_i A_i, B_i). False for an input beyond the field or a point off the curve.
    function _accumulate(
        Accumulator memory sum,
        uint256[] memory pairs,
        uint256 i,
        uint256 weight,
        uint256[INPUTS] calldata inputs,
        Groth16Proof calldata proof
    ) private view returns (bool ok) {
        sum.weightSum = addmod(sum.weightSum, weight, SCALAR_FIELD);
        for (uint256 j = 0; j < INPUTS; ++j) {
            if (inputs[j] >= SCALAR_FIELD) return false;
            sum.inputSums[j] = addmod(sum.inputSums[j], mulmod(weight, inputs[j], SCALAR_FIELD), SCALAR_FIELD);
        }
        uint256[2] memory point;
        (point, ok) = _mul([proof.c[0], proof.c[1]], weight);
        if (!ok) return false;
        if (i == 0) sum.cSum = point;
        else (sum.cSum, ok) = _add(sum.cSum, point);
        if (ok) (point, ok) = _mul([proof.a[0], proof.a[1]], weight);
        if (!ok) return false;
        uint256 at = 6 * i;
        pairs[at] = point[0];
        // -(x, y) = (x, q - y); the point at infinity is its own negation.
        pairs[at + 1] = point[1] == 0 ? 0 : BASE_FIELD - point[1];
        pairs[at + 2] = proof.b[0][0];
        pairs[at + 3] = proof.b[0][1];
        pairs[at + 4] = proof.b[1][0];
        pairs[at + 5] = proof.b[1][1];
    }

    /// @dev Writes pair `index`: the G1 point and the G2 point at offset `g2` of the verifying key.
    function _setPair(
        uint256[] memory pairs,
        uint256 index,
        uint256[2] memory g1,
        uint256[28] memory vk,
        uint256 g2
    ) private pure {
        uint256 at = 6 * index;
        pairs[at] = g1[0];
        pairs[at + 1] = g1[1];
        pairs[at + 2] = vk[g2];
        pairs[at + 3] = vk[g2 + 1];
        pairs[at + 4] = vk[g2 + 2];
        pairs[at + 5] = vk[g2 + 3];
    }

    /// @dev scalar * point with the ecMul precompile (0x07); skips the call for scalar 1. ok is false for a point
    /// that is not on the curve (the precompile fails).
    function _mul(uint256[2] memory point, uint256 scalar) private view returns (uint256[2] memory out, bool ok) {
        if (scalar == 1) return (point, point[0] < BASE_FIELD && point[1] < BASE_FIELD && _onCurve(point));
        uint256[3] memory input = [point[0], point[1], scalar];
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x07, input, 0x60, out, 0x40)
        }
    }

    /// @dev p + q with the ecAdd precompile (0x06).
    function _add(uint256[2] memory p, uint256[2] memory q) private view returns (uint256[2] memory out, bool ok) {
        uint256[4] memory input = [p[0], p[1], q[0], q[1]];
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x06, input, 0x80, out, 0x40)
        }
    }

    /// @dev y^2 = x^3 + 3, or the point at infinity (0, 0): what the precompiles accept, checked without one.
    function _onCurve(uint256[2] memory p) private pure returns (bool) {
        if (p[0] == 0 && p[1] == 0) return true;
        uint256 x = p[0];
        return mulmod(p[1], p[1], BASE_FIELD) == addmod(mulmod(mulmod(x, x, BASE_FIELD), x, BASE_FIELD), 3, BASE_FIELD);
    }

    /// @dev The pairing precompile (0x08): true iff the product of the pairings is 1. A malformed G2 point makes
    /// the call fail, which is a failed check, not a revert.
    function _pairing(uint256[] memory pairs) private view returns (bool) {
        uint256 length = pairs.length * 32;
        bool ok;
        uint256 result;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let out := mload(0x40)
            ok := staticcall(gas(), 0x08, add(pairs, 0x20), length, out, 0x20)
            result := mload(out)
        }
        return ok && result == 1;
    }
}
