pragma circom 2.1.9;

// Test main: two signature slots and their aggregate, built from the Batch circuit's own templates, without the
// state tree, so that keys a genesis would refuse can be tried. A slot is a signer iff it is enabled, its key is
// not of small order and its R8 is a point, as in TransferSlot (there also: the sender exists, from is in range).
include "circomlib/circuits/bitify.circom";
include "lib/aggregate.circom";
include "lib/signature.circom";

template TwoSignatures() {
    signal input enabled[2];
    signal input Ax[2];
    signal input Ay[2];
    signal input M[2];
    signal input r8Bits[2][256];
    signal input r8x[2];
    signal input r8OnCurve[2];
    signal input sBits[256];
    signal output valid;
    signal output signer[2];

    component r8[2];
    component share[2];
    component aggregate = AggregateSignatureValid(2);
    signal usable[2];
    for (var i = 0; i < 2; i++) {
        r8[i] = PostedPoint();
        r8[i].bits <== r8Bits[i];
        r8[i].x <== r8x[i];
        r8[i].onCurve <== r8OnCurve[i];
        share[i] = SignatureShare();
        share[i].Ax <== Ax[i];
        share[i].Ay <== Ay[i];
        share[i].M <== M[i];
        share[i].r8x <== r8[i].px;
        share[i].r8y <== r8[i].py;
        usable[i] <== enabled[i] * share[i].keyUsable;
        signer[i] <== usable[i] * r8[i].ok;
        aggregate.signer[i] <== signer[i];
        aggregate.h[i] <== share[i].h;
        aggregate.point[i] <== share[i].point;
    }
    aggregate.sBits <== sBits;
    valid <== aggregate.valid;
}

component main = TwoSignatures();
