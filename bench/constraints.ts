// Production circuit sizes: compiles each configuration of PRODUCTION_CONFIGS
// (depth 24) with the project's compile step (circom2 --O2, cached under
// cache/circuits/<name>/), or extrapolates it from a fit on the compiled sizes
// when it is too big to compile here (EXTRAPOLATED_BY_DEFAULT), and writes bench/results/constraints.json: constraints,
// per transfer, per posted byte, the ptau power, compile time and peak memory,
// and an estimate of proving time and memory for two classes of prover.
//
//   npm run bench:constraints                      (writes bench/results/constraints.json)
//   npm run bench:constraints -- --only b1d24,b8d24  (compile only these; others keep their last figures)
//   npm run bench:constraints -- --compile-all     (also try the configurations extrapolated by default)
//   npm run bench:constraints -- --recompile       (drop the compile cache first, to measure time and memory again)
//
// Each compile runs in a child process under /usr/bin/time (GNU time), so its
// time and peak memory (the largest of the child and circom2) are the
// compile's own; without /usr/bin/time only the wall time is recorded.
// A cached compile is not measured again: its time and memory are kept from
// the previous results file when the r1cs is the same. Not a test: nothing
// here asserts a speed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import type { R1csHeader } from "../off-chain/circuits/binfile.js";
import { compileCircuit } from "../off-chain/circuits/compile.js";
import {
  CIRCUIT_CONFIGS,
  PRODUCTION_CONFIGS,
  PUBLIC_SIGNALS,
  type CircuitConfig,
} from "../off-chain/circuits/configurations.js";
import { withLock } from "../off-chain/circuits/lock.js";
import { makeReporter } from "../off-chain/circuits/log.js";
import { packageVersion } from "../off-chain/circuits/packages.js";
import { REPO_ROOT, circuitCacheDir } from "../off-chain/circuits/paths.js";
import { requiredPtauPower } from "../off-chain/circuits/ptau.js";
import { batchBytes, transferBytes } from "../off-chain/l2/constants.js";
import { describeMachine } from "./machine.js";

const RESULTS = fileURLToPath(new URL("./results/constraints.json", import.meta.url));
const PROVER_RESULTS = fileURLToPath(new URL("./results/prover.json", import.meta.url));
const TIME_BIN = "/usr/bin/time";

/**
 * Not compiled unless --compile-all. circom2 is WebAssembly (one thread, at
 * most 4 GiB of memory): b32d24 (1.0M constraints) took about 10 minutes and a
 * 3.6 GB peak here, and the peak grows about 3.3 MB per thousand constraints,
 * so b128d24 (4.0M) would need some 13 GB. Tried with --compile-all: circom2
 * ran out of its WebAssembly memory ("memory allocation of 41943048 bytes
 * failed") twice, after 457 s and 621 s, at a 4.15 GB peak; a default run
 * keeps that attempt's record in the results. The count is exactly
 * linear in the batch size but for the data-chunk term (checked below), so
 * b128d24 is extrapolated.
 */
const EXTRAPOLATED_BY_DEFAULT = new Set(["b128d24"]);
/** A compile that runs longer than this is stopped and its configuration extrapolated. */
const DEFAULT_TIMEOUT_MINUTES = 45;
/** The test configurations (depth 4): against depth 24 they split the per-transfer cost into Merkle levels and the rest. */
const DEPTH_4_CONFIGS = ["b1d4", "b2d4", "b4d4"];

/**
 * Measured with a native (rapidsnark-class) Groth16 prover, as noted in the
 * project's issues: 44 to 48 core-seconds per million constraints. No native
 * prover is on the npm registry, so it is not measured here.
 */
const RAPIDSNARK_CORE_SECONDS_PER_MILLION: readonly [number, number] = [44, 48];

/** Bytes one transfer posts: from and to in whole bytes, amount (8), R8 (32); a batch adds its aggregate S (32). */
export function bytesPerTransfer(depth: number): number {
  return transferBytes(depth);
}

interface ChildOutput {
  r1cs: R1csHeader;
  r1csSha256: string;
  cached: boolean;
}

