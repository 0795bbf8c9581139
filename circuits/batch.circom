pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "./lib/batch-hash.circom";
include "./lib/transfer.circom";

/*
 * Batch(batchSize, depth): the statement every zkpow proof proves.
 *
 * Public signals, in this order (the rollup contract passes them so):
 *   oldStateRoot  the state root the batch starts from;
 *   newStateRoot  the state root after applying the batch;
 *   batchHash     BatchHash(chainId, count, posted bytes), which the contract
 *                 computes from the sequencer's calldata;
 *   prover        the address of the miner who made the proof.
 *
 * Proves: applying the first `count` slots (signed transfers, see
 * TransferSlot) in order to oldStateRoot gives newStateRoot; the remaining
 * batchSize - count slots are no-ops that post zero bytes; the transfers are
 * exactly the bytes behind batchHash on the rollup with id chainId.
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
    signal input prover;

    signal input chainId;
    signal input count;

    signal input from[batchSize];
    signal input to[batchSize];
    signal input amount[batchSize];
    signal input signatureR8x[batchSize];
    signal input signatureR8y[batchSize];
    signal input signatureS[batchSize];
    signal input senderPublicKeyX[batchSize];
    signal input senderPublicKeyY[batchSize];
    signal input senderBalance[batchSize];
    signal input senderNonce[batchSize];
    signal input senderSiblings[batchSize][depth];
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
        slots[i].signatureR8x <== signatureR8x[i];
        slots[i].signatureR8y <== signatureR8y[i];
        slots[i].signatureS <== signatureS[i];
        slots[i].senderPublicKeyX <== senderPublicKeyX[i];
        slots[i].senderPublicKeyY <== senderPublicKeyY[i];
        slots[i].senderBalance <== senderBalance[i];
        slots[i].senderNonce <== senderNonce[i];
        slots[i].senderSiblings <== senderSiblings[i];
        slots[i].receiverPublicKeyX <== receiverPublicKeyX[i];
        slots[i].receiverPublicKeyY <== receiverPublicKeyY[i];
        slots[i].receiverBalance <== receiverBalance[i];
        slots[i].receiverNonce <== receiverNonce[i];
        slots[i].receiverSiblings <== receiverSiblings[i];
        roots[i + 1] <== slots[i].rootOut;
    }
    newStateRoot === roots[batchSize];

    // --- The slots are exactly the posted bytes. ---
    component data = BatchHash(batchSize * TX_BITS());
    data.chainId <== chainId;
    data.count <== count;
    for (var i = 0; i < batchSize; i++) {
        for (var b = 0; b < TX_BITS(); b++) {
            data.dataBits[i * TX_BITS() + b] <== slots[i].dataBits[b];
        }
    }
    batchHash === data.out;

    // --- Bind the prover's address (see above). ---
    signal proverSquared <== prover * prover;
}
