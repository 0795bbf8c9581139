pragma circom 2.1.9;

// Test main: PostedSignatureValid alone, so that keys a genesis would refuse can be tried.
include "lib/signature.circom";

component main = PostedSignatureValid();
