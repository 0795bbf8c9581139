// Prover baseline: constraints, witness time, proof time and peak memory per
// batch size at the test tree depth, core-seconds per million constraints, and
// throughput with one and with two proofs at once.
//
//   npm run bench:prover            (writes bench/results/prover.json)
//
// Every measurement runs in a fresh child process with fresh prover processes;
// CPU time and peak memory are the prover processes' own (they report them with
// each proof). Not a test: nothing here asserts a speed.
import { fork } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

import { ensureCircuit, getCircuitConfig, TEST_CIRCUIT } from "../off-chain/circuits/index.js";
import { BatchProver } from "../off-chain/prover/index.js";
import { describeMachine } from "./machine.js";
import { l2Fixture, PROVER, transferChoices, validTransfers } from "../test/helpers/l2.js";
import fc from "fast-check";

const CONFIGS = ["b1d4", "b2d4", "b4d4"];
const REPEATS = 3;
const RESULTS = fileURLToPath(new URL("./results/prover.json", import.meta.url));

interface ChildRequest {
  readonly circuit: string;
  /** Proofs started at once. */
  readonly concurrent: number;
  readonly rounds: number;
}

interface ChildResult {
  readonly witnessSeconds: number[];
  readonly proveSeconds: number[];
  /** Wall time of each round of `concurrent` proofs. */
  readonly roundSeconds: number[];
  /** CPU time of the prover process (all its threads) per proof. */
  readonly cpuSecondsPerProof: number[];
  /** The largest peak RSS any prover process reported. */
  readonly peakRssMB: number;
  readonly constraints: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** Runs in the child: proves `rounds` times `concurrent` full batches. */
async function measure(request: ChildRequest): Promise<ChildResult> {
  const artifacts = await ensureCircuit(request.circuit);
  const { batchSize, treeDepth } = artifacts.config;
  const fixture = await l2Fixture(
    treeDepth,
    Array.from({ length: 2 ** treeDepth }, () => 1_000_000n),
  );
  const prover = await BatchProver.create({
    circuit: {
      batchSize,
      wasmPath: artifacts.wasmPath,
      zkeyPath: artifacts.zkeyPath,
      verificationKey: artifacts.verificationKey,
    },
    chainId: fixture.chainId,
    threads: request.concurrent,
  });
  const result: ChildResult = {
    witnessSeconds: [],
    proveSeconds: [],
    roundSeconds: [],
    cpuSecondsPerProof: [],
    peakRssMB: 0,
    constraints: artifacts.constraints,
  };
  let peak = 0;
  try {
    // Full batches of random valid transfers (a fixed seed: the same batches every run), signed before timing.
    const batches = fc
      .sample(
        transferChoices(2 ** treeDepth, batchSize).filter((choices) => choices.length === batchSize),
        { numRuns: request.rounds * request.concurrent + 1, seed: 7 },
      )
      .map((choices) => fixture.genesis.seal(validTransfers(fixture, fixture.genesis, choices), fixture.chainId));
    // One warm-up proof: the first one also loads the wasm and the zkey.
    await prover.prove(batchAt(batches, 0), fixture.genesis, PROVER);
    for (let r = 0; r < request.rounds; r++) {
      const started = performance.now();
      const proofs = await Promise.all(
        Array.from({ length: request.concurrent }, (_, i) =>
          prover.prove(batchAt(batches, 1 + r * request.concurrent + i), fixture.genesis, PROVER),
        ),
      );
      result.roundSeconds.push((performance.now() - started) / 1000);
      for (const proof of proofs) {
        result.witnessSeconds.push(proof.timings.witnessSeconds);
        result.proveSeconds.push(proof.timings.proveSeconds);
        result.cpuSecondsPerProof.push(proof.timings.cpuSeconds);
        peak = Math.max(peak, proof.timings.peakRssMB);
      }
    }
  } finally {
    await prover.close();
  }
  return { ...result, peakRssMB: peak };
}

function inChild(request: ChildRequest): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ["--child", JSON.stringify(request)], { stdio: "inherit" });
    let result: ChildResult | undefined;
    child.on("message", (message) => {
      result = message as ChildResult;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`benchmark child for ${JSON.stringify(request)} exited with code ${code}`));
    });
  });
}

async function main(): Promise<void> {
  for (const name of CONFIGS)
    await ensureCircuit(name, {
      log: (line) => {
        console.log(`[circuits] ${line}`);
      },
    });

  const rows = [];
  for (const name of CONFIGS) {
    const { batchSize, treeDepth } = getCircuitConfig(name);
    console.log(`measuring ${name} ...`);
    const measured = await inChild({ circuit: name, concurrent: 1, rounds: REPEATS });
    const proveSeconds = median(measured.proveSeconds);
    rows.push({
      circuit: name,
      batchSize,
      treeDepth,
      constraints: measured.constraints,
      witnessSeconds: round3(median(measured.witnessSeconds)),
      proveSeconds: round3(proveSeconds),
      peakRssMB: measured.peakRssMB,
      cpuSecondsPerProof: round3(median(measured.cpuSecondsPerProof)),
      coreSecondsPerMillionConstraints: round3((median(measured.cpuSecondsPerProof) / measured.constraints) * 1e6),
    });
  }

  // Throughput on the test circuit: one proof at a time (using every core) against two at once (one thread each).
  const throughput = [];
  for (const concurrent of [1, 2]) {
    console.log(`measuring ${TEST_CIRCUIT} with ${concurrent} proof(s) at once ...`);
    const measured = await inChild({ circuit: TEST_CIRCUIT, concurrent, rounds: REPEATS });
    const roundSeconds = median(measured.roundSeconds);
    throughput.push({
      circuit: TEST_CIRCUIT,
      concurrentProofs: concurrent,
      secondsPerProofLatency: round3(
        median(measured.proveSeconds.map((s, i) => s + (measured.witnessSeconds[i] ?? 0))),
      ),
      roundSeconds: round3(roundSeconds),
      proofsPerMinute: round3((60 * concurrent) / roundSeconds),
      peakRssMB: measured.peakRssMB,
    });
  }

  const report = {
    command: "npm run bench:prover",
    date: new Date().toISOString(),
    machine: describeMachine(),
    prover: "snarkjs 0.7.6 Groth16 (WebAssembly), witness by circom2 wasm",
    repeats: REPEATS,
    rows,
    throughput,
  };
  await writeFile(RESULTS, JSON.stringify(report, null, 2) + "\n");
  console.table(rows);
  console.table(throughput);
  console.log(`wrote ${RESULTS}`);
}

if (process.argv[2] === "--child") {
  const request = JSON.parse(process.argv[3] ?? "{}") as ChildRequest;
  measure(request).then(
    (result) => {
      process.send?.(result);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

function batchAt<T>(batches: readonly T[], index: number): T {
  const batch = batches[index];
  if (batch === undefined) throw new RangeError(`no batch ${index} of ${batches.length} was planned`);
  return batch;
}
