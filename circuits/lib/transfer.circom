pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "./account.circom";
include "./merkle.circom";
include "./signature.circom";

// Widths of the posted transfer encoding (off-chain/l2/constants.ts and contracts/libraries/BatchHash.sol hold the
// same): an account index takes whole bytes, enough for the tree; amount is a uint64; the signature's R8 is
// compressed to 32 bytes (its S is folded into the batch's aggregate S, see AggregateSignatureValid). Every balance
// is a uint64 too.
function INDEX_BITS(depth) { return 8 * ((depth + 7) \ 8); }
function AMOUNT_BITS() { return 64; }
function TX_BITS(depth) { return 2 * INDEX_BITS(depth) + AMOUNT_BITS() + 256; }

/*
 * AccountOpening(depth): a leaf of the state tree that is an account or empty.
 * leaf = exists ? Poseidon(publicKeyX, publicKeyY, balance, nonce) : 0; the
 * caller proves it in the tree. No Poseidon preimage of 0 is known, so a leaf
 * in the tree fixes `exists`: an empty slot cannot pass as an account, nor an
 * account as empty.
 */
template AccountOpening() {
    signal input exists;
    signal input publicKeyX;
    signal input publicKeyY;
    signal input balance;
    signal input nonce;
    signal output leaf;

    exists * (exists - 1) === 0;
    component hash = AccountLeaf();
    hash.publicKeyX <== publicKeyX;
    hash.publicKeyY <== publicKeyY;
    hash.balance <== balance;
    hash.nonce <== nonce;
    leaf <== exists * hash.leaf;
}

/*
 * TransferSlot(depth): one slot of a batch, applied or skipped. Never fails
 * on a posted transfer's content: every rule is decided, not asserted.
 *
 * The slot is a signer of the batch's aggregate signature (signer = 1) iff
 * enabled, from is inside the tree, the sender exists with a key not of small
 * order, and the posted R8 is a point; its share (SignatureShare) is over the
 * message Poseidon(chainId, from, to, amount, nonce) at the sender's current
 * nonce. The slot is applied as if the aggregate holds: the batch (Batch)
 * keeps the result only if it does, so each signer's signature counts.
 *
 * The slot opens the sender's leaf at from's low `depth` bits in rootIn, and
 * the receiver's leaf at to's low `depth` bits in the tree after the debit.
 * The debit (balance - amount, nonce + 1) happens iff
 *   the slot is a signer, to is inside the tree, and amount <= balance;
 * the transfer applies (valid = 1) iff also the receiver exists and its
 * balance + amount fits 64 bits. Then rootOut is the root after the credit;
 * otherwise rootOut = rootIn: nothing changes, not even the sender's nonce.
 * from = to is a transfer to oneself: the receiver is the debited sender.
 * A disabled slot (padding) is skipped; its posted bytes are zero because the
 * data commitment covers them.
 *
 * Outputs the slot's TX_BITS(depth) bits of posted data, most significant
 * first: from, to, amount, R8 (big-endian).
 *
 * Assumes: enabled is 0 or 1; every balance in the tree fits 64 bits and every
 * key in it is on the curve (genesis is checked; this template keeps both).
 */