interface CompileMeasurement {
  status: "compiled" | "cached" | "failed" | "timed out" | "not attempted";
  /** Wall seconds of the compile (child process start to exit). */
  seconds?: number;
  /** User + system CPU seconds of the child and circom2. */
  cpuSeconds?: number;
  /** The largest resident set of the child and circom2, in MB. */
  peakRssMB?: number;
  /** 1-minute load average before and after: the machine is shared, and a busy one stretches wall time. */
  loadAverage?: [number, number];
  measuredAt?: string;
  reason?: string;
}

interface Row {
  circuit: string;
  batchSize: number;
  treeDepth: number;
  constraints: number;
  constraintsSource: "compiled" | "extrapolated";
  r1cs?: R1csHeader;
  r1csSha256?: string;
  constraintsPerTransfer: number;
  ptauPower: number;
  bytesPerTransfer: number;
  bytesPerBatch: number;
  constraintsPerPostedByte: number;
  compile: CompileMeasurement;
  estimatedProving?: unknown;
}

interface PreviousReport {
  rows?: Row[];
}

const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits;

function findConfig(name: string): CircuitConfig {
  const found = [...PRODUCTION_CONFIGS, ...CIRCUIT_CONFIGS].find((c) => c.name === name);
  if (found === undefined) throw new Error(`unknown configuration ${name}`);
  return found;
}

/** Runs in the child: the project's cached compile, under the same lock as `npx hardhat circuits`. */
async function child(name: string): Promise<void> {
  const config = findConfig(name);
  const reporter = makeReporter(name, (line) => process.stderr.write(`[circuits] ${line}\n`));
  const compiled = await withLock(path.join(circuitCacheDir(name), ".lock"), `building ${name}`, reporter, () =>
    compileCircuit(config, reporter),
  );
  const output: ChildOutput = { r1cs: compiled.r1cs, r1csSha256: compiled.r1csSha256, cached: compiled.cached };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

/** Compiles one configuration in a child process under /usr/bin/time; never throws for a failed compile. */
async function compileMeasured(
  name: string,
  timeoutMinutes: number,
): Promise<{ output?: ChildOutput; measurement: CompileMeasurement }> {
  const tmp = await mkdtemp(path.join(tmpdir(), "zkpow-constraints-"));
  const timeFile = path.join(tmp, "time.txt");
  const load0 = loadavg()[0] ?? 0;
  const started = performance.now();
  const childArgs = [...process.execArgv, fileURLToPath(import.meta.url), "--child", name];
  // %e wall, %M peak RSS (KB, the largest of the process tree it waited for), %U %S CPU.
  // Its own process group, so that a timeout can stop time, the child and circom2 at once.
  const timed = existsSync(TIME_BIN);
  const command = timed ? TIME_BIN : process.execPath;
  const commandArgs = timed ? ["-f", "%e %M %U %S", "-o", timeFile, process.execPath, ...childArgs] : childArgs;
  const proc = spawn(command, commandArgs, {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  proc.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  proc.stderr.setEncoding("utf8").on("data", (text: string) => {
    if (stderr.length < 200_000) stderr += text;
    process.stderr.write(text);
  });
  const state = { timedOut: false };
  const timer = setTimeout(() => {
    state.timedOut = true;
    // The whole process group: time, the child and circom2.
    if (proc.pid !== undefined) process.kill(-proc.pid, "SIGKILL");
  }, timeoutMinutes * 60_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    proc.on("error", reject);
    proc.on("close", (exitCode) => {
      resolve(exitCode);
    });
  });
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  const measurement: CompileMeasurement = {
    status: "compiled",
    seconds: round(seconds, 1),
    loadAverage: [round(load0, 2), round(loadavg()[0] ?? 0, 2)],
    measuredAt: new Date().toISOString(),
  };
  const timeLine = (await readFile(timeFile, "utf8").catch(() => ""))
    .trim()
    .split("\n")
    .find((line) => /^[\d.]+ \d+ [\d.]+ [\d.]+$/.test(line));
  await rm(tmp, { recursive: true, force: true });
  if (timeLine !== undefined) {
    const [wall, maxKB, user, sys] = timeLine.split(" ").map(Number);
    measurement.seconds = wall;
    measurement.peakRssMB = Math.round((maxKB ?? 0) / 1024);
    measurement.cpuSeconds = round((user ?? 0) + (sys ?? 0), 1);
  }
  if (state.timedOut)
    return { measurement: { ...measurement, status: "timed out", reason: `over ${timeoutMinutes} min` } };
  const line = stdout.trim().split("\n").pop() ?? "";
  if (code !== 0 || !line.startsWith("{")) {
    return {
      measurement: { ...measurement, status: "failed", reason: `exit ${String(code)}: ${failureReason(stderr)}` },
    };
  }
  const output = JSON.parse(line) as ChildOutput;
  if (output.cached) return { output, measurement: { status: "cached" } };
  return { output, measurement };
}

/** A failed or timed-out compile attempt from the previous results: kept, it is why the row is extrapolated. */
function lastFailure(row: Row | undefined): CompileMeasurement | undefined {
  const status = row?.compile.status;
  return status === "failed" || status === "timed out" ? row?.compile : undefined;
}

/** What a failed compile said, for the results file: circom2's own messages, not the stack frames. */
function failureReason(text: string): string {
  const lines = text
    .split("\n")
    .map((line) => line.replace(/^\[circuits\] [^:]+: (circom2: )?/, "").trim())
    .filter((line) => line !== "" && !line.startsWith("at ") && !line.startsWith("compiling "));
  const telling = lines.filter((line) => /memory|allocation|error|failed|killed/i.test(line));
  return [...new Set(telling.length > 0 ? telling : lines)].slice(0, 3).join(" | ").slice(0, 600);
}

/** The 31-byte chunks the data commitment hashes (BatchData in circuits/lib/batch-data.circom). */
function dataChunks(config: CircuitConfig): number {
  return Math.ceil((8 * batchBytes(config.batchSize, config.treeDepth)) / 248);
}

/** Least squares: the coefficients x minimising |A x - y|, by the normal equations (a handful of small terms). */
function leastSquares(rows: readonly (readonly [readonly number[], number])[]): number[] {
  const n = rows[0]?.[0].length ?? 0;
  // The augmented normal equations [A^T A | A^T y], solved by Gauss-Jordan with partial pivoting.
  const m = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n + 1 }, (_, j) =>
      rows.reduce((sum, [terms, y]) => sum + (terms[i] ?? 0) * (j === n ? y : (terms[j] ?? 0)), 0),
    ),
  );
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    [m[col], m[pivot]] = [m[pivot] ?? [], m[col] ?? []];
    const row = m[col] ?? [];
    const lead = row[col] ?? Number.NaN;
    for (let j = col; j <= n; j++) row[j] = (row[j] ?? 0) / lead;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const other = m[r] ?? [];
      const factor = other[col] ?? 0;
      for (let j = col; j <= n; j++) other[j] = (other[j] ?? 0) - factor * (row[j] ?? 0);
    }
  }
  return m.map((row) => row[n] ?? Number.NaN);
}

