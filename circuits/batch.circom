pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "./lib/aggregate.circom";
include "./lib/batch-data.circom";
include "./lib/transfer.circom";

/*
 * Batch(batchSize, depth): the statement every zkpow proof proves.
 *
 * Public signals, in this order (the rollup contract passes them so):
 *   oldStateRoot    the state root the batch starts from;
 *   newStateRoot    the state root after applying the batch;
 *   batchHash       the Poseidon commitment to the posted data (BatchData);
 *   dataPoint       z, which the contract derives from batchHash and the posted bytes;
 *   dataEvaluation  the posted data as a polynomial at z, evaluated by the contract;
 *   prover          the address of the miner who made the proof.
 *
 * Proves: the posted data is the batch's aggregate S (32 bytes) and then
 * `count` transfers; the remaining batchSize - count slots are padding that
 * posts zero bytes; the data is exactly the bytes behind batchHash, dataPoint
 * and dataEvaluation on the rollup with id chainId. If S is the aggregate of
 * the signers' signatures (AggregateSignatureValid), applying the transfers in
 * order to oldStateRoot (each applied or skipped, see TransferSlot) gives
 * newStateRoot; if it is not, newStateRoot = oldStateRoot: the batch changes
 * nothing, since no one can tell which signature is missing.
 *
 * prover enters no other constraint. It is squared below so that it is part of
 * the constraint system: a proof made for one prover does not verify for any
 * other, so a proof seen in the mempool is worthless to anyone else.
 */
template Batch(batchSize, depth) {
    assert(batchSize >= 1 && batchSize < (1 << 15));

    signal input oldStateRoot;
    signal input newStateRoot;
    signal input batchHash;
    signal input dataPoint;
    signal input dataEvaluation;
    signal input prover;

    signal input chainId;
    signal input count;
    signal input aggregateSHi;
    signal input aggregateSLo;

    signal input from[batchSize];
    signal input to[batchSize];
    signal input amount[batchSize];
    signal input signatureR8Hi[batchSize];
    signal input signatureR8Lo[batchSize];
    signal input signatureR8x[batchSize];
    signal input signatureR8OnCurve[batchSize];
    signal input senderExists[batchSize];
    signal input senderPublicKeyX[batchSize];
    signal input senderPublicKeyY[batchSize];
    signal input senderBalance[batchSize];
    signal input senderNonce[batchSize];
    signal input senderSiblings[batchSize][depth];
    signal input receiverExists[batchSize];
    signal input receiverPublicKeyX[batchSize];
    signal input receiverPublicKeyY[batchSize];
    signal input receiverBalance[batchSize];
    signal input receiverNonce[batchSize];
    signal input receiverSiblings[batchSize][depth];

    // --- 0 <= count <= batchSize (range-check count first: LessEqThan needs 16-bit inputs). ---
    component countBits = Num2Bits(16);
    countBits.in <== count;
    component countFits = LessEqThan(16);
    countFits.in[0] <== count;
    countFits.in[1] <== batchSize;
    countFits.out === 1;

    // --- Apply the slots in order; slot i is a transaction iff i < count. ---
    component enabled[batchSize];
    component slots[batchSize];
    signal roots[batchSize + 1];
    roots[0] <== oldStateRoot;
    for (var i = 0; i < batchSize; i++) {
        enabled[i] = LessThan(16);
        enabled[i].in[0] <== i;
        enabled[i].in[1] <== count;

        slots[i] = TransferSlot(depth);
        slots[i].enabled <== enabled[i].out;
        slots[i].chainId <== chainId;
        slots[i].rootIn <== roots[i];
        slots[i].from <== from[i];
        slots[i].to <== to[i];
        slots[i].amount <== amount[i];
        slots[i].signatureR8Hi <== signatureR8Hi[i];
        slots[i].signatureR8Lo <== signatureR8Lo[i];
        slots[i].signatureR8x <== signatureR8x[i];
        slots[i].signatureR8OnCurve <== signatureR8OnCurve[i];
        slots[i].senderExists <== senderExists[i];
        slots[i].senderPublicKeyX <== senderPublicKeyX[i];
        slots[i].senderPublicKeyY <== senderPublicKeyY[i];
        slots[i].senderBalance <== senderBalance[i];
        slots[i].senderNonce <== senderNonce[i];
        slots[i].senderSiblings <== senderSiblings[i];
        slots[i].receiverExists <== receiverExists[i];
        slots[i].receiverPublicKeyX <== receiverPublicKeyX[i];
        slots[i].receiverPublicKeyY <== receiverPublicKeyY[i];
        slots[i].receiverBalance <== receiverBalance[i];
        slots[i].receiverNonce <== receiverNonce[i];
        slots[i].receiverSiblings <== receiverSiblings[i];
        roots[i + 1] <== slots[i].rootOut;
    }

    // --- The aggregate signature; without it the batch changes nothing. ---
    component sWords[2];
    signal sBits[256];
    for (var w = 0; w < 2; w++) sWords[w] = Num2Bits(128);
    sWords[0].in <== aggregateSLo;
    sWords[1].in <== aggregateSHi;
    for (var b = 0; b < 128; b++) {
        sBits[b] <== sWords[0].out[b];
        sBits[128 + b] <== sWords[1].out[b];
    }
    component signature = AggregateSignatureValid(batchSize);
    signature.sBits <== sBits;
    for (var i = 0; i < batchSize; i++) {
        signature.signer[i] <== slots[i].signer;
        signature.h[i] <== slots[i].challenge;
        signature.point[i] <== slots[i].sharePoint;
    }
    newStateRoot === oldStateRoot + signature.valid * (roots[batchSize] - oldStateRoot);

    // --- S and the slots are exactly the posted bytes. ---
    var txBits = TX_BITS(depth);
    component data = BatchData(256 + batchSize * txBits);
    data.chainId <== chainId;
    data.count <== count;
    data.point <== dataPoint;
    for (var b = 0; b < 256; b++) data.dataBits[b] <== sBits[255 - b];
    for (var i = 0; i < batchSize; i++) {
        for (var b = 0; b < txBits; b++) {
            data.dataBits[256 + i * txBits + b] <== slots[i].dataBits[b];
        }
    }
    batchHash === data.hash;
    dataEvaluation === data.evaluation;

    // --- Bind the prover's address (see above). ---
    signal proverSquared <== prover * prover;
}
