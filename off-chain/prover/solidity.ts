import type { Groth16Proof } from "./types.js";

/** A Groth16 proof as Solidity verifiers take it (uint256[2] a, uint256[2][2] b, uint256[2] c). */
export interface SolidityGroth16Proof {
  readonly a: readonly [bigint, bigint];
  readonly b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  readonly c: readonly [bigint, bigint];
}

/**
 * snarkjs writes G2 coordinates as [c0, c1]; the EVM pairing precompile (and
 * so every Solidity verifier) reads them as [c1, c0]. Points come affine (z = 1).
 */
export function toSolidityProof(proof: Groth16Proof): SolidityGroth16Proof {
  const at = (values: readonly string[] | undefined, i: number): bigint => {
    const value = values?.[i];
    if (value === undefined) throw new Error(`malformed Groth16 proof: a coordinate is missing`);
    return BigInt(value);
  };
  return {
    a: [at(proof.pi_a, 0), at(proof.pi_a, 1)],
    b: [
      [at(proof.pi_b[0], 1), at(proof.pi_b[0], 0)],
      [at(proof.pi_b[1], 1), at(proof.pi_b[1], 0)],
    ],
    c: [at(proof.pi_c, 0), at(proof.pi_c, 1)],
  };
}
