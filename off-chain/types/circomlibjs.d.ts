// The parts of circomlibjs 0.1.7 that zkpow uses (the package ships no types).
declare module "circomlibjs" {
  /** An element of a finite field in circomlibjs's internal (Montgomery) form. */
  export type FieldElement = Uint8Array;

  export interface Field {
    e(value: bigint | number | string): FieldElement;
    toObject(element: FieldElement): bigint;
    eq(a: FieldElement, b: FieldElement): boolean;
  }

  export interface Poseidon {
    (inputs: readonly (bigint | FieldElement)[]): FieldElement;
    F: Field;
  }

  export interface EdDSASignature {
    R8: [FieldElement, FieldElement];
    S: bigint;
  }

  export interface EdDSA {
    F: Field;
    poseidon: Poseidon;
    prv2pub(privateKey: Uint8Array): [FieldElement, FieldElement];
    signPoseidon(privateKey: Uint8Array, message: FieldElement): EdDSASignature;
    verifyPoseidon(message: FieldElement, signature: EdDSASignature, publicKey: [FieldElement, FieldElement]): boolean;
  }

  export function buildPoseidon(): Promise<Poseidon>;
  export function buildEddsa(): Promise<EdDSA>;
}
