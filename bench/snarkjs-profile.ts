// Where snarkjs's Groth16 time goes on the project's circuits: the proof of
// one full batch split into its phases (snarkjs's own debug log marks them),
// on one thread and on all cores, and whether passing the zkey from memory
// instead of its file saves anything once the process is warm.
//
//   npm run bench:snarkjs-profile     (writes bench/results/snarkjs-profile.json)
//
// Not a test: nothing here asserts a speed.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

import * as snarkjs from "snarkjs";

import { ensureCircuit } from "../off-chain/circuits/index.js";
import { buildBatchWitness, loadL2Crypto } from "../off-chain/l2/index.js";
import { l2Fixture, PROVER, sign } from "../test/helpers/l2.js";
import { runBench } from "./harness.js";
import { describeMachine } from "./machine.js";

const CONFIGS = ["b1d4", "b2d4", "b4d4"];
const REPEATS = 3;
const RESULTS = fileURLToPath(new URL("./results/snarkjs-profile.json", import.meta.url));
const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** The phase each of snarkjs's debug lines opens (lines that match none continue the phase before). */
const PHASES: readonly [RegExp, string][] = [
  [/^Reading Wtns|^Reading Coeffs/, "read witness and coefficients"],
  [/^Building ABC/, "evaluate A, B, C"],
  [/FFT_[ABC]/, "FFTs (IFFT + coset FFT of A, B, C)"],
  [/^Join ABC/, "join A*B-C"],
  [/^Reading A Points|multiexp A/, "MSM A (G1)"],
  [/^Reading B1 Points|multiexp B1/, "MSM B1 (G1)"],
  [/^Reading B2 Points|multiexp B2/, "MSM B2 (G2)"],
  [/^Reading C Points|multiexp C/, "MSM C (G1)"],
  [/^Reading H Points|multiexp H/, "MSM H (G1)"],
];

interface Marked {
  readonly phase: string;
  readonly at: number;
}

/** One proof, its phases' seconds (from the first mark to the end of the proof). */
async function profile(zkey: string | { type: "mem"; data: Uint8Array }, witness: object, singleThread: boolean) {
  const marks: Marked[] = [];
  const mark = (message: unknown) => {
    const text = String(message);
    const phase = PHASES.find(([pattern]) => pattern.test(text))?.[1];
    if (phase !== undefined && marks.at(-1)?.phase !== phase) marks.push({ phase, at: performance.now() });
  };
  const logger = { debug: mark, info: mark, warn: () => undefined, error: () => undefined };
  const started = performance.now();
  await snarkjs.groth16.prove(zkey, witness as never, logger, { singleThread });
  const ended = performance.now();
  const seconds: Record<string, number> = { "open zkey, before the first phase": (marks[0]?.at ?? ended) - started };
  marks.forEach((m, i) => {
    seconds[m.phase] = (seconds[m.phase] ?? 0) + ((marks[i + 1]?.at ?? ended) - m.at);
  });
  return {
    total: (ended - started) / 1000,
    phases: Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, v / 1000])),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const crypto = await loadL2Crypto();
  const rows = [];
  for (const name of CONFIGS) {
    const artifacts = await ensureCircuit(name);
    const { batchSize, treeDepth } = artifacts.config;
    const fixture = await l2Fixture(
      treeDepth,
      Array.from({ length: 2 ** treeDepth }, () => 1_000_000n),
    );
    const transfers = Array.from({ length: batchSize }, (_, i) =>
      sign(fixture, i % 2, { from: i % 2, to: (i + 1) % 2, amount: 1n, nonce: BigInt(Math.floor(i / 2)) }),
    );
    const { input } = buildBatchWitness(crypto, {
      state: fixture.genesis,
      transfers,
      prover: PROVER,
      chainId: fixture.chainId,
      batchSize,
    });
    const witness = { type: "mem" };
    const witnessStarted = performance.now();
    await snarkjs.wtns.calculate(input, artifacts.wasmPath, witness as never);
    const witnessSeconds = (performance.now() - witnessStarted) / 1000;
    const zkeyBytes = new Uint8Array(await readFile(artifacts.zkeyPath));
    for (const singleThread of [true, false]) {
      // Warm-up: the curve's code and tables, the zkey in the page cache.
      await profile(artifacts.zkeyPath, witness, singleThread);
      const fromFile = [];
      const fromMemory = [];
      for (let r = 0; r < REPEATS; r++) {
        fromFile.push(await profile(artifacts.zkeyPath, witness, singleThread));
        fromMemory.push(await profile({ type: "mem", data: zkeyBytes }, witness, singleThread));
      }
      const phases: Record<string, number> = {};
      for (const phase of Object.keys(fromFile[0]?.phases ?? {})) {
        phases[phase] = round3(median(fromFile.map((p) => p.phases[phase] ?? 0)));
      }
      const total = median(fromFile.map((p) => p.total));
      const row = {
        circuit: name,
        constraints: artifacts.constraints,
        threads: singleThread ? 1 : "all",
        witnessSeconds: round3(witnessSeconds),
        proveSeconds: round3(total),
        proveSecondsZkeyInMemory: round3(median(fromMemory.map((p) => p.total))),
        phases,
        msmShare: round3(
          Object.entries(phases)
            .filter(([phase]) => phase.startsWith("MSM"))
            .reduce((sum, [, seconds]) => sum + seconds, 0) / total,
        ),
      };
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  }
  const report = {
    command: "npm run bench:snarkjs-profile",
    date: new Date().toISOString(),
    machine: describeMachine(),
    prover:
      "snarkjs 0.7.6 groth16.prove in one warm process; phases from its debug log (time from one phase's first line to the next phase's)",
    repeats: REPEATS,
    rows,
  };
  await writeFile(RESULTS, JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${RESULTS}`);
}

runBench(main);
