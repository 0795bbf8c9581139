pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/poseidon.circom";
include "./account.circom";
include "./merkle.circom";

// Widths of the posted transaction encoding (off-chain/l2/encoding.ts holds the
// same numbers): from and to are uint32 account indices, amount is a uint64.
// Every balance is a uint64 too, so an amount or a balance that does not fit
// 64 bits is rejected rather than wrapped around the field.
function INDEX_BITS() { return 32; }
function AMOUNT_BITS() { return 64; }
function TX_BITS() { return 2 * INDEX_BITS() + AMOUNT_BITS(); }

/*
 * TransferSlot(depth): one slot of a batch, a signed transfer or a no-op.
 *
 * When enabled = 1 it proves, against the state root rootIn:
 *   - the sender's account (key, balance, nonce) is the leaf at index `from`;
 *   - the EdDSA-Poseidon signature (R8x, R8y, S) by the sender's key signs
 *     Poseidon(chainId, from, to, amount, nonce);
 *   - the sender's balance minus amount fits 64 bits (no overdraft) and its
 *     nonce becomes nonce + 1;
 *   - after the sender's update, the receiver's account is the leaf at index
 *     `to` and its balance plus amount fits 64 bits (no overflow);
 *   - rootOut is the root after both updates. from = to is a transfer to
 *     oneself: the second update reads the first one's result.
 * When enabled = 0 (padding), rootOut = rootIn and from, to, amount are forced
 * to 0, so a padding slot can neither move funds nor hide posted bytes.
 *
 * Outputs the slot's TX_BITS() bits of posted batch data, most significant
 * first: from (uint32), to (uint32), amount (uint64), all big-endian.
 *
 * Assumes: enabled is 0 or 1 (the caller derives it from a comparator); every
 * balance in the tree fits 64 bits (genesis is checked, and this template keeps
 * it so).
 */
