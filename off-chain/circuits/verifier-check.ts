import * as snarkjs from "snarkjs";

import { readZkeyHeader, type R1csHeader } from "./binfile.js";
import { fileExists } from "./files.js";

/** The parts of a snarkjs verification key a verifier contract embeds. */
export interface EmbeddedKey {
  readonly vk_alpha_1: readonly string[];
  readonly vk_beta_2: readonly (readonly string[])[];
  readonly vk_gamma_2: readonly (readonly string[])[];
  readonly vk_delta_2: readonly (readonly string[])[];
  readonly IC: readonly (readonly string[])[];
}

/** Reads contract code: an ethers Provider is one (a viem client: `{ getCode: (a) => client.getCode({ address: a }) }`). */
export interface CodeReader {
  getCode(address: string): Promise<string>;
}

/** A zkey that cannot be used: missing, not a Groth16 zkey, or of another circuit. */
export class ZkeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZkeyError";
  }
}

/**
 * The verifier at an address does not hold a verification key: the contract
 * would refuse every proof made with that key's zkey (or, worse, accept proofs
 * of a key someone else holds the toxic waste of).
 */
export class VerifierKeyError extends Error {
  constructor(
    message: string,
    readonly verifier: string,
    /** The key's words the code lacks (all of them when there is no code). */
    readonly missing: number,
    readonly total: number,
  ) {
    super(message);
    this.name = "VerifierKeyError";
  }
}

/** The verification key of a zkey (what `snarkjs zkey export verificationkey` writes). Throws ZkeyError for a bad file. */
export async function verificationKeyOf(zkeyPath: string): Promise<snarkjs.VerificationKey> {
  if (!(await fileExists(zkeyPath))) throw new ZkeyError(`zkey ${zkeyPath} does not exist`);
  try {
    await readZkeyHeader(zkeyPath);
  } catch (error) {
    throw new ZkeyError(`${zkeyPath} is not a usable zkey: ${error instanceof Error ? error.message : String(error)}`);
  }
  return snarkjs.zKey.exportVerificationKey(zkeyPath);
}

/**
 * Throws ZkeyError unless the zkey was set up for a circuit of this shape:
 * as many wires (the witness length a proof needs) and public signals. Cheap
 * (the header only), and it turns "proving fails with an invalid witness
 * length" into an error at startup naming the zkey and the circuit.
 */
export async function assertZkeyFitsCircuit(zkeyPath: string, r1cs: R1csHeader, circuit: string): Promise<void> {
  if (!(await fileExists(zkeyPath))) throw new ZkeyError(`zkey ${zkeyPath} does not exist`);
  let header;
  try {
    header = await readZkeyHeader(zkeyPath);
  } catch (error) {
    throw new ZkeyError(`${zkeyPath} is not a usable zkey: ${error instanceof Error ? error.message : String(error)}`);
  }
  const publicSignals = r1cs.nOutputs + r1cs.nPubInputs;
  if (header.nVars !== r1cs.nWires || header.nPublic !== publicSignals) {
    throw new ZkeyError(
      `zkey ${zkeyPath} is for a circuit of ${header.nVars} wires and ${header.nPublic} public signals; circuit ${circuit} has ${r1cs.nWires} and ${publicSignals}`,
    );
  }
}

/** The key's numbers, in the order the sequence verifier lays them out (alpha, beta, gamma, delta, IC). */
export function verifierKeyNumbers(key: EmbeddedKey): bigint[] {
  const numbers = [
    ...key.vk_alpha_1.slice(0, 2),
    ...[key.vk_beta_2, key.vk_gamma_2, key.vk_delta_2].flatMap((point) => point.slice(0, 2).flat()),
    ...key.IC.flatMap((point) => point.slice(0, 2)),
  ];
  return numbers.map((n) => BigInt(n));
}

/**
 * The ways contract code pushes a constant, as hex: PUSH32 with the padded
 * word, or the shortest PUSH of its significant bytes (what the optimizer
 * emits for a number below 2^248: about one coordinate in 256).
 */
function pushForms(value: bigint): string[] {
  const padded = value.toString(16).padStart(64, "0");
  let minimal = value.toString(16);
  if (minimal.length % 2 === 1) minimal = `0${minimal}`;
  const bytes = minimal.length / 2;
  return [`7f${padded}`, `${(0x5f + bytes).toString(16)}${minimal}`];
}

/** Whether the code (hex, no 0x) pushes the constant: the opcode and its bytes, at a byte boundary. */
function pushes(code: string, value: bigint): boolean {
  return pushForms(value).some((form) => {
    for (let at = code.indexOf(form); at !== -1; at = code.indexOf(form, at + 1)) if (at % 2 === 0) return true;
    return false;
  });
}

/**
 * Checks that the contract at `verifierAddress` pushes every number of the
 * verification key (alpha, beta, gamma, delta and the IC points: delta is
 * what each phase-2 contribution changes, so a verifier of another zkey of
 * the same circuit fails too). Both generated verifiers (snarkjs's and the
 * sequence verifier) embed the words as constants. Throws VerifierKeyError,
 * its message starting with `where` and naming the verifier and `keyName`.
 */
export async function assertVerifierHoldsKey(
  provider: CodeReader,
  verifierAddress: string,
  key: { readonly verificationKey: EmbeddedKey; readonly name: string },
  where: string,
): Promise<void> {
  const code = (await provider.getCode(verifierAddress)).toLowerCase().replace(/^0x/, "");
  const words = verifierKeyNumbers(key.verificationKey);
  if (code === "") {
    throw new VerifierKeyError(
      `${where}: no contract at the verifier address ${verifierAddress}, so it does not hold ${key.name}`,
      verifierAddress,
      words.length,
      words.length,
    );
  }
  const missing = words.filter((word) => !pushes(code, word)).length;
  if (missing > 0) {
    throw new VerifierKeyError(
      `${where}: the verifier ${verifierAddress} does not hold ${key.name} (${missing} of its ${words.length} words missing)`,
      verifierAddress,
      missing,
      words.length,
    );
  }
}
