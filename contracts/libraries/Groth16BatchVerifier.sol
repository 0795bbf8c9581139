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

    // Memory of one call, from the free memory pointer m (never moved: nothing is allocated after it): the weight
    // sum, the six weighted input sums and the weighted C sum (x, y), then a 4-word buffer for the precompiles,
    // then the n + 3 pairs of the pairing check.
    uint256 private constant M_INPUT_SUMS = 0x20;
    uint256 private constant M_C_SUM = 0xe0;
    uint256 private constant M_BUFFER = 0x120;
    uint256 private constant M_PAIRS = 0x1a0;

    /// @inheritdoc ISequenceVerifier
    /// @dev In assembly: the same steps in plain Solidity spent about 24k gas of a 1-batch reveal on memory arrays
    /// and internal calls besides the precompiles (`npm run bench:gas`). Long because Yul helpers can only live in
    /// the assembly block that calls them.
    // solhint-disable-next-line function-max-lines
    function verifyProofs(
        uint256[INPUTS][] calldata publicInputs,
        Groth16Proof[] calldata proofs
    ) external view returns (bool valid) {
        uint256 n = proofs.length;
        if (n == 0 || publicInputs.length != n) return false;
        uint256[28] memory vk = _verifyingKey();
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // (x, y) on y^2 = x^3 + 3 with coordinates below q, or the point at infinity (0, 0): what the
            // precompiles accept.
            function onCurve(x, y) -> v {
                v := and(lt(x, BASE_FIELD), lt(y, BASE_FIELD))
                if and(v, iszero(iszero(or(x, y)))) {
                    v := eq(
                        mulmod(y, y, BASE_FIELD),
                        addmod(mulmod(mulmod(x, x, BASE_FIELD), x, BASE_FIELD), 3, BASE_FIELD)
                    )
                }
            }
            // s (x, y) with ecMul (0x07); for s = 1 the point itself, checked without a call. ok = 0 for a point
            // off the curve.
            function mulPoint(px, py, s, buf) -> x, y, ok {
                switch eq(s, 1)
                case 1 {
                    x := px
                    y := py
                    ok := onCurve(px, py)
                }
                default {
                    mstore(buf, px)
                    mstore(add(buf, 0x20), py)
                    mstore(add(buf, 0x40), s)
                    ok := staticcall(gas(), 0x07, buf, 0x60, buf, 0x40)
                    x := mload(buf)
                    y := mload(add(buf, 0x20))
                }
            }
            // (ax, ay) + (bx, by) with ecAdd (0x06).
            function addPoints(ax, ay, bx, by, buf) -> x, y, ok {
                mstore(buf, ax)
                mstore(add(buf, 0x20), ay)
                mstore(add(buf, 0x40), bx)
                mstore(add(buf, 0x60), by)
                ok := staticcall(gas(), 0x06, buf, 0x80, buf, 0x40)
                x := mload(buf)
                y := mload(add(buf, 0x20))
            }
            // The pair at `at`: a G1 point and the G2 point at `g2` in memory (4 words, EVM order).
            function setPair(at, x, y, g2) {
                mstore(at, x)
                mstore(add(at, 0x20), y)
                mstore(add(at, 0x40), mload(g2))
                mstore(add(at, 0x60), mload(add(g2, 0x20)))
                mstore(add(at, 0x80), mload(add(g2, 0x40)))
                mstore(add(at, 0xa0), mload(add(g2, 0x60)))
            }
            // Proof i with weight w (its inputs at calldata `row`, the proof at `proof`): adds w to the weight
            // sum, w x_ij to the input sums, w C_i to the C sum, and writes the pair (-w A_i, B_i). 0 for an
            // input not below the scalar field or a point off the curve.
            function accumulate(m, i, w, row, proof) -> ok {
                mstore(m, addmod(mload(m), w, SCALAR_FIELD))
                for {
                    let j := 0
                } lt(j, INPUTS) {
                    j := add(j, 1)
                } {
                    let v := calldataload(add(row, shl(5, j)))
                    if iszero(lt(v, SCALAR_FIELD)) {
                        leave
                    }
                    let at := add(add(m, M_INPUT_SUMS), shl(5, j))
                    mstore(at, addmod(mload(at), mulmod(w, v, SCALAR_FIELD), SCALAR_FIELD))
                }
                let buf := add(m, M_BUFFER)
                let x, y, good := mulPoint(calldataload(add(proof, 0xc0)), calldataload(add(proof, 0xe0)), w, buf)
                if iszero(good) {
                    leave
                }
                if i {
                    x, y, good := addPoints(mload(add(m, M_C_SUM)), mload(add(m, add(M_C_SUM, 0x20))), x, y, buf)
                    if iszero(good) {
                        leave
                    }
                }
                mstore(add(m, M_C_SUM), x)
                mstore(add(m, add(M_C_SUM, 0x20)), y)
                x, y, good := mulPoint(calldataload(proof), calldataload(add(proof, 0x20)), w, buf)
                if iszero(good) {
                    leave
                }
                let at := add(add(m, M_PAIRS), mul(0xc0, i))
                mstore(at, x)
                // -(x, y) = (x, q - y); y < q here (checked or from the precompile), and the point at infinity
                // (y = 0) is its own negation.
                mstore(add(at, 0x20), mod(sub(BASE_FIELD, y), BASE_FIELD))
                calldatacopy(add(at, 0x40), add(proof, 0x40), 0x80)
                ok := 1
            }
            // The last three pairs (R alpha, beta), (sum_i r_i vk_x(x_i), gamma), (sum_i r_i C_i, delta), then the
            // pairing check (0x08) of all n + 3. A malformed G2 point makes the call fail: false, not a revert.
            function finish(m, count, key) -> result {
                let buf := add(m, M_BUFFER)
                let weightSum := mload(m)
                let at := add(key, shl(5, VK_IC))
                let vx, vy, ok := mulPoint(mload(at), mload(add(at, 0x20)), weightSum, buf)
                for {
                    let j := 0
                } and(lt(j, INPUTS), ok) {
                    j := add(j, 1)
                } {
                    at := add(at, 0x40)
                    let termX, termY, good := mulPoint(
                        mload(at),
                        mload(add(at, 0x20)),
                        mload(add(add(m, M_INPUT_SUMS), shl(5, j))),
                        buf
                    )
                    ok := good
                    if ok {
                        vx, vy, ok := addPoints(vx, vy, termX, termY, buf)
                    }
                }
                if iszero(ok) {
                    leave
                }
                let ax, ay, good := mulPoint(mload(key), mload(add(key, 0x20)), weightSum, buf)
                if iszero(good) {
                    leave
                }
                at := add(add(m, M_PAIRS), mul(0xc0, count))
                setPair(at, ax, ay, add(key, shl(5, VK_BETA)))
                setPair(add(at, 0xc0), vx, vy, add(key, shl(5, VK_GAMMA)))
                setPair(
                    add(at, 0x180),
                    mload(add(m, M_C_SUM)),
                    mload(add(m, add(M_C_SUM, 0x20))),
                    add(key, shl(5, VK_DELTA))
                )
                ok := staticcall(gas(), 0x08, add(m, M_PAIRS), mul(0xc0, add(count, 3)), buf, 0x20)
                result := and(ok, eq(mload(buf), 1))
            }

            let m := mload(0x40)
            // Memory past the free pointer may hold leftovers: clear the sums.
            for {
                let j := 0
            } lt(j, M_BUFFER) {
                j := add(j, 0x20)
            } {
                mstore(add(m, j), 0)
            }
            // The weights' seed: keccak256(abi.encode(publicInputs, proofs)), built where the pairs go later. One
            // proof needs no weights (r_0 = 1): no seed.
            let seed := 0
            if gt(n, 1) {
                let e := add(m, M_PAIRS)
                mstore(e, 0x40)
                mstore(add(e, 0x20), add(0x60, mul(0xc0, n)))
                mstore(add(e, 0x40), n)
                calldatacopy(add(e, 0x60), publicInputs.offset, mul(0xc0, n))
                let tail := add(add(e, 0x60), mul(0xc0, n))
                mstore(tail, n)
                calldatacopy(add(tail, 0x20), proofs.offset, shl(8, n))
                seed := keccak256(e, add(0x80, mul(0x1c0, n)))
            }
            let ok := 1
            for {
                let i := 0
            } and(lt(i, n), ok) {
                i := add(i, 1)
            } {
                // r_i = keccak256(abi.encode(seed, i)) mod r for i > 0, in the scratch space.
                let w := 1
                if i {
                    mstore(0, seed)
                    mstore(0x20, i)
                    w := mod(keccak256(0, 0x40), SCALAR_FIELD)
                }
                ok := accumulate(m, i, w, add(publicInputs.offset, mul(0xc0, i)), add(proofs.offset, shl(8, i)))
            }
            if ok {
                valid := finish(m, n, vk)
            }
        }
    }
}