template TransferSlot(depth) {
    assert(depth <= INDEX_BITS());

    signal input enabled;
    signal input chainId;
    signal input rootIn;

    // The transaction as posted, and its signature (signatures are proven, not posted).
    signal input from;
    signal input to;
    signal input amount;
    signal input signatureR8x;
    signal input signatureR8y;
    signal input signatureS;

    // The sender's account before the transfer and its Merkle siblings.
    signal input senderPublicKeyX;
    signal input senderPublicKeyY;
    signal input senderBalance;
    signal input senderNonce;
    signal input senderSiblings[depth];

    // The receiver's account after the sender's update, and its siblings in that tree.
    signal input receiverPublicKeyX;
    signal input receiverPublicKeyY;
    signal input receiverBalance;
    signal input receiverNonce;
    signal input receiverSiblings[depth];

    signal output rootOut;
    signal output dataBits[TX_BITS()];

    // --- A padding slot posts zero bytes. ---
    signal disabled <== 1 - enabled;
    disabled * from === 0;
    disabled * to === 0;
    disabled * amount === 0;

    // --- Range checks: indices inside the tree, amount a uint64. ---
    component fromBits = Num2Bits(INDEX_BITS());
    fromBits.in <== from;
    component toBits = Num2Bits(INDEX_BITS());
    toBits.in <== to;
    for (var b = depth; b < INDEX_BITS(); b++) {
        fromBits.out[b] === 0;
        toBits.out[b] === 0;
    }
    component amountBits = Num2Bits(AMOUNT_BITS());
    amountBits.in <== amount;

    // --- The posted bytes of this slot, most significant bit first. ---
    for (var b = 0; b < INDEX_BITS(); b++) {
        dataBits[b] <== fromBits.out[INDEX_BITS() - 1 - b];
        dataBits[INDEX_BITS() + b] <== toBits.out[INDEX_BITS() - 1 - b];
    }
    for (var b = 0; b < AMOUNT_BITS(); b++) {
        dataBits[2 * INDEX_BITS() + b] <== amountBits.out[AMOUNT_BITS() - 1 - b];
    }

    // --- The sender signed exactly this transfer, at its current nonce, on this rollup. ---
    component message = Poseidon(5);
    message.inputs[0] <== chainId;
    message.inputs[1] <== from;
    message.inputs[2] <== to;
    message.inputs[3] <== amount;
    message.inputs[4] <== senderNonce;

    component signature = EdDSAPoseidonVerifier();
    signature.enabled <== enabled;
    signature.Ax <== senderPublicKeyX;
    signature.Ay <== senderPublicKeyY;
    signature.R8x <== signatureR8x;
    signature.R8y <== signatureR8y;
    signature.S <== signatureS;
    signature.M <== message.out;

    // --- The sender's account is in the tree at `from`. ---
    component senderLeaf = AccountLeaf();
    senderLeaf.publicKeyX <== senderPublicKeyX;
    senderLeaf.publicKeyY <== senderPublicKeyY;
    senderLeaf.balance <== senderBalance;
    senderLeaf.nonce <== senderNonce;

    component senderRoot = MerkleRoot(depth);
    senderRoot.leaf <== senderLeaf.leaf;
    for (var l = 0; l < depth; l++) {
        senderRoot.pathBits[l] <== fromBits.out[l];
        senderRoot.siblings[l] <== senderSiblings[l];
    }
    component senderInTree = ForceEqualIfEnabled();
    senderInTree.enabled <== enabled;
    senderInTree.in[0] <== senderRoot.root;
    senderInTree.in[1] <== rootIn;

    // --- Debit: no overdraft (a negative difference wraps to a field element far above 2^64). ---
    signal senderBalanceAfter <== senderBalance - amount;
    component senderBalanceAfterBits = Num2Bits(AMOUNT_BITS());
    senderBalanceAfterBits.in <== senderBalanceAfter;

    component senderLeafAfter = AccountLeaf();
    senderLeafAfter.publicKeyX <== senderPublicKeyX;
    senderLeafAfter.publicKeyY <== senderPublicKeyY;
    senderLeafAfter.balance <== senderBalanceAfter;
    senderLeafAfter.nonce <== senderNonce + 1;

    component rootAfterDebit = MerkleRoot(depth);
    rootAfterDebit.leaf <== senderLeafAfter.leaf;
    for (var l = 0; l < depth; l++) {
        rootAfterDebit.pathBits[l] <== fromBits.out[l];
        rootAfterDebit.siblings[l] <== senderSiblings[l];
    }

    // --- The receiver's account is in the debited tree at `to`. ---
    component receiverLeaf = AccountLeaf();
    receiverLeaf.publicKeyX <== receiverPublicKeyX;
    receiverLeaf.publicKeyY <== receiverPublicKeyY;
    receiverLeaf.balance <== receiverBalance;
    receiverLeaf.nonce <== receiverNonce;

    component receiverRoot = MerkleRoot(depth);
    receiverRoot.leaf <== receiverLeaf.leaf;
    for (var l = 0; l < depth; l++) {
        receiverRoot.pathBits[l] <== toBits.out[l];
        receiverRoot.siblings[l] <== receiverSiblings[l];
    }
    component receiverInTree = ForceEqualIfEnabled();
    receiverInTree.enabled <== enabled;
    receiverInTree.in[0] <== receiverRoot.root;
    receiverInTree.in[1] <== rootAfterDebit.root;

    // --- Credit: no overflow past a uint64. ---
    signal receiverBalanceAfter <== receiverBalance + amount;
    component receiverBalanceAfterBits = Num2Bits(AMOUNT_BITS());
    receiverBalanceAfterBits.in <== receiverBalanceAfter;

    component receiverLeafAfter = AccountLeaf();
    receiverLeafAfter.publicKeyX <== receiverPublicKeyX;
    receiverLeafAfter.publicKeyY <== receiverPublicKeyY;
    receiverLeafAfter.balance <== receiverBalanceAfter;
    receiverLeafAfter.nonce <== receiverNonce;

    component rootAfterCredit = MerkleRoot(depth);
    rootAfterCredit.leaf <== receiverLeafAfter.leaf;
    for (var l = 0; l < depth; l++) {
        rootAfterCredit.pathBits[l] <== toBits.out[l];
        rootAfterCredit.siblings[l] <== receiverSiblings[l];
    }

    // --- A disabled slot leaves the state as it was. ---
    rootOut <== rootIn + enabled * (rootAfterCredit.root - rootIn);
}
