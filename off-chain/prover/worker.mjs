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
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";

import * as snarkjs from "snarkjs";

if (process.send === undefined) {
  throw new Error("off-chain/prover/worker.mjs runs only as a child process of the prover pool");
}
// The parent going away (closed, or crashed without terminating us) closes the
// channel: exit then, since snarkjs's own threads would keep this process alive.
process.on("disconnect", () => process.exit(0));

/** One job: `{ kind: "prove", ... }` or `{ kind: "verify", ... }`; a thrown error fails only that job. */
export default async function run(job) {
  if (job.kind === "prove" && job.proverBinary) return proveWithBinary(job);
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

/** CPU seconds of this process's waited-for children (Linux's /proc; 0 where there is none). */
async function childrenCpuSeconds() {
  try {
    const stat = await readFile("/proc/self/stat", "utf8");
    // Fields after the command's closing parenthesis; cutime and cstime are the 16th and 17th of the whole line.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

/**
 * The witness from the circuit's wasm (snarkjs), the proof from an external
 * prover with rapidsnark's command line: `prover <zkey> <wtns> <proof.json> <public.json>`.
 */
async function proveWithBinary(job) {
  const dir = await mkdtemp(join(tmpdir(), "zkpow-prove-"));
  try {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const wtns = join(dir, "witness.wtns");
    await snarkjs.wtns.calculate(job.input, job.wasmPath, wtns);
    const witnessDone = performance.now();
    const childrenBefore = await childrenCpuSeconds();
    const proofPath = join(dir, "proof.json");
    const publicPath = join(dir, "public.json");
    try {
      await promisify(execFile)(job.proverBinary, [job.zkeyPath, wtns, proofPath, publicPath], {
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      const output = [error.stderr, error.stdout].filter(Boolean).join("\n").trim().slice(-2000);
      throw new Error(
        `the prover binary ${job.proverBinary} failed (${error.code ?? error.signal}): ${output || error.message}`,
        {
          cause: error,
        },
      );
    }
    const proof = JSON.parse(await readFile(proofPath, "utf8"));
    const publicSignals = JSON.parse(await readFile(publicPath, "utf8"));
    const cpu = process.cpuUsage(cpuBefore);
    return {
      proof,
      publicSignals,
      witnessSeconds: (witnessDone - started) / 1000,
      proveSeconds: (performance.now() - witnessDone) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6 + ((await childrenCpuSeconds()) - childrenBefore),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
