import type { Curve } from "snarkjs";

/**
 * Ends the worker threads of snarkjs's shared BN254 curve, if it was built.
 * snarkjs builds the curve once per process (setup, export, proving) with one
 * worker thread per core and never ends them, which keeps Node alive after
 * the work is done. Call this when the process has finished with snarkjs (the
 * `circuits` task does, at its end); a later snarkjs call builds a new curve.
 */
export async function releaseSnarkjsWorkers(): Promise<void> {
  // ffjavascript keeps the shared curve in this global (and clears it in terminate()).
  const shared = (globalThis as { curve_bn128?: Curve | null }).curve_bn128;
  if (shared !== undefined && shared !== null) await shared.terminate();
}
