// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev Test only: an ERC-20 that calls back into a target during every transfer, to try reentrancy.
contract HostileToken is ERC20 {
    address public callbackTarget;
    bytes public payload;
    bool public reentered;
    bytes public lastRevert;

    constructor() ERC20("hostile", "HOST") {}

    /// @notice Mints tokens to an address.
    /// @param to The receiver.
    /// @param amount The amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the callback: on the next transfer, call `target_` with `payload_` (once).
    /// @param target_ The contract to call back.
    /// @param payload_ The calldata.
    function arm(address target_, bytes calldata payload_) external {
        callbackTarget = target_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address callee = callbackTarget;
        if (callee != address(0)) {
            callbackTarget = address(0);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory result) = callee.call(payload);
            reentered = ok;
            lastRevert = ok ? bytes("") : result;
        }
    }
}
