pragma circom 2.1.9;

include "circomlib/circuits/babyjub.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/compconstant.circom";
include "circomlib/circuits/escalarmulany.circom";
include "circomlib/circuits/escalarmulfix.circom";
include "circomlib/circuits/poseidon.circom";

/*
 * PostedSignatureValid(): whether two posted 256-bit words are the key's
 * EdDSA-Poseidon signature of M. It never fails: every input gives valid = 0
 * or 1, so a batch with a bad signature in it can still be proven (the
 * transfer is then skipped). off-chain/l2/signature.ts decides the same.
 *
 *   r8Bits  the posted R8, least significant bit first: bits 0..254 are y,
 *           bit 255 is set iff x > (p - 1) / 2 (the usual compression);
 *   sBits   the posted S, least significant bit first.
 *
 * valid = 1 iff all of:
 *   S < l (the subgroup order; the top three bits are zero);
 *   y < p, and the curve has a point (x, y) with x's sign as posted (x = 0 has only the positive sign);
 *   8A is not the identity (a small-order key signs nothing);
 *   S * B8 = R8 + Poseidon(R8x, R8y, Ax, Ay, M) * 8A.
 *
 * Witness: r8x and r8OnCurve. With r8OnCurve = 1, r8x is the point's x; with
 * r8OnCurve = 0, r8x is a square root of 5 (1 - y^2) / (a - d y^2): since 5 is
 * a non-residue mod p, that root exists exactly when the curve has no point
 * at y, so the prover cannot claim "no point" for a y that has one.
 *
 * Assumes: (Ax, Ay) is on the curve (genesis keys are checked; an empty
 * account is given the identity (0, 1)); every bit input is 0 or 1 (the caller
 * takes them from Num2Bits).
 */
template PostedSignatureValid() {
    signal input Ax;
    signal input Ay;
    signal input M;
    signal input r8Bits[256];
    signal input sBits[256];
    signal input r8x;
    signal input r8OnCurve;
    signal output valid;

    var A = 168700;
    var D = 168696;
    var NON_RESIDUE = 5;

    // --- S < l: top three bits zero and the low 253 bits at most l - 1. ---
    component sTopZero = IsZero();
    sTopZero.in <== sBits[253] + sBits[254] + sBits[255];
    component sAboveOrder = CompConstant(2736030358979909402780800718157159386076813972158567259200215660948447373040);
    for (var i = 0; i < 253; i++) sAboveOrder.in[i] <== sBits[i];
    sAboveOrder.in[253] <== 0;
    signal sOk <== sTopZero.out * (1 - sAboveOrder.out);

    // --- y canonical: bit 254 clear and the low 254 bits at most p - 1. ---
    component yAboveField = CompConstant(21888242871839275222246405745257275088548364400416034343698204186575808495616);
    for (var i = 0; i < 254; i++) yAboveField.in[i] <== r8Bits[i];
    signal yOk <== (1 - r8Bits[254]) * (1 - yAboveField.out);

    // --- Decompression: r8x^2 (a - d y^2) = (1 - y^2) (r8OnCurve ? 1 : 5). ---
    var y = 0;
    // 2 ** i is the field power; y wraps mod p when the posted y is not canonical (then yOk = 0).
    for (var i = 0; i < 255; i++) y += r8Bits[i] * (2 ** i);
    r8OnCurve * (r8OnCurve - 1) === 0;
    signal y2 <== y * y;
    signal x2 <== r8x * r8x;
    signal rhs <== (1 - y2) * (NON_RESIDUE - (NON_RESIDUE - 1) * r8OnCurve);
    x2 * (A - D * y2) === rhs;
    // y = ±1 gives x = 0 on both sides: there the point exists, and no one may claim otherwise.
    component uZero = IsZero();
    uZero.in <== 1 - y2;
    (1 - r8OnCurve) * uZero.out === 0;

    // --- x's sign as posted: x > (p - 1) / 2 iff bit 255. ---
    component xBits = Num2Bits_strict();
    xBits.in <== r8x;
    component xNegative = CompConstant(10944121435919637611123202872628637544274182200208017171849102093287904247808);
    for (var i = 0; i < 254; i++) xNegative.in[i] <== xBits.out[i];
    component signOk = IsEqual();
    signOk.in[0] <== xNegative.out;
    signOk.in[1] <== r8Bits[255];

    // Off the curve, R8 is replaced by the identity: the additions below stay on the curve (their formulas are
    // complete there), so every input has a witness.
    signal r8X <== r8OnCurve * r8x;
    signal r8Y <== r8OnCurve * (y - 1) + 1;

    // --- h = Poseidon(R8x, R8y, Ax, Ay, M). ---
    component hash = Poseidon(5);
    hash.inputs[0] <== r8X;
    hash.inputs[1] <== r8Y;
    hash.inputs[2] <== Ax;
    hash.inputs[3] <== Ay;
    hash.inputs[4] <== M;
    component hBits = Num2Bits_strict();
    hBits.in <== hash.out;

    // --- 8A, and the key is not of small order. ---
    component dbl1 = BabyDbl();
    dbl1.x <== Ax;
    dbl1.y <== Ay;
    component dbl2 = BabyDbl();
    dbl2.x <== dbl1.xout;
    dbl2.y <== dbl1.yout;
    component dbl3 = BabyDbl();
    dbl3.x <== dbl2.xout;
    dbl3.y <== dbl2.yout;
    component keySmall = IsZero();
    keySmall.in <== dbl3.xout;

    // --- right = R8 + h * 8A; left = S * B8 (S zeroed when out of range: the fixed-base ladder is only
    // promised for scalars below l). ---
    component mulAny = EscalarMulAny(254);
    for (var i = 0; i < 254; i++) mulAny.e[i] <== hBits.out[i];
    mulAny.p[0] <== dbl3.xout;
    mulAny.p[1] <== dbl3.yout;
    component right = BabyAdd();
    right.x1 <== r8X;
    right.y1 <== r8Y;
    right.x2 <== mulAny.out[0];
    right.y2 <== mulAny.out[1];

    var BASE8[2] = [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];
    component left = EscalarMulFix(253, BASE8);
    for (var i = 0; i < 253; i++) left.e[i] <== sBits[i] * sOk;

    component equalX = IsEqual();
    equalX.in[0] <== left.out[0];
    equalX.in[1] <== right.xout;
    component equalY = IsEqual();
    equalY.in[0] <== left.out[1];
    equalY.in[1] <== right.yout;

    // --- All of the above. ---
    signal checks[6];
    checks[0] <== sOk * yOk;
    checks[1] <== checks[0] * r8OnCurve;
    checks[2] <== checks[1] * signOk.out;
    checks[3] <== checks[2] * (1 - keySmall.out);
    checks[4] <== checks[3] * equalX.out;
    checks[5] <== checks[4] * equalY.out;
    valid <== checks[5];
}
