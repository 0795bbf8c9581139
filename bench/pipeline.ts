// The proof pipeline with real proofs: M sequences of B batches, all posted at
// once, proven through the miner's scheduler and prover hub on 1 and then 2
// single-threaded prover machines (gRPC on 127.0.0.1, each with its own prover
// process), every batch proof verified, each sequence's proof assembled.
//
//   npm run bench:pipeline          (writes bench/results/pipeline.json)
//
// Makespan: from the first proof asked to the last sequence proof assembled.
// Lower bound: the proofs' CPU time (as the prover processes report it) over
// the slots; also their wall time (witness + proof) over the slots. Not a
// test: nothing here asserts a speed.
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

import fc from "fast-check";
import { pino } from "pino";

import { ensureCircuit, TEST_CIRCUIT, type CircuitArtifacts } from "../off-chain/circuits/index.js";
import type { PostedBatch } from "../off-chain/l2/encoding.js";
import type { L2State } from "../off-chain/l2/state.js";
import {
  BatchProver,
  LocalBackend,
  ProofScheduler,
  toSequenceProof,
  verifyProof,
  WorkerPool,
  type BatchProofResult,
} from "../off-chain/prover/index.js";
import { ProverHub } from "../off-chain/prover/remote/hub.js";
import { l2Fixture, PROVER, transferChoices, validTransfers, type L2Fixture } from "../test/helpers/l2.js";
import { proverClients, runBench } from "./harness.js";
import { describeMachine } from "./machine.js";

const SEQUENCES = 4;
const BATCHES = 3;
const PROVER_COUNTS = [1, 2];
const SECRET = "bench-pipeline-secret-0123456789";
const RESULTS = fileURLToPath(new URL("./results/pipeline.json", import.meta.url));
const quiet = pino({ level: "silent" });
const round3 = (value: number): number => Math.round(value * 1000) / 1000;

interface Batch {
  readonly state: L2State;
  readonly batch: PostedBatch;
}

/** SEQUENCES x BATCHES full batches of valid transfers, each from the state the one before leaves (fixed seed). */
function plan(fixture: L2Fixture, artifacts: CircuitArtifacts): Batch[][] {
  const { batchSize, treeDepth } = artifacts.config;
  const choices = fc.sample(
    transferChoices(2 ** treeDepth, batchSize).filter((c) => c.length === batchSize),
    { numRuns: SEQUENCES * BATCHES, seed: 11 },
  );
  let state = fixture.genesis;
  const sequences: Batch[][] = [];
  for (let s = 0; s < SEQUENCES; s++) {
    const batches: Batch[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const transfers = validTransfers(fixture, state, choices[s * BATCHES + b] ?? []);
      batches.push({ state, batch: state.seal(transfers, fixture.chainId) });
      state = state.applySigned(transfers, fixture.chainId).state;
    }
    sequences.push(batches);
  }
  return sequences;
}

async function run(provers: number, artifacts: CircuitArtifacts, fixture: L2Fixture, sequences: Batch[][]) {
  const verifier = new WorkerPool(1);
  const hub = await ProverHub.start({
    listen: "127.0.0.1:0",
    secret: SECRET,
    circuits: [{ name: artifacts.config.name, zkeySha256: artifacts.zkeySha256 }],
    verify: (_zkey, proof) => verifyProof(verifier, artifacts.verificationKey, proof),
    log: quiet,
  });
  const scheduler = new ProofScheduler([hub]);
  const prover = await BatchProver.create({
    circuit: { ...artifacts, batchSize: artifacts.config.batchSize },
    chainId: fixture.chainId,
    scheduler,
    verifier,
  });
  const clients = proverClients({
    port: hub.port,
    secret: SECRET,
    count: provers,
    circuit: { name: artifacts.config.name, zkeySha256: artifacts.zkeySha256 },
    // One process, one thread: the slot is one core.
    backend: () => new LocalBackend(new WorkerPool(1), { circuits: [artifacts], singleThreadPerProof: true }),
    log: quiet,
  });
  try {
    while (hub.provers().length < provers) await new Promise((resolve) => setTimeout(resolve, 20));
    // Warm-up, untimed: each prover process loads the wasm and the zkey with its first proof.
    const first = sequences[0]?.[0];
    if (first === undefined) throw new Error("no batch planned");
    await Promise.all(clients.map(() => prover.prove(first.batch, first.state, PROVER)));

    const started = performance.now();
    const proofs: BatchProofResult[] = [];
    await Promise.all(
      sequences.map(async (batches, s) => {
        const results = await Promise.all(
          batches.map((batch, b) =>
            prover.prove(batch.batch, batch.state, PROVER, BigInt(s), `sequence ${s} batch ${b}`),
          ),
        );
        for (const result of results) {
          if (!(await prover.verify(result))) throw new Error(`sequence ${s}: a proof does not verify`);
        }
        toSequenceProof(results);
        proofs.push(...results);
      }),
    );
    const makespan = (performance.now() - started) / 1000;
    const cpu = proofs.reduce((sum, proof) => sum + proof.timings.cpuSeconds, 0);
    const lowerBound = cpu / provers;
    // A prover process's CPU time exceeds its wall time a little (the runtime's own threads): the proofs' wall
    // time (witness + proof) over the slots is the other bound.
    const wall = proofs.reduce((sum, proof) => sum + proof.timings.witnessSeconds + proof.timings.proveSeconds, 0);
    return {
      provers,
      slots: provers,
      proofs: proofs.length,
      makespanSeconds: round3(makespan),
      proofCpuSeconds: round3(cpu),
      lowerBoundSeconds: round3(lowerBound),
      ratio: round3(lowerBound / makespan),
      proofWallSeconds: round3(wall),
      ratioToProofWall: round3(wall / provers / makespan),
      proofsByProver: Object.fromEntries(hub.provers().map((p) => [p.id, p.proofs])),
    };
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
    await scheduler.close();
    await verifier.close();
  }
}

async function main(): Promise<void> {
  const artifacts = await ensureCircuit(TEST_CIRCUIT, {
    log: (line) => {
      console.log(`[circuits] ${line}`);
    },
  });
  const fixture = await l2Fixture(
    artifacts.config.treeDepth,
    Array.from({ length: 2 ** artifacts.config.treeDepth }, () => 1_000_000n),
  );
  const sequences = plan(fixture, artifacts);
  const rows = [];
  for (const provers of PROVER_COUNTS) {
    console.log(`proving ${SEQUENCES} sequences x ${BATCHES} batches on ${provers} prover(s) ...`);
    rows.push(await run(provers, artifacts, fixture, sequences));
  }
  const [one, two] = rows;
  const report = {
    command: "npm run bench:pipeline",
    date: new Date().toISOString(),
    machine: describeMachine(),
    circuit: artifacts.config.name,
    constraints: artifacts.constraints,
    sequences: SEQUENCES,
    batchesPerSequence: BATCHES,
    prover: "snarkjs 0.7.6 Groth16, one single-threaded prover process per prover machine, over gRPC on 127.0.0.1",
    note: "lower bound = proof CPU time (witness + proof, as the prover processes report it) / slots; the aggregator's verification runs in a process of its own on the same cores",
    rows,
    speedupOneToTwo: one !== undefined && two !== undefined ? round3(one.makespanSeconds / two.makespanSeconds) : null,
  };
  await writeFile(RESULTS, JSON.stringify(report, null, 2) + "\n");
  console.table(rows.map(({ proofsByProver: _ignored, ...row }) => row));
  console.log(`speedup from 1 to 2 provers: ${report.speedupOneToTwo}`);
  console.log(`wrote ${RESULTS}`);
}

runBench(main);
