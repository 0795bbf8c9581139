import { poseidon1, poseidon2, poseidon3, poseidon4, poseidon5, poseidon6 } from "poseidon-lite";

/** The BN254 scalar field modulus: every circuit signal and public input lives below it. */
export const SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** A Poseidon hasher over bigints (circomlib's parameters, as the circuits' Poseidon(n)). */
export type PoseidonHash = (inputs: readonly bigint[]) => bigint;

const POSEIDON_BY_ARITY: readonly ((inputs: bigint[]) => bigint)[] = [
  poseidon1,
  poseidon2,
  poseidon3,
  poseidon4,
  poseidon5,
  poseidon6,
];

/** Poseidon of 1 to 6 field elements. */
export const poseidon: PoseidonHash = (inputs) => {
  const hash = POSEIDON_BY_ARITY[inputs.length - 1];
  if (hash === undefined) throw new RangeError(`Poseidon takes 1 to 6 inputs, got ${inputs.length}`);
  return hash([...inputs]);
};

/** The hashers the L2 model needs. */
export interface L2Crypto {
  readonly poseidon: PoseidonHash;
}

/** The L2's hashers (pure JavaScript: nothing to load, kept async so callers need not change when one is). */
export function loadL2Crypto(): Promise<L2Crypto> {
  return Promise.resolve({ poseidon });
}
