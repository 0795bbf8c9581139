// The miner's makespan, measured with real proofs: M sequences of B batches posted at once to a simulated base
// chain (a block every BLOCK_MS, T1 = T2 = WINDOW_BLOCKS), one miner with K prover threads, from the first posting
// to the last verification. Compared with
// - the lower bound: the proof CPU time the run measured divided by K, plus the last sequence's windows (its T1 and
//   one block to reveal), or the M back-to-back windows if that is longer (a sequence's T1 starts only once its
//   predecessor is verified);
// - the same workload run one sequence at a time (the next sequence is posted when the previous one is verified).
//
//   npm run bench:miner          (writes bench/results/miner.json)
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import type { Miner } from "../off-chain/miner/miner.js";
import { minerConfig, startMiner, startMinerNetwork, waitFor, type MinerNetwork } from "../test/helpers/miner.js";
import { closeProver, planSequences } from "../test/helpers/rollup.js";
import { describeMachine } from "./machine.js";

const RESULTS = fileURLToPath(new URL("./results/miner.json", import.meta.url));
const BLOCK_MS = 250;
const WINDOW_BLOCKS = 4;
const WORKLOADS = [
  { sequences: 4, batches: 1, threads: 2 },
  { sequences: 2, batches: 3, threads: 2 },
] as const;

interface Run {
  readonly makespanSeconds: number;
  readonly proofCpuSeconds: number;
}

/** Posts the workload (all at once, or each after its predecessor's verification) and times it. */
async function run(net: MinerNetwork, workload: (typeof WORKLOADS)[number], oneAtATime: boolean): Promise<Run> {
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
    dataDir: join(net.dir, `miner-${workload.sequences}x${workload.batches}-${oneAtATime ? "serial" : "parallel"}`),
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
    const parallel = await run(net, workload, false);
    const serial = await run(net, workload, true);
    const windowSeconds = ((WINDOW_BLOCKS + 1) * BLOCK_MS) / 1000;
    const lowerBound = Math.max(
      parallel.proofCpuSeconds / workload.threads + windowSeconds,
      workload.sequences * windowSeconds,
    );
    rows.push({
      sequences: workload.sequences,
      batches: workload.batches,
      threads: workload.threads,
      makespan_s: round(parallel.makespanSeconds),
      proof_seconds: round(parallel.proofCpuSeconds),
      lower_bound_s: round(lowerBound),
      of_lower_bound: round(lowerBound / parallel.makespanSeconds),
      one_at_a_time_s: round(serial.makespanSeconds),
      speedup_over_one_at_a_time: round(serial.makespanSeconds / parallel.makespanSeconds),
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
      block_ms: BLOCK_MS,
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

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
