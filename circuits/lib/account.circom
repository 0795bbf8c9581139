pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";

/*
 * AccountLeaf(): the leaf of an account in the state tree,
 * Poseidon(publicKeyX, publicKeyY, balance, nonce).
 *
 * An empty slot of the tree holds the leaf 0, which has no known Poseidon
 * preimage: a Merkle proof through this template can only open a real
 * account, so no transaction can touch an empty slot.
 */
template AccountLeaf() {
    signal input publicKeyX;
    signal input publicKeyY;
    signal input balance;
    signal input nonce;
    signal output leaf;

    component hasher = Poseidon(4);
    hasher.inputs[0] <== publicKeyX;
    hasher.inputs[1] <== publicKeyY;
    hasher.inputs[2] <== balance;
    hasher.inputs[3] <== nonce;
    leaf <== hasher.out;
}
