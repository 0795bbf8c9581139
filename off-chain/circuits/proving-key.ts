import type { VerificationKey } from "snarkjs";

import { ensureCircuit, ensureCompiled } from "./build.js";
import type { CircuitConfig } from "./configurations.js";
import { sha256File } from "./files.js";
import { assertZkeyFitsCircuit, verificationKeyOf } from "./verifier-check.js";

/** What a prover proves with: the circuit's witness generator and a zkey, with its verification key and sha256. */
export interface ProvingKey {
  readonly wasmPath: string;
  readonly zkeyPath: string;
  readonly zkeySha256: string;
  readonly verificationKey: VerificationKey;
}

/**
 * The proving key of `circuit`: a ceremony's final zkey when `zkeyPath` is
 * given (checked against the circuit's shape, its verification key read from
 * it; the circuit is only compiled, for its wasm), otherwise the development
 * key of the cached build (`npx hardhat circuits`). A zkey that does not fit
 * throws ZkeyError.
 */
export async function loadProvingKey(circuit: CircuitConfig, zkeyPath?: string): Promise<ProvingKey> {
  if (zkeyPath === undefined) return ensureCircuit(circuit.name);
  const compiled = await ensureCompiled(circuit.name);
  await assertZkeyFitsCircuit(zkeyPath, compiled.r1cs, circuit.name);
  const verificationKey = await verificationKeyOf(zkeyPath);
  return { wasmPath: compiled.wasmPath, zkeyPath, verificationKey, zkeySha256: await sha256File(zkeyPath) };
}
