// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev Test and devnet only: an ERC-20 anyone can mint, standing in for the network's stake and reward token.
contract TestToken is ERC20 {
    constructor() ERC20("zkpow test token", "ZKPT") {}

    /// @notice Mints tokens to an address.
    /// @param to The receiver.
    /// @param amount The amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
