import { buildEddsa, type EdDSA, type FieldElement } from "circomlibjs";

/** The BN254 scalar field modulus: every circuit signal and public input lives below it. */
export const SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

let eddsaPromise: Promise<EdDSA> | undefined;

/** circomlibjs builds its WebAssembly hashers once per process; share them. */
export function loadEddsa(): Promise<EdDSA> {
  eddsaPromise ??= buildEddsa();
  return eddsaPromise;
}

/** A Poseidon hasher over bigints, bound to one loaded instance. */
export type PoseidonHash = (inputs: readonly bigint[]) => bigint;

/** The hashers the L2 model needs. */
export interface L2Crypto {
  readonly eddsa: EdDSA;
  readonly poseidon: PoseidonHash;
}

export async function loadL2Crypto(): Promise<L2Crypto> {
  const eddsa = await loadEddsa();
  return { eddsa, poseidon: (inputs) => eddsa.poseidon.F.toObject(eddsa.poseidon(inputs)) };
}

/** circomlibjs field element (Montgomery form) to a canonical bigint. */
export function fieldToBigint(eddsa: EdDSA, element: FieldElement): bigint {
  return eddsa.F.toObject(element);
}
