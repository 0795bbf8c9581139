// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BatchHash} from "../libraries/BatchHash.sol";

/// @dev Test-only: exposes BatchHash for tests and gas measurements. Not deployed by zkpow.
contract BatchHashHarness {
    /// @notice See {BatchHash-compute}.
    function compute(uint256 chainId, bytes calldata data, uint256 batchSize) external pure returns (uint256) {
        return BatchHash.compute(chainId, data, batchSize);
    }
}
