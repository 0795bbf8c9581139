pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";

/*
 * MerkleRoot(depth): the root of a binary Poseidon Merkle tree, given a leaf,
 * the bits of its index (least significant first, the leaf's own level first)
 * and the sibling at every level.
 *
 * Proves: root = fold over levels of Poseidon(left, right), where at level l
 * the running node is the right child iff pathBits[l] = 1.
 * Assumes: every pathBits[l] is already constrained to 0 or 1 by the caller
 * (it comes from Num2Bits of the account index); this template does not
 * re-check it.
 */
template MerkleRoot(depth) {
    signal input leaf;
    signal input pathBits[depth];
    signal input siblings[depth];
    signal output root;

    component hashers[depth];
    signal nodes[depth + 1];
    // swap = bit * (sibling - node): one product serves both children, so a
    // level costs one constraint besides its Poseidon.
    signal swap[depth];
    nodes[0] <== leaf;
    for (var l = 0; l < depth; l++) {
        swap[l] <== pathBits[l] * (siblings[l] - nodes[l]);
        hashers[l] = Poseidon(2);
        hashers[l].inputs[0] <== nodes[l] + swap[l];
        hashers[l].inputs[1] <== siblings[l] - swap[l];
        nodes[l + 1] <== hashers[l].out;
    }
    root <== nodes[depth];
}
