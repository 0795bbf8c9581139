pragma circom 2.1.9;

include "circomlib/circuits/babyjub.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/compconstant.circom";
include "circomlib/circuits/escalarmulany.circom";
include "circomlib/circuits/poseidon.circom";

/*
 * PostedPoint(): the point a posted 256-bit word names, if any. It never
 * fails: every input gives ok = 0 or 1. off-chain/l2/signature.ts
 * (decompressPoint) decides the same.
 *
 *   bits  the posted word, least significant bit first: bits 0..254 are y,
 *         bit 255 is set iff x > (p - 1) / 2 (the usual compression).
 *
 * ok = 1 iff y < p and the curve has a point (x, y) with x's sign as posted
 * (x = 0 has only the positive sign); then (x, y) is that point, else the
 * identity (0, 1), so that the caller's additions stay on the curve.
 *
 * Witness: x and onCurve. With onCurve = 1, x is the point's x, of the posted
 * sign unless x = 0; with onCurve = 0, x is a square root of
 * 5 (1 - y^2) / (a - d y^2): since 5 is a non-residue mod p, that root exists
 * exactly when the curve has no point at y, so the prover cannot claim
 * "no point" for a y that has one, nor pick the root of the other sign.
 *
 * Assumes: every bit is 0 or 1 (the caller takes them from Num2Bits).
 */
template PostedPoint() {
    signal input bits[256];
    signal input x;
    signal input onCurve;
    signal output ok;
    signal output px;
    signal output py;

    var A = 168700;
    var D = 168696;
    var NON_RESIDUE = 5;

    // --- y canonical: bit 254 clear and the low 254 bits at most p - 1. ---
    component yAboveField = CompConstant(21888242871839275222246405745257275088548364400416034343698204186575808495616);
    for (var i = 0; i < 254; i++) yAboveField.in[i] <== bits[i];
    signal yOk <== (1 - bits[254]) * (1 - yAboveField.out);

    // --- Decompression: x^2 (a - d y^2) = (1 - y^2) (onCurve ? 1 : 5). ---
    var y = 0;
    // 2 ** i is the field power; y wraps mod p when the posted y is not canonical (then yOk = 0).
    for (var i = 0; i < 255; i++) y += bits[i] * (2 ** i);
    onCurve * (onCurve - 1) === 0;
    signal y2 <== y * y;
    signal x2 <== x * x;
    signal rhs <== (1 - y2) * (NON_RESIDUE - (NON_RESIDUE - 1) * onCurve);
    x2 * (A - D * y2) === rhs;
    // y = ±1 gives x = 0 on both sides: there the point exists, and no one may claim otherwise.
    component uZero = IsZero();
    uZero.in <== 1 - y2;
    (1 - onCurve) * uZero.out === 0;

    // --- x's sign as posted: x > (p - 1) / 2 iff bit 255. ---
    component xBits = Num2Bits_strict();
    xBits.in <== x;
    component xNegative = CompConstant(10944121435919637611123202872628637544274182200208017171849102093287904247808);
    for (var i = 0; i < 254; i++) xNegative.in[i] <== xBits.out[i];
    component signOk = IsEqual();
    signOk.in[0] <== xNegative.out;
    signOk.in[1] <== bits[255];
    // Both roots satisfy the curve equation: on the curve, with x != 0, the prover must give the root of the posted
    // sign, or it could call any posted point "no point" and drop its transfer. x = 0 is the only root where it is
    // one, so "x = 0 with the sign bit" stays decided (no point), not chosen.
    component xZero = IsZero();
    xZero.in <== x;
    signal signFree <== onCurve * (1 - xZero.out);
    signFree * (1 - signOk.out) === 0;

    signal checks[2];
    checks[0] <== yOk * onCurve;
    checks[1] <== checks[0] * signOk.out;
    ok <== checks[1];
    px <== ok * x;
    py <== ok * (y - 1) + 1;
}

/*
 * SignatureShare(): one signer's part of a batch's aggregate signature
 * (AggregateSignatureValid): its challenge and its point
 *
 *   h     = Poseidon(R8x, R8y, Ax, Ay, M), the EdDSA-Poseidon challenge;
 *   point = 8 (R8 + h * 8A).
 *
 * A signer's own signature (R8, S) satisfies S * B8 = R8 + h * 8A, so
 * 8 S B8 = point. The factor 8 clears any small-order part of a posted R8:
 * the point is in the prime-order subgroup, where the aggregate's ladder is
 * sound. keyUsable = 0 for a key of small order (8A is the identity), which
 * signs nothing: with it any R8 = S B8 would do.
 *
 * Assumes: (Ax, Ay) and R8 are on the curve (genesis keys are checked; an
 * empty account is given the identity; R8 comes from PostedPoint).
 */
template SignatureShare() {
    signal input Ax;
    signal input Ay;
    signal input M;
    signal input r8x;
    signal input r8y;
    signal output h;
    signal output keyUsable;
    signal output point[2];

    component hash = Poseidon(5);
    hash.inputs[0] <== r8x;
    hash.inputs[1] <== r8y;
    hash.inputs[2] <== Ax;
    hash.inputs[3] <== Ay;
    hash.inputs[4] <== M;
    h <== hash.out;
    component hBits = Num2Bits_strict();
    hBits.in <== hash.out;

    // --- 8A, and whether the key is of small order. ---
    component keyTimes8 = TimesEight();
    keyTimes8.x <== Ax;
    keyTimes8.y <== Ay;
    component keySmall = IsZero();
    keySmall.in <== keyTimes8.xout;
    keyUsable <== 1 - keySmall.out;

    // --- 8 (R8 + h * 8A). ---
    component mulAny = EscalarMulAny(254);
    for (var i = 0; i < 254; i++) mulAny.e[i] <== hBits.out[i];
    mulAny.p[0] <== keyTimes8.xout;
    mulAny.p[1] <== keyTimes8.yout;
    component sum = BabyAdd();
    sum.x1 <== r8x;
    sum.y1 <== r8y;
    sum.x2 <== mulAny.out[0];
    sum.y2 <== mulAny.out[1];
    component sumTimes8 = TimesEight();
    sumTimes8.x <== sum.xout;
    sumTimes8.y <== sum.yout;
    point[0] <== sumTimes8.xout;
    point[1] <== sumTimes8.yout;
}

/* TimesEight(): 8 P by three doublings (BabyAdd's formulas are complete on BabyJubJub: any point of the curve). */
template TimesEight() {
    signal input x;
    signal input y;
    signal output xout;
    signal output yout;

    component dbl[3];
    for (var i = 0; i < 3; i++) {
        dbl[i] = BabyDbl();
        dbl[i].x <== i == 0 ? x : dbl[i - 1].xout;
        dbl[i].y <== i == 0 ? y : dbl[i - 1].yout;
    }
    xout <== dbl[2].xout;
    yout <== dbl[2].yout;
}