/** Least squares y = a + b x. */
function linearFit(points: readonly (readonly [number, number])[]): { a: number; b: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const b = sxy / sxx;
  return { a: my - b * mx, b };
}

function ptauPowerFor(constraints: number): number {
  // Only nConstraints, nPubInputs and nOutputs enter snarkjs's rule.
  return requiredPtauPower({
    nConstraints: constraints,
    nPubInputs: PUBLIC_SIGNALS.length,
    nOutputs: 0,
    nPrvInputs: 0,
    nWires: 0,
  });
}

interface ProverRow {
  circuit: string;
  constraints: number;
  cpuSecondsPerProof: number;
  peakRssMB: number;
}

/** The snarkjs cost model, fitted on bench/results/prover.json: core-seconds and peak RSS linear in constraints. */
async function snarkjsModel() {
  const report = JSON.parse(await readFile(PROVER_RESULTS, "utf8")) as {
    date: string;
    prover: string;
    rows: ProverRow[];
  };
  const time = linearFit(report.rows.map((r) => [r.constraints, r.cpuSecondsPerProof]));
  const memory = linearFit(report.rows.map((r) => [r.constraints, r.peakRssMB]));
  return {
    source: `bench/results/prover.json (${report.date}): ${report.prover}`,
    fittedOn: report.rows.map((r) => `${r.circuit} (${r.constraints} constraints)`),
    model:
      "coreSeconds = fixedCoreSeconds + coreSecondsPerMillion * constraints / 1e6; " +
      "peakRssMB = fixedRssMB + rssMBPerMillion * constraints / 1e6 (least squares over the measured rows; " +
      "wall seconds on N cores = coreSeconds / N). The rows stop at ~40k constraints: at 1M-4M this is a " +
      "100x extrapolation, an order of magnitude rather than a prediction.",
    fixedCoreSeconds: round(time.a),
    coreSecondsPerMillion: round(time.b * 1e6, 1),
    fixedRssMB: round(memory.a, 1),
    rssMBPerMillion: round(memory.b * 1e6, 1),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => args.includes(name);
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const only = option("--only")?.split(",");
  const timeoutMinutes = Number(option("--timeout-minutes") ?? DEFAULT_TIMEOUT_MINUTES);
  const previous = (JSON.parse(await readFile(RESULTS, "utf8").catch(() => "{}")) as PreviousReport).rows ?? [];
  const previousByName = new Map(previous.map((row) => [row.circuit, row]));

  // 1. Compile (or take from the cache) every configuration this run compiles.
  const compiled = new Map<string, { output?: ChildOutput; measurement: CompileMeasurement }>();
  const toCompile = [...PRODUCTION_CONFIGS.map((c) => c.name), ...DEPTH_4_CONFIGS].filter(
    (name) => flag("--compile-all") || !EXTRAPOLATED_BY_DEFAULT.has(name),
  );
  for (const name of toCompile) {
    const before = previousByName.get(name);
    // The depth-4 test configurations are always in the cache of a working checkout: always read.
    if (only !== undefined && !only.includes(name) && !DEPTH_4_CONFIGS.includes(name)) {
      if (before?.constraintsSource === "compiled" && before.r1cs !== undefined && before.r1csSha256 !== undefined)
        compiled.set(name, {
          output: { r1cs: before.r1cs, r1csSha256: before.r1csSha256, cached: true },
          measurement: before.compile,
        });
      continue;
    }
    if (flag("--recompile") && !DEPTH_4_CONFIGS.includes(name))
      await rm(path.join(circuitCacheDir(name), "compile.json"), { force: true });
    console.log(`compiling ${name} ...`);
    const result = await compileMeasured(name, timeoutMinutes);
    if (result.measurement.status === "cached") {
      // Keep the last real measurement of this very r1cs.
      const same = before?.r1csSha256 === result.output?.r1csSha256 ? before?.compile : undefined;
      result.measurement = same ?? { status: "cached", reason: "cached before any measurement; run with --recompile" };
    }
    compiled.set(name, result);
    const r1cs = result.output?.r1cs;
    console.log(
      `  ${name}: ${r1cs === undefined ? result.measurement.status : `${r1cs.nConstraints} constraints`}` +
        ` (${result.measurement.status}, ${String(result.measurement.seconds ?? "?")} s, ${String(result.measurement.peakRssMB ?? "?")} MB)`,
    );
  }

  // 2. The fits at depth 24, each on every compiled size but the largest and checked against the largest.
  const pointsAt = (configs: readonly CircuitConfig[]) =>
    configs
      .flatMap((c) => {
        const r1cs = compiled.get(c.name)?.output?.r1cs;
        return r1cs === undefined ? [] : [{ ...c, constraints: r1cs.nConstraints }];
      })
      .sort((x, y) => x.batchSize - y.batchSize);
  const points = pointsAt(PRODUCTION_CONFIGS);
  const check = points.at(-1);
  const fitPoints = points.slice(0, -1);
  if (check === undefined || fitPoints.length < 3) throw new Error("the fits need at least four compiled sizes");
  const describeFit = (model: string, terms: (c: CircuitConfig) => number[], coefficients: number[]) => {
    const predict = (c: CircuitConfig) => terms(c).reduce((sum, t, i) => sum + t * (coefficients[i] ?? 0), 0);
    const predicted = Math.round(predict(check));
    return {
      model,
      fittedOn: fitPoints.map((p) => p.name),
      coefficients: coefficients.map((c) => round(c, 2)),
      residuals: Object.fromEntries(fitPoints.map((p) => [p.name, round(p.constraints - predict(p), 2)])),
      check: {
        circuit: check.name,
        compiled: check.constraints,
        predicted,
        error: check.constraints - predicted,
        relativeError: round((check.constraints - predicted) / check.constraints, 6),
      },
      predict: (c: CircuitConfig) => Math.round(predict(c)),
    };
  };
  const linearTerms = (c: CircuitConfig) => [1, c.batchSize];
  const chunkTerms = (c: CircuitConfig) => [1, c.batchSize, dataChunks(c)];
  const linear = describeFit(
    "constraints = a + b * batchSize (least squares); coefficients [a, b]",
    linearTerms,
    leastSquares(fitPoints.map((p) => [linearTerms(p), p.constraints])),
  );
  const chunked = describeFit(
    "constraints = a + b * batchSize + c * chunks, chunks = ceil(8 * (32 + batchSize * bytesPerTransfer) / 248) " +
      "(least squares); coefficients [a, b, c]",
    chunkTerms,
    leastSquares(fitPoints.map((p) => [chunkTerms(p), p.constraints])),
  );
  const fitReport = {
    treeDepth: 24,
    linear: { ...linear, predict: undefined },
    withDataChunks: { ...chunked, predict: undefined },
    usedForExtrapolation: "withDataChunks",
    note:
      "The count is linear in the batch size but for one term: the data commitment hashes the posted bytes in " +
      "31-byte chunks, ceil((32 + batchSize * 46) / 31) of them at depth 24, a Poseidon(2) and two products each, so a " +
      "batch size sits up to one chunk off the straight line. With that term the model is exact on every " +
      "compiled size; the extrapolated figures use it (the plain line's figure is in each extrapolated row too).",
  };

  // 3. Per-transfer breakdown: the same exact model at depth 4 (the test configurations) and at depth 24.
  const depth4 = pointsAt(DEPTH_4_CONFIGS.map(findConfig));
  let breakdown: unknown = null;
  if (depth4.length >= 3) {
    const [a4, b4, c4] = leastSquares(depth4.map((p) => [chunkTerms(p), p.constraints]));
    const [a24, b24, c24] = chunked.coefficients;
    if (b4 !== undefined && b24 !== undefined && c24 !== undefined) {
      const perLevelPerPath = (b24 - b4) / (20 * 4);
      breakdown = {
        method:
          "the exact model (constraints = a + b * batchSize + c * chunks) fitted at depth 4 on " +
          `${depth4.map((p) => p.name).join(", ")} and at depth 24 as above; a Merkle level = (b at depth 24 - b at ` +
          "depth 4) / 20 levels / 4 paths (it also carries the 2 x 16 extra index bits of depth 24).",
        depth4: { a: round(a4 ?? Number.NaN, 2), b: round(b4, 2), c: round(c4 ?? Number.NaN, 2) },
        depth24: { a: round(a24 ?? Number.NaN, 2), b: round(b24, 2), c: round(c24, 2) },
        fixedPerBatch: round(a24 ?? Number.NaN, 1),
        perTransferSlot: round(b24, 1),
        perDataChunk: round(c24, 1),
        dataChunksPerTransfer: round((8 * bytesPerTransfer(24)) / 248, 3),
        perTransferIncludingItsDataShare: round(b24 + (c24 * 8 * bytesPerTransfer(24)) / 248, 1),
        perMerkleLevelPerPath: round(perLevelPerPath, 2),
        merklePathsPerTransfer: { paths: 4, levels: 24, constraints: round(4 * 24 * perLevelPerPath, 1) },
        restPerTransfer: {
          constraints: round(b24 - 4 * 24 * perLevelPerPath, 1),
          covers:
            "signature share (R8 decompression, challenge Poseidon(5), h 8A, 8 (R8 + h 8A)) and its part of the " +
            "batch's aggregate check (weight Poseidon(2) twice, a 128-bit multiplication, an addition), message " +
            "hash Poseidon(5), four account-leaf " +
            "hashes, Num2Bits of the posted fields, range and overflow comparators, the slot's selectors",
        },
      };
    }
  }

  // 4. The rows.
  const snarkjs = await snarkjsModel();
  const rows: Row[] = PRODUCTION_CONFIGS.map((config) => {
    const result = compiled.get(config.name);
    const r1cs = result?.output?.r1cs;
    const constraints = r1cs?.nConstraints ?? chunked.predict(config);
    const perTransferBytes = bytesPerTransfer(config.treeDepth);
    const coreSeconds = snarkjs.fixedCoreSeconds + (snarkjs.coreSecondsPerMillion * constraints) / 1e6;
    const [rapidLow, rapidHigh] = RAPIDSNARK_CORE_SECONDS_PER_MILLION.map(
      (perMillion) => (perMillion * constraints) / 1e6,
    );
    return {
      circuit: config.name,
      batchSize: config.batchSize,
      treeDepth: config.treeDepth,
      constraints,
      constraintsSource: r1cs === undefined ? "extrapolated" : "compiled",
      ...(r1cs === undefined
        ? { constraintsByLinearFit: linear.predict(config) }
        : { r1cs, r1csSha256: result?.output?.r1csSha256 }),
      constraintsPerTransfer: round(constraints / config.batchSize, 1),
      ptauPower: ptauPowerFor(constraints),
      bytesPerTransfer: perTransferBytes,
      bytesPerBatch: batchBytes(config.batchSize, config.treeDepth),
      constraintsPerPostedByte: round(constraints / batchBytes(config.batchSize, config.treeDepth), 1),
      compile: result?.measurement ??
        lastFailure(previousByName.get(config.name)) ?? {
          status: "not attempted",
          reason: EXTRAPOLATED_BY_DEFAULT.has(config.name)
            ? "extrapolated by default (see EXTRAPOLATED_BY_DEFAULT in bench/constraints.ts); --compile-all tries it"
            : "not compiled in this run",
        },
      estimatedProving: {
        snarkjs: {
          coreSeconds: round(coreSeconds, 0),
          wallSecondsOn2Cores: round(coreSeconds / 2, 0),
          peakRssGB: round((snarkjs.fixedRssMB + (snarkjs.rssMBPerMillion * constraints) / 1e6) / 1024, 1),
        },
        rapidsnarkClass: {
          coreSeconds: [round(rapidLow ?? 0, 0), round(rapidHigh ?? 0, 0)],
          wallSecondsOn2Cores: [round((rapidLow ?? 0) / 2, 0), round((rapidHigh ?? 0) / 2, 0)],
          peakRssGB: null,
        },
      },
    };
  });

  const report = {
    command: "npm run bench:constraints",
    date: new Date().toISOString(),
    machine: {
      ...describeMachine(),
      note: "shared machine: other builds and tests ran beside these compiles (see each compile's loadAverage)",
    },
    compiler: `circom2 ${packageVersion("circom2")} (circom compiled to WebAssembly, 4 GiB memory limit) --O2, circomlib ${packageVersion("circomlib")}`,
    publicInputs: PUBLIC_SIGNALS.length,
    columns: {
      constraintsSource:
        "compiled: counted from the r1cs this run compiled or found in the cache; extrapolated: fit.withDataChunks " +
        "(exact on every compiled size); constraintsByLinearFit: the plain line a + b * batchSize",
      ptauPower: "smallest k with 2^k > constraints + public inputs (snarkjs's rule, requiredPtauPower)",
      bytesPerTransfer:
        "2 * ceil(depth / 8) + 40: from, to, amount (8), the signature's R8 (32); bytesPerBatch adds the batch's aggregate S (32)",
      compile:
        "wall and CPU seconds, peak RSS of the compile process tree (/usr/bin/time); cached compiles keep their last measurement",
      estimatedProving:
        "snarkjs: the model in provingModels.snarkjs; rapidsnarkClass: 44-48 core-seconds per 1M constraints; memory not measured for it",
    },
    fit: fitReport,
    perTransferBreakdown: breakdown ?? null,
    provingModels: {
      snarkjs,
      rapidsnarkClass: {
        coreSecondsPerMillion: RAPIDSNARK_CORE_SECONDS_PER_MILLION,
        source: "a native Groth16 prover's measured figure noted in the project's issues; not measured here",
      },
    },
    rows,
  };
  await writeFile(RESULTS, JSON.stringify(report, null, 2) + "\n");
  console.table(
    rows.map((r) => ({
      circuit: r.circuit,
      constraints: r.constraints,
      source: r.constraintsSource,
      compile: r.compile.status,
      perTransfer: r.constraintsPerTransfer,
      perByte: r.constraintsPerPostedByte,
      ptau: r.ptauPower,
      compileS: r.compile.seconds,
      compileMB: r.compile.peakRssMB,
    })),
  );
  for (const fit of [linear, chunked]) {
    console.log(`${fit.model}\n  fitted on ${fit.fittedOn.join(", ")}: ${fit.coefficients.join(", ")}`);
    console.log(`  check ${check.name}: compiled ${check.constraints}, predicted ${fit.check.predicted}`);
  }
  console.log(`wrote ${RESULTS}`);
}

if (process.argv[2] === "--child") {
  child(process.argv[3] ?? "").catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
