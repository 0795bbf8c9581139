// A prover machine: dials a miner's aggregator (its proverHub), announces its
// proof slots and circuit, and proves the batch proofs it is given.
//
//   ZKPOW_PROVER_SECRET=… npm run prover -- --aggregator miner.example:50051 --slots 4 --circuit b2d4 [--zkey FILE]
//
// It reconnects with backoff when the aggregator restarts and exits (code 1)
// when the aggregator refuses it (secret, zkey, protocol). docs/provers.md says more.
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { parseArgs } from "node:util";

import { getCircuitConfig } from "../off-chain/circuits/index.js";
import { loadProvingKey } from "../off-chain/circuits/proving-key.js";
import { LocalBackend, WorkerPool } from "../off-chain/prover/index.js";
import { ProverClient, ProverRefusedError } from "../off-chain/prover/remote/client.js";
import { commandLine, type CommandLine } from "../off-chain/service/command-line.js";
import { createLogger } from "../off-chain/service/logger.js";

const USAGE = `usage: npm run prover -- --aggregator HOST:PORT --circuit NAME [--slots N] [--zkey FILE] [--id NAME]
       [--tls] [--ca FILE] [--prover-binary PATH] [--log-file FILE] [--log-level LEVEL]
The secret comes from ZKPOW_PROVER_SECRET, never from a flag.`;
const cli: CommandLine = commandLine("prover", USAGE);

let values;
try {
  ({ values } = parseArgs({
    options: {
      aggregator: { type: "string" },
      circuit: { type: "string" },
      slots: { type: "string" },
      zkey: { type: "string" },
      id: { type: "string" },
      tls: { type: "boolean", default: false },
      ca: { type: "string" },
      "prover-binary": { type: "string" },
      "log-file": { type: "string" },
      "log-level": { type: "string" },
      secret: { type: "string" },
      help: { type: "boolean", default: false },
    },
  }));
} catch (error) {
  cli.usage(error instanceof Error ? error.message : String(error));
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.secret !== undefined)
  cli.usage("the secret is never a flag (shell histories keep it): set ZKPOW_PROVER_SECRET");
const aggregator = values.aggregator ?? cli.usage("--aggregator HOST:PORT is required");
if (!/^[^\s:]+:\d{1,5}$/.test(aggregator) && !/^\[[0-9a-f:]+\]:\d{1,5}$/i.test(aggregator)) {
  cli.usage(`--aggregator must be host:port, got "${aggregator}"`);
}
const circuitName = values.circuit ?? cli.usage("--circuit NAME is required (the aggregator's circuit, e.g. b2d4)");
const slots = cli.integer(values.slots, "--slots") ?? 1;
if (slots < 1) cli.usage("--slots must be at least 1");
const secret = process.env.ZKPOW_PROVER_SECRET;
if (secret === undefined || secret.length < 16) {
  cli.usage("set ZKPOW_PROVER_SECRET to the aggregator's prover secret (at least 16 characters)");
}
if (values.ca !== undefined && !values.tls) cli.usage("--ca goes with --tls");

let log;
try {
  log = createLogger({
    level: values["log-level"],
    name: "prover",
    ...(values["log-file"] !== undefined ? { destination: values["log-file"] } : {}),
  });
} catch (error) {
  cli.usage(error instanceof Error ? error.message : String(error));
}

try {
  let circuit;
  try {
    circuit = getCircuitConfig(circuitName);
  } catch (error) {
    cli.usage(error instanceof Error ? error.message : String(error));
  }
  const key = await loadProvingKey(circuit, values.zkey);
  const ca = values.ca === undefined ? undefined : await readFile(values.ca);
  const pool = new WorkerPool(slots);
  const backend = new LocalBackend(pool, {
    circuits: [key],
    ...(values["prover-binary"] !== undefined ? { proverBinary: values["prover-binary"] } : {}),
  });
  const proverId = values.id ?? `${hostname()}-${process.pid}`;
  const client = new ProverClient({
    aggregator,
    secret,
    proverId,
    circuits: [{ name: circuit.name, zkeySha256: key.zkeySha256 }],
    backend,
    ...(values.tls ? { tls: ca === undefined ? {} : { ca } } : {}),
    log,
  });
  log.info({ proverId, aggregator, slots, circuit: circuit.name, zkeySha256: key.zkeySha256 }, "prover started");
  const stop = (signal: string) => {
    log.info({ signal }, "stopping");
    void client.stop();
  };
  process.on("SIGINT", () => {
    stop("SIGINT");
  });
  process.on("SIGTERM", () => {
    stop("SIGTERM");
  });
  await client.done;
  process.exit(0);
} catch (error) {
  if (error instanceof ProverRefusedError) {
    console.error(`prover: ${error.message}`);
    process.exit(1);
  }
  console.error(`prover: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}
