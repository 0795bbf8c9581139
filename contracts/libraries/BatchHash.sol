// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PoseidonT3} from "poseidon-solidity/PoseidonT3.sol";

import {IZkPowRollup} from "../interfaces/IZkPowRollup.sol";

/// @title BatchHash
/// @notice What binds a batch proof to the bytes posted for it: the batch's {IZkPowRollup-BatchCommitment}.
/// @dev The circuit (circuits/lib/batch-data.circom) and the L2 model (off-chain/l2/batch-hash.ts) compute the same.
///   batchHash       h = Poseidon(chainId, count); for each 31-byte big-endian chunk c of the data, zero-padded to
///                   batchSize transfers: h = Poseidon(h, c). The sequencer computes it; the circuit recomputes it
///                   from the transfers it applies. On chain only {correctBatchHash} computes it (about 22k gas per
///                   chunk, where calldata costs 16 gas a byte).
///   dataPoint       z = keccak256(abi.encodePacked(batchHash, data)) mod p, drawn after batchHash is fixed.
///   dataEvaluation  y = chainId + count z + sum_j c_j z^(j + 2) mod p: the data as a polynomial at z, a few dozen gas
///                   per chunk. A proof shows the same y for its own data with the same batchHash; two different
///                   data give the same y at a random z with probability below (chunks + 2) / p.
/// The data is the batch's aggregate S (32 bytes: the half-aggregate of its transfers' signatures), then
/// 2 * ceil(treeDepth / 8) + 40 bytes per transfer: from, to (account indices), amount (uint64) and the signature's R8
/// (compressed, 32 bytes), big-endian. docs/circuit.md has the costs.
library BatchHash {
    /// @notice Bytes of data per chunk: 31 bytes are always below the field modulus.
    uint256 internal constant CHUNK_BYTES = 31;
    /// @notice Bytes of the aggregate S that opens a batch's data.
    uint256 internal constant AGGREGATE_S_BYTES = 32;
    /// @notice The BN254 scalar field modulus.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice The batch data is not the aggregate S and a whole number of transfers.
    /// @param length The data's length in bytes.
    /// @param transferBytes The bytes of one transfer.
    error BatchDataNotWholeTransfers(uint256 length, uint256 transferBytes);
    /// @notice The batch holds more transfers than the circuit's batch size (or none).
    /// @param count The transfers in the batch.
    /// @param batchSize The circuit's batch size.
    error BatchSizeOutOfRange(uint256 count, uint256 batchSize);
    /// @notice A batchHash must be a field element (it is a public input of the proof).
    /// @param batchHash The batchHash given.
    error InvalidBatchHash(uint256 batchHash);

    /// @notice The bytes of one posted transfer in a tree of this depth.
    /// @param treeDepth The state tree's depth.
    /// @return bytesPerTransfer 2 * ceil(treeDepth / 8) + 8 + 32.
    function transferBytes(uint256 treeDepth) internal pure returns (uint256 bytesPerTransfer) {
        bytesPerTransfer = 2 * ((treeDepth + 7) / 8) + 40;
    }

    /// @notice The number of transfers in a batch's data (after its aggregate S), checked to be whole and between 1
    /// and batchSize.
    /// @param data The posted data.
    /// @param batchSize The circuit's batch size.
    /// @param bytesPerTransfer The bytes of one transfer.
    /// @return transfers The transfers.
    function count(
        bytes calldata data,
        uint256 batchSize,
        uint256 bytesPerTransfer
    ) internal pure returns (uint256 transfers) {
        if (data.length < AGGREGATE_S_BYTES || (data.length - AGGREGATE_S_BYTES) % bytesPerTransfer != 0) {
            revert BatchDataNotWholeTransfers(data.length, bytesPerTransfer);
        }
        transfers = (data.length - AGGREGATE_S_BYTES) / bytesPerTransfer;
        if (transfers == 0 || transfers > batchSize) revert BatchSizeOutOfRange(transfers, batchSize);
    }

    /// @notice The commitment of a posted batch, with the batchHash the sequencer gave for it.
    /// @param chainId The rollup's chain id.
    /// @param data The posted data.
    /// @param batchHash The batchHash posted with it.
    /// @param batchSize The circuit's batch size.
    /// @param bytesPerTransfer The bytes of one transfer.
    /// @return commitment batchHash, dataPoint and dataEvaluation: three public inputs of the batch proof.
    function commit(
        uint256 chainId,
        bytes calldata data,
        uint256 batchHash,
        uint256 batchSize,
        uint256 bytesPerTransfer
    ) internal pure returns (IZkPowRollup.BatchCommitment memory commitment) {
        if (batchHash >= SNARK_SCALAR_FIELD) revert InvalidBatchHash(batchHash);
        uint256 transfers = count(data, batchSize, bytesPerTransfer);
        uint256 z = point(batchHash, data);
        commitment = IZkPowRollup.BatchCommitment({
            batchHash: batchHash,
            dataPoint: z,
            dataEvaluation: evaluate(chainId, transfers, data, z)
        });
    }

    /// @notice z = keccak256(abi.encodePacked(batchHash, data)) mod p.
    /// @param batchHash The batch's batchHash.
    /// @param data The posted data.
    /// @return z The point.
    function point(uint256 batchHash, bytes calldata data) internal pure returns (uint256 z) {
        z = uint256(keccak256(abi.encodePacked(batchHash, data))) % SNARK_SCALAR_FIELD;
    }

    /// @notice chainId + count z + sum_j c_j z^(j + 2) mod p over the data's 31-byte chunks c_j (padding chunks
    /// are zero and add nothing).
    /// @param chainId The rollup's chain id.
    /// @param transfers The batch's transfer count.
    /// @param data The posted data.
    /// @param z The point.
    /// @return y The evaluation.
    function evaluate(
        uint256 chainId,
        uint256 transfers,
        bytes calldata data,
        uint256 z
    ) internal pure returns (uint256 y) {
        uint256 p = SNARK_SCALAR_FIELD;
        y = addmod(chainId, mulmod(transfers, z, p), p);
        uint256 power = z;
        uint256 length = data.length;
        // Whole chunks are read in assembly (a calldataload and a shift each): measured 13.3 execution gas per posted
        // byte with a Solidity loop over _chunk, 4.6 with this one (npm run bench:gas, posting_execution_gas_per_byte).
        uint256 offset;
        uint256 whole = length - (length % CHUNK_BYTES);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let start := data.offset
            for {} lt(offset, whole) {
                offset := add(offset, 31)
            } {
                power := mulmod(power, z, p)
                // The 32nd byte read (past the chunk, maybe past the data) is shifted out.
                y := addmod(y, mulmod(shr(8, calldataload(add(start, offset))), power, p), p)
            }
        }
        if (offset < length) {
            power = mulmod(power, z, p);
            y = addmod(y, mulmod(_chunk(data, offset), power, p), p);
        }
    }

    /// @notice The batchHash of posted data (Poseidon on chain: for {IZkPowRollup-correctBatchHash} only).
    /// @param chainId The rollup's chain id.
    /// @param data The posted data.
    /// @param batchSize The circuit's batch size: the data is zero-padded to it.
    /// @param bytesPerTransfer The bytes of one transfer.
    /// @return h The batchHash.
    function hash(
        uint256 chainId,
        bytes calldata data,
        uint256 batchSize,
        uint256 bytesPerTransfer
    ) internal pure returns (uint256 h) {
        h = PoseidonT3.hash([chainId, count(data, batchSize, bytesPerTransfer)]);
        uint256 chunks = (AGGREGATE_S_BYTES + batchSize * bytesPerTransfer + CHUNK_BYTES - 1) / CHUNK_BYTES;
        for (uint256 k = 0; k < chunks; ++k) {
            h = PoseidonT3.hash([h, _chunk(data, k * CHUNK_BYTES)]);
        }
    }

    /// @dev The 31 bytes of data at `offset` as a big-endian integer, bytes past the data's end read as zero.
    function _chunk(bytes calldata data, uint256 offset) private pure returns (uint256 chunk) {
        if (offset >= data.length) return 0;
        uint256 available = data.length - offset;
        if (available > CHUNK_BYTES) available = CHUNK_BYTES;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // calldataload reads 32 bytes; whatever follows the data in calldata (other arguments) must not
            // leak in, so keep the `available` leading bytes and shift them to the top of the 31-byte chunk.
            let word := calldataload(add(data.offset, offset))
            chunk := shl(mul(8, sub(CHUNK_BYTES, available)), shr(mul(8, sub(32, available)), word))
        }
    }
}
