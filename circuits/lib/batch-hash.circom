pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";

// Bytes of batch data per field element: 31 bytes always fit below the BN254
// scalar field modulus, so the contract can read them with one calldataload
// and a shift, and no reduction is ever needed.
function CHUNK_BITS() { return 248; }

/*
 * BatchHash(nBits): the commitment to a batch's posted data that the rollup
 * contract computes from calldata (contracts/libraries/BatchHash.sol and
 * off-chain/l2/batch-hash.ts compute the same):
 *
 *   h = Poseidon(chainId, count)
 *   for each 31-byte chunk c of the data, zero-padded to whole chunks:
 *       h = Poseidon(h, c)            (c read big-endian)
 *
 * dataBits holds the batch's bytes, most significant bit first; the bits of
 * padding slots are zero. Seeding with chainId and count binds the proof to one
 * rollup and fixes which slots are transactions (a zero transfer is not the
 * same batch as a padding slot).
 *
 * Assumes: every dataBits[i] is 0 or 1 (they come from Num2Bits).
 */
template BatchHash(nBits) {
    var nChunks = (nBits + CHUNK_BITS() - 1) \ CHUNK_BITS();

    signal input chainId;
    signal input count;
    signal input dataBits[nBits];
    signal output out;

    // Linear combinations cost no constraints: packing is free.
    signal chunks[nChunks];
    for (var k = 0; k < nChunks; k++) {
        var acc = 0;
        for (var b = 0; b < CHUNK_BITS(); b++) {
            var i = k * CHUNK_BITS() + b;
            if (i < nBits) {
                acc += dataBits[i] * (1 << (CHUNK_BITS() - 1 - b));
            }
        }
        chunks[k] <== acc;
    }

    component hashers[nChunks + 1];
    hashers[0] = Poseidon(2);
    hashers[0].inputs[0] <== chainId;
    hashers[0].inputs[1] <== count;
    for (var k = 0; k < nChunks; k++) {
        hashers[k + 1] = Poseidon(2);
        hashers[k + 1].inputs[0] <== hashers[k].out;
        hashers[k + 1].inputs[1] <== chunks[k];
    }
    out <== hashers[nChunks].out;
}
