// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZkPowRollup} from "../interfaces/IZkPowRollup.sol";
import {BatchHash} from "../libraries/BatchHash.sol";

/// @dev Test-only: exposes BatchHash for tests and gas measurements. Not deployed by zkpow.
contract BatchHashHarness {
    /// @notice See {BatchHash-commit}.
    function commit(
        uint256 chainId,
        bytes calldata data,
        uint256 batchHash,
        uint256 batchSize,
        uint256 treeDepth
    ) external pure returns (IZkPowRollup.BatchCommitment memory) {
        return BatchHash.commit(chainId, data, batchHash, batchSize, BatchHash.transferBytes(treeDepth));
    }

    /// @notice See {BatchHash-hash}.
    function hash(
        uint256 chainId,
        bytes calldata data,
        uint256 batchSize,
        uint256 treeDepth
    ) external pure returns (uint256) {
        return BatchHash.hash(chainId, data, batchSize, BatchHash.transferBytes(treeDepth));
    }
}
