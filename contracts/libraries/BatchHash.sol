// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PoseidonT3} from "poseidon-solidity/PoseidonT3.sol";

/// @title BatchHash
/// @notice The commitment to a batch's posted data that every batch proof is checked against.
/// @dev The circuit (circuits/lib/batch-hash.circom) and the L2 model (off-chain/l2/batch-hash.ts) compute the same:
///   h = Poseidon(chainId, count); for each 31-byte big-endian chunk c of the data, zero-padded to batchSize
///   transfers: h = Poseidon(h, c).
/// A transfer is TRANSFER_BYTES bytes: from (uint32), to (uint32), amount (uint64), big-endian. docs/circuit.md
/// says why Poseidon and what it costs.
library BatchHash {
    /// @notice Bytes of one posted transfer.
    uint256 internal constant TRANSFER_BYTES = 16;
    /// @notice Bytes of data per hashed field element: 31 bytes are always below the field modulus.
    uint256 internal constant CHUNK_BYTES = 31;

    /// @notice The batch data is not a whole number of transfers.
    /// @param length The data's length in bytes.
    error BatchDataNotWholeTransfers(uint256 length);
    /// @notice The batch holds more transfers than the circuit's batch size (or none).
    /// @param count The transfers in the batch.
    /// @param batchSize The circuit's batch size.
    error BatchSizeOutOfRange(uint256 count, uint256 batchSize);

    /// @notice The batchHash of posted batch data.
    /// @param chainId The rollup's chain id.
    /// @param data The posted transfers.
    /// @param batchSize The circuit's batch size: the data is zero-padded to it.
    /// @return hash The batchHash, a public input of the batch proof.
    function compute(uint256 chainId, bytes calldata data, uint256 batchSize) internal pure returns (uint256 hash) {
        if (data.length % TRANSFER_BYTES != 0) revert BatchDataNotWholeTransfers(data.length);
        uint256 count = data.length / TRANSFER_BYTES;
        if (count == 0 || count > batchSize) revert BatchSizeOutOfRange(count, batchSize);

        hash = PoseidonT3.hash([chainId, count]);
        uint256 chunks = (batchSize * TRANSFER_BYTES + CHUNK_BYTES - 1) / CHUNK_BYTES;
        for (uint256 k = 0; k < chunks; ++k) {
            hash = PoseidonT3.hash([hash, _chunk(data, k * CHUNK_BYTES)]);
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
