import { expect } from "chai";
import * as snarkjs from "snarkjs";

import { ensureCircuit, TEST_CIRCUIT, type CircuitArtifacts } from "../../off-chain/circuits/index.js";
import type { BatchCircuitInput } from "../../off-chain/l2/index.js";

let artifacts: Promise<CircuitArtifacts> | undefined;

/** The test configuration of the batch circuit, built (or taken from the cache) once per run. */
export function testCircuit(): Promise<CircuitArtifacts> {
  artifacts ??= ensureCircuit(TEST_CIRCUIT, {
    log: (line) => {
      console.log(`      [circuits] ${line}`);
    },
  });
  return artifacts;
}

/** Computes the witness; throws what the circuit's failed constraint says. */
export async function calculateWitness(input: BatchCircuitInput): Promise<void> {
  const { wasmPath } = await testCircuit();
  await snarkjs.wtns.calculate(input, wasmPath, { type: "mem" });
}

/**
 * Asserts that no witness satisfies the circuit for this input, and that the
 * failed constraint lies where the case says: `templates` are the innermost
 * frames of circom's error trace, innermost first (e.g. ForceEqualIfEnabled
 * inside EdDSAPoseidonVerifier), so each case is rejected for its own reason.
 */
export async function expectRejected(input: BatchCircuitInput, templates: readonly string[]): Promise<void> {
  let failure: unknown;
  // The witness calculator prints every failed assert to stderr before it throws: expected here, so keep the
  // passing run quiet and show the lines only if the expectation below fails.
  const printed: unknown[][] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    printed.push(args);
  };
  try {
    await calculateWitness(input);
  } catch (error) {
    failure = error;
  } finally {
    console.error = consoleError;
  }
  try {
    expect(failure, "the circuit accepted an input it must reject").to.be.instanceOf(Error);
    const message = (failure as Error).message;
    expect(message).to.contain("Assert Failed");
    const frames = [...message.matchAll(/Error in template (\w+?)_\d+ line/g)].map((match) => match[1]);
    expect(frames.slice(0, templates.length), message).to.deep.equal(templates);
  } catch (assertion) {
    for (const args of printed) consoleError(...args);
    throw assertion;
  }
}
