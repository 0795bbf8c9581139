pragma circom 2.1.9;

include "circomlib/circuits/babyjub.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/compconstant.circom";
include "circomlib/circuits/escalarmulany.circom";
include "circomlib/circuits/escalarmulfix.circom";
include "circomlib/circuits/poseidon.circom";
include "./signature.circom";

// Bits of an aggregation weight z_i: half-aggregation needs weights of the security level (Chalkias, Garillot,
// Kondi, Nikolaenko, "Non-interactive half-aggregation of EdDSA and variants of Schnorr signatures", CT-RSA 2021).
function WEIGHT_BITS() { return 128; }

/*
 * AggregateSignatureValid(n): whether the batch's posted S is the half-aggregate
 * of the signatures of its signers. off-chain/l2/aggregate.ts decides the same.
 *
 * Each slot i gives signer[i] (0 or 1), its challenge h[i] and its point
 * point[i] = 8 (R8_i + h_i 8A_i) (SignatureShare). Over the signers, in slot
 * order:
 *   c = 0, then c = Poseidon(c, h_i) for each signer: every signer's R8, key
 *       and message, so no weight can be chosen before all of them are fixed;
 *   z_i = Poseidon(c, i) mod 2^128, the weight of slot i;
 * valid = 1 iff S < l (the top three bits zero) and
 *   8 S B8 = sum over signers of z_i point_i.
 * With every (R8_i, S_i) a valid signature, S = sum z_i S_i mod l passes;
 * without one of the signers' keys, no S does (but with negligible chance).
 * No signer at all: valid iff S = 0.
 *
 * Assumes: every signer[i] is 0 or 1; every point is in the prime-order
 * subgroup or the identity (SignatureShare multiplies by 8); every sBits[i]
 * is 0 or 1.
 */
template AggregateSignatureValid(n) {
    signal input sBits[256];
    signal input signer[n];
    signal input h[n];
    signal input point[n][2];
    signal output valid;

    // --- The weights. ---
    component chain[n];
    signal seeds[n + 1];
    seeds[0] <== 0;
    for (var i = 0; i < n; i++) {
        chain[i] = Poseidon(2);
        chain[i].inputs[0] <== seeds[i];
        chain[i].inputs[1] <== h[i];
        seeds[i + 1] <== seeds[i] + signer[i] * (chain[i].out - seeds[i]);
    }
    component weights[n];
    component weightBits[n];
    for (var i = 0; i < n; i++) {
        weights[i] = Poseidon(2);
        weights[i].inputs[0] <== seeds[n];
        weights[i].inputs[1] <== i;
        weightBits[i] = Num2Bits_strict();
        weightBits[i].in <== weights[i].out;
    }

    // --- The right side: sum over signers of z_i point_i (the identity in place of a non-signer's term). ---
    component terms[n];
    component sums[n];
    signal termX[n];
    signal termY[n];
    for (var i = 0; i < n; i++) {
        terms[i] = EscalarMulAny(WEIGHT_BITS());
        for (var b = 0; b < WEIGHT_BITS(); b++) terms[i].e[b] <== weightBits[i].out[b];
        terms[i].p[0] <== point[i][0];
        terms[i].p[1] <== point[i][1];
        termX[i] <== signer[i] * terms[i].out[0];
        termY[i] <== signer[i] * (terms[i].out[1] - 1) + 1;
        sums[i] = BabyAdd();
        sums[i].x1 <== i == 0 ? 0 : sums[i - 1].xout;
        sums[i].y1 <== i == 0 ? 1 : sums[i - 1].yout;
        sums[i].x2 <== termX[i];
        sums[i].y2 <== termY[i];
    }

    // --- S < l: top three bits zero and the low 253 bits at most l - 1. ---
    component sTopZero = IsZero();
    sTopZero.in <== sBits[253] + sBits[254] + sBits[255];
    component sAboveOrder = CompConstant(2736030358979909402780800718157159386076813972158567259200215660948447373040);
    for (var i = 0; i < 253; i++) sAboveOrder.in[i] <== sBits[i];
    sAboveOrder.in[253] <== 0;
    signal sOk <== sTopZero.out * (1 - sAboveOrder.out);

    // --- The left side: 8 S B8 (S zeroed when out of range: the fixed-base ladder is only promised below l). ---
    var BASE8[2] = [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];
    component left = EscalarMulFix(253, BASE8);
    for (var i = 0; i < 253; i++) left.e[i] <== sBits[i] * sOk;
    component leftTimes8 = TimesEight();
    leftTimes8.x <== left.out[0];
    leftTimes8.y <== left.out[1];

    component equalX = IsEqual();
    equalX.in[0] <== leftTimes8.xout;
    equalX.in[1] <== sums[n - 1].xout;
    component equalY = IsEqual();
    equalY.in[0] <== leftTimes8.yout;
    equalY.in[1] <== sums[n - 1].yout;

    signal checks[2];
    checks[0] <== sOk * equalX.out;
    checks[1] <== checks[0] * equalY.out;
    valid <== checks[1];
}