template TransferSlot(depth) {
    var INDEX = INDEX_BITS(depth);
    assert(depth <= INDEX && INDEX <= 32);

    signal input enabled;
    signal input chainId;
    signal input rootIn;

    // The transfer as posted; R8's word in 128-bit halves.
    signal input from;
    signal input to;
    signal input amount;
    signal input signatureR8Hi;
    signal input signatureR8Lo;
    // R8's decompression witness (see PostedPoint).
    signal input signatureR8x;
    signal input signatureR8OnCurve;

    // The sender's leaf before the transfer, and its Merkle siblings.
    signal input senderExists;
    signal input senderPublicKeyX;
    signal input senderPublicKeyY;
    signal input senderBalance;
    signal input senderNonce;
    signal input senderSiblings[depth];

    // The receiver's leaf after the debit, and its siblings in that tree.
    signal input receiverExists;
    signal input receiverPublicKeyX;
    signal input receiverPublicKeyY;
    signal input receiverBalance;
    signal input receiverNonce;
    signal input receiverSiblings[depth];

    signal output rootOut;
    signal output valid;
    signal output dataBits[TX_BITS(depth)];
    // The slot's part in the aggregate signature (AggregateSignatureValid).
    signal output signer;
    signal output challenge;
    signal output sharePoint[2];

    // --- The posted fields as bits. ---
    component fromBits = Num2Bits(INDEX);
    fromBits.in <== from;
    component toBits = Num2Bits(INDEX);
    toBits.in <== to;
    component amountBits = Num2Bits(AMOUNT_BITS());
    amountBits.in <== amount;
    component words[2];
    signal r8Bits[256];
    for (var w = 0; w < 2; w++) words[w] = Num2Bits(128);
    words[0].in <== signatureR8Lo;
    words[1].in <== signatureR8Hi;
    for (var b = 0; b < 128; b++) {
        r8Bits[b] <== words[0].out[b];
        r8Bits[128 + b] <== words[1].out[b];
    }

    // --- The posted bytes of this slot, most significant bit first. ---
    var at = 0;
    for (var b = INDEX - 1; b >= 0; b--) { dataBits[at] <== fromBits.out[b]; at++; }
    for (var b = INDEX - 1; b >= 0; b--) { dataBits[at] <== toBits.out[b]; at++; }
    for (var b = AMOUNT_BITS() - 1; b >= 0; b--) { dataBits[at] <== amountBits.out[b]; at++; }
    for (var b = 255; b >= 0; b--) { dataBits[at] <== r8Bits[b]; at++; }

    // --- Indices inside the tree: the bits above `depth` are zero. ---
    var fromHigh = 0;
    var toHigh = 0;
    for (var b = depth; b < INDEX; b++) {
        fromHigh += fromBits.out[b];
        toHigh += toBits.out[b];
    }
    component fromInside = IsZero();
    fromInside.in <== fromHigh;
    component toInside = IsZero();
    toInside.in <== toHigh;

    // --- The sender's leaf is in rootIn. ---
    component sender = AccountOpening();
    sender.exists <== senderExists;
    sender.publicKeyX <== senderPublicKeyX;
    sender.publicKeyY <== senderPublicKeyY;
    sender.balance <== senderBalance;
    sender.nonce <== senderNonce;
    component senderRoot = MerkleRoot(depth);
    senderRoot.leaf <== sender.leaf;
    for (var l = 0; l < depth; l++) {
        senderRoot.pathBits[l] <== fromBits.out[l];
        senderRoot.siblings[l] <== senderSiblings[l];
    }
    senderRoot.root === rootIn;

    // --- The sender's share of the aggregate signature: this transfer, at its current nonce, on this rollup. ---
    component message = Poseidon(5);
    message.inputs[0] <== chainId;
    message.inputs[1] <== from;
    message.inputs[2] <== to;
    message.inputs[3] <== amount;
    message.inputs[4] <== senderNonce;
    component r8 = PostedPoint();
    r8.bits <== r8Bits;
    r8.x <== signatureR8x;
    r8.onCurve <== signatureR8OnCurve;
    component share = SignatureShare();
    share.Ax <== senderPublicKeyX;
    share.Ay <== senderPublicKeyY;
    share.M <== message.out;
    share.r8x <== r8.px;
    share.r8y <== r8.py;
    signal signerChecks[4];
    signerChecks[0] <== enabled * fromInside.out;
    signerChecks[1] <== signerChecks[0] * senderExists;
    signerChecks[2] <== signerChecks[1] * share.keyUsable;
    signerChecks[3] <== signerChecks[2] * r8.ok;
    signer <== signerChecks[3];
    challenge <== share.h;
    sharePoint <== share.point;

    // --- No overdraft (both below 2^64: amount by its bits, the balance by the tree's invariant). ---
    component covered = LessEqThan(AMOUNT_BITS());
    covered.in[0] <== amount;
    covered.in[1] <== senderBalance;

    signal debitChecks[2];
    debitChecks[0] <== signer * toInside.out;
    debitChecks[1] <== debitChecks[0] * covered.out;
    signal debited <== debitChecks[1];

    // --- The tree after the debit (rootIn itself when there is none). ---
    component senderAfter = AccountLeaf();
    senderAfter.publicKeyX <== senderPublicKeyX;
    senderAfter.publicKeyY <== senderPublicKeyY;
    senderAfter.balance <== senderBalance - amount;
    senderAfter.nonce <== senderNonce + 1;
    component rootAfterDebit = MerkleRoot(depth);
    rootAfterDebit.leaf <== sender.leaf + debited * (senderAfter.leaf - sender.leaf);
    for (var l = 0; l < depth; l++) {
        rootAfterDebit.pathBits[l] <== fromBits.out[l];
        rootAfterDebit.siblings[l] <== senderSiblings[l];
    }

    // --- The receiver's leaf is in the debited tree. ---
    component receiver = AccountOpening();
    receiver.exists <== receiverExists;
    receiver.publicKeyX <== receiverPublicKeyX;
    receiver.publicKeyY <== receiverPublicKeyY;
    receiver.balance <== receiverBalance;
    receiver.nonce <== receiverNonce;
    component receiverRoot = MerkleRoot(depth);
    receiverRoot.leaf <== receiver.leaf;
    for (var l = 0; l < depth; l++) {
        receiverRoot.pathBits[l] <== toBits.out[l];
        receiverRoot.siblings[l] <== receiverSiblings[l];
    }
    receiverRoot.root === rootAfterDebit.root;

    // --- No overflow: receiverBalance + amount < 2^64 (the sum is below 2^65). ---
    component fits = LessThan(AMOUNT_BITS() + 1);
    fits.in[0] <== receiverBalance + amount;
    fits.in[1] <== 1 << AMOUNT_BITS();

    signal creditChecks[2];
    creditChecks[0] <== debited * receiverExists;
    creditChecks[1] <== creditChecks[0] * fits.out;
    valid <== creditChecks[1];

    component receiverAfter = AccountLeaf();
    receiverAfter.publicKeyX <== receiverPublicKeyX;
    receiverAfter.publicKeyY <== receiverPublicKeyY;
    receiverAfter.balance <== receiverBalance + amount;
    receiverAfter.nonce <== receiverNonce;
    component rootAfterCredit = MerkleRoot(depth);
    rootAfterCredit.leaf <== receiverAfter.leaf;
    for (var l = 0; l < depth; l++) {
        rootAfterCredit.pathBits[l] <== toBits.out[l];
        rootAfterCredit.siblings[l] <== receiverSiblings[l];
    }

    // --- A skipped transfer leaves the state as it was. ---
    rootOut <== rootIn + valid * (rootAfterCredit.root - rootIn);
}
