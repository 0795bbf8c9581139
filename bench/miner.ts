// The miner's makespan, measured with real proofs: M sequences of B batches posted at once to a simulated base
// chain (a block every BLOCK_MS, T1 = T2 = WINDOW_BLOCKS), one miner with K prover threads, from the first posting
// to the last verification. Compared with
// - the lower bound (bench/miner-bound.ts): the proof time the run measured (witness and proof, the mean over its
//   batch proofs) given to K threads in the best order, each sequence verified T1 after its last proof and at
//   least T1 after its predecessor (whose verification starts its T1);
// - the simple bound the benchmark first used: total proof time / K plus one window (T1 and a block), which
//   ignores that a sequence's T1 starts only once its predecessor is verified;
// - the same workload run one sequence at a time (the next sequence is posted when the previous one is verified),
//   and the best speedup the rules allow over it: its own lower bound over the parallel run's.
//   npm run bench:miner          (writes bench/results/miner.json; BENCH_REPEATS=n runs each workload n times,
//                                 3 by default, and keeps the median)
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import type { Miner } from "../off-chain/miner/miner.js";
import { minerConfig, startMiner, startMinerNetwork, waitFor, type MinerNetwork } from "../test/helpers/miner.js";
import { closeProver, planSequences } from "../test/helpers/rollup.js";
import { describeMachine } from "./machine.js";
import { makespanLowerBound } from "./miner-bound.js";

const RESULTS = fileURLToPath(new URL("./results/miner.json", import.meta.url));
const BLOCK_MS = 250;
const WINDOW_BLOCKS = 4;
const WORKLOADS = [
  { sequences: 4, batches: 1, threads: 2 },
  { sequences: 2, batches: 3, threads: 2 },
] as const;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

interface Run {
  readonly makespanSeconds: number;
  readonly proofCpuSeconds: number;
}

/** Posts the workload (all at once, or each after its predecessor's verification) and times it. */
async function run(
  net: MinerNetwork,
  workload: (typeof WORKLOADS)[number],
  oneAtATime: boolean,
  repeat: number,
): Promise<Run> {
  const { fixture } = net;
  const { rollup, sequencer, l2 } = fixture;
  // Valid transfers between the genesis accounts, continuing from what earlier runs posted.
  const accounts = l2.keys.length;
  const plan = planSequences(
    l2,
    Array.from({ length: workload.sequences }, (_, s) =>
      Array.from({ length: workload.batches }, (_, b) => [[(s + b) % accounts, (s + b + 1) % accounts, 1n] as const]),
    ),
  );
  const config = minerConfig([net], {
    dataDir: join(
      net.dir,
      `miner-${workload.sequences}x${workload.batches}-${oneAtATime ? "serial" : "parallel"}-${repeat}`,
    ),
    threads: workload.threads,
    confirmations: 0,
    pollIntervalMs: 100,
  });
  const miner: Miner = await startMiner(config, 3, join(net.dir, "bench-miner.log"));
  try {
    const first = (await rollup.lastBatch()) + 1n;
    const last = first + BigInt(workload.sequences * workload.batches) - 1n;
    const started = performance.now();
    for (const [i, sequence] of plan.entries()) {
      if (oneAtATime && i > 0) {
        const previous = first + BigInt(i * workload.batches) - 1n;
        await waitFor(
          `batch ${previous} verified`,
          async () => (await rollup.lastVerifiedBatch()) >= previous,
          600_000,
          50,
        );
      }
      await rollup.connect(sequencer).sequenceBatches([...sequence.data], [...sequence.batchHashes]);
    }
    await waitFor(`batch ${last} verified`, async () => (await rollup.lastVerifiedBatch()) >= last, 900_000, 50);
    const makespanSeconds = (performance.now() - started) / 1000;
    const histogram = await miner.metrics.proofSeconds.get();
    const proofCpuSeconds = histogram.values
      .filter((v) => v.metricName === "zkpow_miner_proof_seconds_sum" && v.labels.kind === "batch")
      .reduce((sum, v) => sum + v.value, 0);
    return { makespanSeconds, proofCpuSeconds };
  } finally {
    await miner.stop();
  }
}

const rows = [];
for (const workload of WORKLOADS) {
  const net = await startMinerNetwork({ windowBlocks: WINDOW_BLOCKS, intervalMs: BLOCK_MS });
  try {
    // The machine's 2 cores are shared with the simulated chain: each run is repeated and the median kept.
    const parallels: Run[] = [];
    const serials: Run[] = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      parallels.push(await run(net, workload, false, repeat));
      serials.push(await run(net, workload, true, repeat));
    }
    const parallel = median(parallels);
    const serial = median(serials);
    const windowSeconds = ((WINDOW_BLOCKS + 1) * BLOCK_MS) / 1000;
    const simpleBound = Math.max(
      parallel.proofCpuSeconds / workload.threads + windowSeconds,
      workload.sequences * windowSeconds,
    );
    const proofs = workload.sequences * workload.batches;
    const rules = { commitWindowSeconds: (WINDOW_BLOCKS * BLOCK_MS) / 1000 };
    const lowerBound = makespanLowerBound({ ...workload, ...rules, proofSeconds: parallel.proofCpuSeconds / proofs });
    // One at a time: each sequence alone, M times over (its T1 cannot start before its predecessor is verified).
    const serialBound =
      workload.sequences *
      makespanLowerBound({ ...workload, ...rules, sequences: 1, proofSeconds: serial.proofCpuSeconds / proofs });
    rows.push({
      sequences: workload.sequences,
      batches: workload.batches,
      threads: workload.threads,
      makespan_s: round(parallel.makespanSeconds),
      proof_seconds: round(parallel.proofCpuSeconds),
      lower_bound_s: round(lowerBound),
      of_lower_bound: round(lowerBound / parallel.makespanSeconds),
      simple_bound_s: round(simpleBound),
      of_simple_bound: round(simpleBound / parallel.makespanSeconds),
      one_at_a_time_s: round(serial.makespanSeconds),
      one_at_a_time_proof_seconds: round(serial.proofCpuSeconds),
      speedup_over_one_at_a_time: round(serial.makespanSeconds / parallel.makespanSeconds),
      speedup_ceiling: round(serialBound / lowerBound),
      makespan_runs_s: parallels.map((r) => round(r.makespanSeconds)),
      one_at_a_time_runs_s: serials.map((r) => round(r.makespanSeconds)),
    });
  } finally {
    await net.close();
  }
}
await closeProver();
console.table(rows);
await writeFile(
  RESULTS,
  JSON.stringify(
    {
      what: "miner makespan from the first posting to the last verification, real proofs of b2d4",
      command: "npm run bench:miner",
      date: new Date().toISOString(),
      proof_seconds: "sum over the batch proofs of witness + proof time on a prover thread",
      block_ms: BLOCK_MS,
      repeats: REPEATS,
      window_blocks: WINDOW_BLOCKS,
      machine: describeMachine(),
      runs: rows,
    },
    null,
    2,
  ) + "\n",
);
console.log(`wrote ${RESULTS}`);
process.exit(0);

/** The run of median makespan (the upper one of an even count). */
function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.makespanSeconds - b.makespanSeconds);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error("no runs");
  return middle;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
