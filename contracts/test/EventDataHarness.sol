// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title EventDataHarness
/// @notice Measures what carrying posted batch bytes in an event would add to sequenceBatches (bench/event-data.ts):
/// the rollup does not do it, miners read the bytes from the posting transaction's calldata.
contract EventDataHarness {
    /// @notice The batches' bytes, as an event would carry them.
    event BatchesPosted(bytes[] batches);

    /// @notice Takes the batches as sequenceBatches does and emits them.
    function postWithEvent(bytes[] calldata batches) external {
        emit BatchesPosted(batches);
    }

    /// @notice Takes the batches as sequenceBatches does and emits nothing.
    function postWithoutEvent(bytes[] calldata batches) external pure returns (uint256 count) {
        return batches.length;
    }
}
