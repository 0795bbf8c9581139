// A prover process: computes witnesses and Groth16 proofs with snarkjs, and
// verifies proofs, one job at a time, for the pool in worker-pool.ts
// (tinypool's child_process runtime imports this module and calls its default
// export with each job).
//
// A process, not a worker thread: snarkjs's ffjavascript loads `web-worker`,
// which takes any non-main thread for one of its own workers and fails at load
// ("Cannot destructure property 'mod' of 'threads.workerData'"). In a process
// of its own, snarkjs also keeps its multi-threaded multi-scalar
// multiplication, and a crash or leak cannot take the aggregator down.
// Plain JavaScript, so that it starts without the TypeScript loader.
import { performance } from "node:perf_hooks";

import * as snarkjs from "snarkjs";

if (process.send === undefined) {
  throw new Error("off-chain/prover/worker.mjs runs only as a child process of the prover pool");
}
// The parent going away (closed, or crashed without terminating us) closes the
// channel: exit then, since snarkjs's own threads would keep this process alive.
process.on("disconnect", () => process.exit(0));

/** One job: `{ kind: "prove", ... }` or `{ kind: "verify", ... }`; a thrown error fails only that job. */
export default async function run(job) {
  if (job.kind === "prove") {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const witness = { type: "mem" };
    await snarkjs.wtns.calculate(job.input, job.wasmPath, witness);
    const witnessDone = performance.now();
    const { proof, publicSignals } = await snarkjs.groth16.prove(job.zkeyPath, witness, undefined, {
      singleThread: job.singleThread,
    });
    const cpu = process.cpuUsage(cpuBefore);
    return {
      proof,
      publicSignals,
      witnessSeconds: (witnessDone - started) / 1000,
      proveSeconds: (performance.now() - witnessDone) / 1000,
      // This process's own figures: all its threads' CPU time for this proof, and its peak memory so far.
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  }
  if (job.kind === "verify") {
    return { valid: await snarkjs.groth16.verify(job.verificationKey, job.publicSignals, job.proof) };
  }
  throw new Error(`unknown prover job kind ${String(job.kind)}`);
}
