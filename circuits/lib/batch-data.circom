pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";

// Bytes of batch data per field element: 31 bytes always fit below the BN254
// scalar field modulus, so the contract reads them with one calldataload and
// a shift, and no reduction is ever needed.
function CHUNK_BITS() { return 248; }

/*
 * BatchData(nBits): the two commitments to a batch's posted data
 * (docs/circuit.md says why there are two; off-chain/l2/batch-hash.ts and
 * contracts/libraries/BatchHash.sol compute the same):
 *
 *   hash        h = Poseidon(chainId, count), then h = Poseidon(h, c) for each
 *               31-byte chunk c of the data zero-padded to the batch size
 *               (big-endian): the batchHash;
 *   evaluation  chainId + count z + sum_j c_j z^(j + 2) at z = point: the data
 *               read as a polynomial, which the contract evaluates from
 *               calldata at the point it derived by hashing the data and h.
 *
 * Equal hashes bind the data to the batchHash; equal evaluations at a point
 * drawn after the batchHash was fixed bind it to the posted bytes.
 *
 * Assumes: every dataBits[i] is 0 or 1 (they come from Num2Bits).
 */
template BatchData(nBits) {
    var nChunks = (nBits + CHUNK_BITS() - 1) \ CHUNK_BITS();

    signal input chainId;
    signal input count;
    signal input dataBits[nBits];
    signal input point;
    signal output hash;
    signal output evaluation;

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
    hash <== hashers[nChunks].out;

    // powers[k] = point^(k + 2); terms[k] = chunk k times its power.
    signal powers[nChunks];
    signal terms[nChunks];
    signal countTerm <== count * point;
    var sum = chainId + countTerm;
    for (var k = 0; k < nChunks; k++) {
        powers[k] <== (k == 0 ? point : powers[k - 1]) * point;
        terms[k] <== chunks[k] * powers[k];
        sum += terms[k];
    }
    evaluation <== sum;
}
