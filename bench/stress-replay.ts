// The published stress test, replayed: Polygon zkEVM's stress test proved 566
// batch proofs on 10 prover machines of 64 cores in 7 h 38 min 40 s. Here 566
// batch proofs, arranged as sequences, all queued at the start (a backlog), go
// through the real ProofScheduler and ProverHub to real ProverClients over
// real gRPC on loopback, with 1, 10, 50 and 100 provers of one slot each. Only
// the proving is simulated: a prover sleeps the proof's simulated duration
// (drawn from the distribution measured in bench/results/prover.json, scaled to
// the published machines' proof time) and returns a fixed Groth16-shaped
// proof; the hub's verification accepts it (verification is outside the
// simulation). The batch proofs of each sequence are then assembled with the
// real toSequenceProof, which checks that every reply came back to its job.
//
//   npm run bench:stress            (writes bench/results/stress-replay.json)
//
// One simulated second lasts MS_PER_SIMULATED_SECOND real milliseconds, so
// x real milliseconds of gRPC, scheduling and timer overhead appear as
// x / MS_PER_SIMULATED_SECOND simulated seconds: the bench reports them apart
// (overheadSeconds, handoffRealMs) beside a zero-overhead replay of the same
// order (zeroOverheadGreedySeconds).
// Not a test: nothing here asserts a speed.
import { readFile, writeFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import { pino } from "pino";

import type { ProofBackend, ProveJob, ProveReply } from "../off-chain/prover/backend.js";
import { ProverHub } from "../off-chain/prover/remote/hub.js";
import { ProofScheduler } from "../off-chain/prover/scheduler.js";
import { toSequenceProof } from "../off-chain/prover/sequence-proof.js";
import type { BatchProof, Groth16Proof } from "../off-chain/prover/types.js";
import { proverClients } from "./harness.js";
import { describeMachine } from "./machine.js";

const RESULTS = fileURLToPath(new URL("./results/stress-replay.json", import.meta.url));
const PROVER_RESULTS = fileURLToPath(new URL("./results/prover.json", import.meta.url));

/** The published stress test: 566 batch proofs, 10 machines of 64 cores, 7 h 38 min 40 s. */
const PUBLISHED = { batchProofs: 566, provers: 10, coresPerProver: 64, makespanSeconds: 7 * 3600 + 38 * 60 + 40 };
/** The published machines' mean time per batch proof if each proved one batch at a time without idling. */
const MEAN_PROOF_SECONDS = (PUBLISHED.makespanSeconds * PUBLISHED.provers) / PUBLISHED.batchProofs;
/** Batches per sequence (the last sequence takes the remainder); priority = sequence number. */
const BATCHES_PER_SEQUENCE = 4;
const PROVER_COUNTS = [1, 10, 50, 100] as const;
/** Real milliseconds per simulated second. */
const MS_PER_SIMULATED_SECOND = 0.5;
const SEED = 0x5eed_0566;
/** The circuit measured in bench/results/prover.json whose spread gives the distribution's shape. */
const SHAPE_CIRCUIT = "b2d4";

const CIRCUIT = { name: "stress-replay", zkeySha256: "5".repeat(64) };
const SECRET = "stress-replay-secret-0123456789";
const QUIET = pino({ level: "silent" });

/** Any well-formed Groth16 proof (the hub only checks its shape; verify accepts it). */
const FIXED_PROOF: Groth16Proof = {
  pi_a: ["1", "2", "1"],
  pi_b: [
    ["1", "2"],
    ["3", "4"],
    ["1", "0"],
  ],
  pi_c: ["1", "2", "1"],
  protocol: "groth16",
  curve: "bn128",
};

interface ProverReport {
  readonly date: string;
  readonly rows: readonly {
    readonly circuit: string;
    readonly witnessSeconds: number;
    readonly proveSeconds: number;
  }[];
  readonly throughput: readonly {
    readonly circuit: string;
    readonly concurrentProofs: number;
    readonly secondsPerProofLatency: number;
  }[];
}

interface Batch {
  readonly index: number;
  readonly sequence: number;
  readonly simulatedSeconds: number;
}

/** One simulated proof as the prover machine ran it, in real milliseconds (performance.now()). */
interface Span {
  readonly prover: string;
  readonly start: number;
  readonly end: number;
  readonly requestedMs: number;
}

interface Row {
  readonly provers: number;
  readonly makespanSeconds: number;
  readonly makespan: string;
  readonly idealSeconds: number;
  readonly ideal: string;
  readonly idealOverMakespan: number;
  /** The same jobs in the same order, each to the first prover free, with no overhead at all. */
  readonly zeroOverheadGreedySeconds: number;
  /** makespan - zeroOverheadGreedy: gRPC, scheduling and timer overhead, in simulated seconds. */
  readonly overheadSeconds: number;
  readonly overheadRealMs: number;
  /** Real ms between a prover finishing a proof and starting its next one (result, verify, dispatch, assign). */
  readonly handoffRealMs: { readonly mean: number; readonly max: number };
  /** Real ms the sleeps overran their requested duration (timer lateness, a simulation artefact). */
  readonly timerLatenessRealMs: { readonly mean: number; readonly max: number };
  readonly realSeconds: number;
  readonly published?: { readonly makespanSeconds: number; readonly makespan: string };
}

const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits;

function hms(seconds: number): string {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h} h ${m} min ${s} s`;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A log-normal sampler with this mean and coefficient of variation. */
function logNormal(random: () => number, mean: number, cv: number): () => number {
  const sigma2 = Math.log(1 + cv * cv);
  const sigma = Math.sqrt(sigma2);
  const mu = Math.log(mean) - sigma2 / 2;
  return () => {
    // Box-Muller; 1 - u keeps the logarithm finite.
    const u = 1 - random();
    const v = random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.exp(mu + sigma * z);
  };
}

/**
 * The measured spread: two measurements of one b2d4 proof on this machine,
 * serially (witness + prove) and in the throughput run with one proof at a
 * time (latency). Their sample standard deviation over their mean is the
 * coefficient of variation used.
 */
async function measuredShape(): Promise<{
  readonly source: string;
  readonly samplesSeconds: readonly number[];
  readonly meanSeconds: number;
  readonly cv: number;
}> {
  const report = JSON.parse(await readFile(PROVER_RESULTS, "utf8")) as ProverReport;
  const row = report.rows.find((r) => r.circuit === SHAPE_CIRCUIT);
  const latency = report.throughput.find((t) => t.circuit === SHAPE_CIRCUIT && t.concurrentProofs === 1);
  if (row === undefined || latency === undefined) {
    throw new Error(
      `bench/results/prover.json has no ${SHAPE_CIRCUIT} row or throughput at 1 proof: run npm run bench:prover`,
    );
  }
  const samples = [row.witnessSeconds + row.proveSeconds, latency.secondsPerProofLatency];
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const variance = samples.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (samples.length - 1);
  return {
    source: `bench/results/prover.json (${report.date}), ${SHAPE_CIRCUIT}: witnessSeconds + proveSeconds (serial) and throughput secondsPerProofLatency at 1 proof at a time`,
    samplesSeconds: samples.map((s) => round(s)),
    meanSeconds: round(mean),
    cv: Math.sqrt(variance) / mean,
  };
}

/** A prover machine's backend with one slot: sleeps the job's simulated duration. */
function simulatedBackend(prover: string, spans: Span[]): ProofBackend {
  let busy = 0;
  return {
    name: `simulated ${prover}`,
    free: () => 1 - busy,
    slots: () => 1,
    prove: (job: ProveJob, signal?: AbortSignal): Promise<ProveReply> => {
      const simulatedSeconds = Number(job.input.simulatedSeconds);
      const publicSignals = job.input.publicSignals as string[];
      const requestedMs = simulatedSeconds * MS_PER_SIMULATED_SECOND;
      busy += 1;
      const start = performance.now();
      return new Promise<ProveReply>((resolve, reject) => {
        const onAbort = () => {
          clearTimeout(timer);
          busy -= 1;
          reject(new Error("stopped"));
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          busy -= 1;
          spans.push({ prover, start, end: performance.now(), requestedMs });
          resolve({
            proof: FIXED_PROOF,
            publicSignals,
            timings: { witnessSeconds: 0, proveSeconds: simulatedSeconds, cpuSeconds: 0, peakRssMB: 0 },
            prover,
          });
        }, requestedMs);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
    close: () => Promise.resolve(),
  };
}

/** Same order as the scheduler (priority, then arrival), each job to the first prover free; no overhead. */
function greedyMakespan(batches: readonly Batch[], provers: number): number {
  const free = Array.from({ length: provers }, () => 0);
  for (const batch of batches) {
    let at = 0;
    for (let i = 1; i < free.length; i += 1) if ((free[i] ?? 0) < (free[at] ?? 0)) at = i;
    free[at] = (free[at] ?? 0) + batch.simulatedSeconds;
  }
  return Math.max(...free);
}

const stats = (values: readonly number[]): { mean: number; max: number } => ({
  mean: values.length === 0 ? 0 : round(values.reduce((a, b) => a + b, 0) / values.length),
  max: values.length === 0 ? 0 : round(Math.max(...values)),
});

async function replay(batches: readonly Batch[], provers: number): Promise<Row> {
  const hub = await ProverHub.start({
    listen: "127.0.0.1:0",
    secret: SECRET,
    circuits: [CIRCUIT],
    verify: () => Promise.resolve(true),
    log: QUIET,
    heartbeatIntervalMs: 1_000,
    taskDeadlineMs: 10 * 60_000,
  });
  const scheduler = new ProofScheduler([hub]);
  const spans: Span[] = [];
  const clients = proverClients({
    port: hub.port,
    secret: SECRET,
    count: provers,
    circuit: CIRCUIT,
    backend: (proverId) => simulatedBackend(proverId, spans),
    log: QUIET,
  });
  try {
    const connectBy = Date.now() + 30_000;
    while (hub.slots() < provers) {
      if (Date.now() > connectBy) throw new Error(`only ${hub.slots()} of ${provers} provers connected`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const started = performance.now();
    const replies = await Promise.all(
      batches.map((batch) =>
        scheduler.prove({
          zkeySha256: CIRCUIT.zkeySha256,
          input: {
            simulatedSeconds: batch.simulatedSeconds,
            // PUBLIC_SIGNALS's order: oldStateRoot, newStateRoot, batchHash, dataPoint, dataEvaluation, prover.
            publicSignals: [String(batch.index), String(batch.index + 1), String(batch.index), "0", "0", "1"],
          },
          priority: BigInt(batch.sequence),
          label: `sequence ${batch.sequence} batch ${batch.index}`,
        }),
      ),
    );
    const realMs = performance.now() - started;

    // The aggregator's last step: each sequence's batch proofs, in order, chained.
    const bySequence = new Map<number, BatchProof[]>();
    batches.forEach((batch, i) => {
      const reply = replies[i];
      if (reply === undefined) throw new Error(`no reply for batch ${batch.index}`);
      const list = bySequence.get(batch.sequence) ?? [];
      list.push({ proof: reply.proof, publicSignals: reply.publicSignals });
      bySequence.set(batch.sequence, list);
    });
    for (const proofs of bySequence.values()) toSequenceProof(proofs);

    const makespan = realMs / MS_PER_SIMULATED_SECOND;
    const total = batches.reduce((sum, b) => sum + b.simulatedSeconds, 0);
    const longest = Math.max(...batches.map((b) => b.simulatedSeconds));
    const ideal = Math.max(total / provers, longest);
    const greedy = greedyMakespan(batches, provers);
    const handoffs: number[] = [];
    const byProver = new Map<string, Span[]>();
    for (const span of spans) byProver.set(span.prover, [...(byProver.get(span.prover) ?? []), span]);
    for (const list of byProver.values()) {
      list.sort((a, b) => a.start - b.start);
      for (let i = 1; i < list.length; i += 1) {
        const previous = list[i - 1];
        const next = list[i];
        if (previous !== undefined && next !== undefined) handoffs.push(next.start - previous.end);
      }
    }
    return {
      provers,
      makespanSeconds: Math.round(makespan),
      makespan: hms(makespan),
      idealSeconds: Math.round(ideal),
      ideal: hms(ideal),
      idealOverMakespan: round(ideal / makespan),
      zeroOverheadGreedySeconds: Math.round(greedy),
      overheadSeconds: Math.round(makespan - greedy),
      overheadRealMs: round((makespan - greedy) * MS_PER_SIMULATED_SECOND, 1),
      handoffRealMs: stats(handoffs),
      timerLatenessRealMs: stats(spans.map((s) => s.end - s.start - s.requestedMs)),
      realSeconds: round(realMs / 1000, 2),
      ...(provers === PUBLISHED.provers
        ? { published: { makespanSeconds: PUBLISHED.makespanSeconds, makespan: hms(PUBLISHED.makespanSeconds) } }
        : {}),
    };
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
    await scheduler.close();
  }
}

const shape = await measuredShape();
const random = prng(SEED);
const draw = logNormal(random, MEAN_PROOF_SECONDS, shape.cv);
const batches: Batch[] = Array.from({ length: PUBLISHED.batchProofs }, (_, index) => ({
  index,
  sequence: Math.floor(index / BATCHES_PER_SEQUENCE),
  simulatedSeconds: draw(),
}));
const durations = batches.map((b) => b.simulatedSeconds);
const drawnTotal = durations.reduce((a, b) => a + b, 0);

const rows: Row[] = [];
for (const provers of PROVER_COUNTS) {
  const row = await replay(batches, provers);
  rows.push(row);
  console.log(
    `${String(provers).padStart(3)} provers: makespan ${row.makespan.padEnd(17)} ideal ${row.ideal.padEnd(17)} ` +
      `ideal/makespan ${row.idealOverMakespan.toFixed(3)}  overhead ${row.overheadSeconds} s simulated ` +
      `(${row.overheadRealMs} ms real)` +
      (row.published === undefined ? "" : `  published ${row.published.makespan}`),
  );
}

const report = {
  command: "npm run bench:stress",
  date: new Date().toISOString(),
  machine: describeMachine(),
  published: {
    source: "Polygon zkEVM stress test",
    batchProofs: PUBLISHED.batchProofs,
    provers: PUBLISHED.provers,
    coresPerProver: PUBLISHED.coresPerProver,
    makespanSeconds: PUBLISHED.makespanSeconds,
    makespan: hms(PUBLISHED.makespanSeconds),
  },
  assumptions: {
    meanProofSeconds64Cores: round(MEAN_PROOF_SECONDS),
    meanProofSecondsDerivation:
      "27,520 s x 10 provers / 566 proofs: an upper bound on the published machines' mean time per batch proof, " +
      "taken as the mean, assuming each machine proved one batch at a time and never idled",
    distribution: "log-normal",
    shape: {
      ...shape,
      cv: round(shape.cv, 4),
      note: "only the spread (coefficient of variation) is taken from this machine; the mean is scaled to meanProofSeconds64Cores",
    },
    scaleFactor: round(MEAN_PROOF_SECONDS / shape.meanSeconds, 2),
    batchesPerSequence: BATCHES_PER_SEQUENCE,
    sequences: new Set(batches.map((b) => b.sequence)).size,
    priority: "sequence number (lower first); all 566 batch proofs queued at the start",
    slotsPerProver: 1,
    seed: SEED,
    drawn: {
      meanSeconds: round(drawnTotal / durations.length),
      minSeconds: round(Math.min(...durations)),
      maxSeconds: round(Math.max(...durations)),
      totalSeconds: round(drawnTotal),
    },
    simulated:
      "only the proving: provers sleep the drawn duration; the hub's verify accepts every proof (verification is not simulated)",
    real: "ProofScheduler, ProverHub (gRPC server), ProverClient (gRPC client) on loopback in one process, toSequenceProof",
    ideal: "max(total simulated proof time / provers, longest single proof)",
  },
  scale: {
    msPerSimulatedSecond: MS_PER_SIMULATED_SECOND,
    simulatedSecondsPerRealMs: round(1 / MS_PER_SIMULATED_SECOND),
    note: "real-time overhead (gRPC, scheduling, timers) appears in simulated time multiplied by simulatedSecondsPerRealMs",
  },
  rows,
};
await writeFile(RESULTS, JSON.stringify(report, null, 2) + "\n");
console.log(`wrote ${RESULTS}`);
