// The miner: follows the rollup on each configured base chain, proves every
// posted sequence, commits and reveals in the windows, claims its rewards.
//
//   MINER_PRIVATE_KEY=0x… npm run miner -- --config miner.json
//   (or MINER_KEYSTORE=key.json MINER_KEYSTORE_PASSWORD=…)
//
// Flags override the file: --data-dir, --database-url (or DATABASE_URL),
// --threads, --metrics-port, --log-file, --log-level. docs/miner.md says more.
import { parseArgs } from "node:util";

import { loadMinerKey, MinerConfigError, readMinerConfig } from "../off-chain/miner/config.js";
import { commandLine, type CommandLine } from "../off-chain/service/command-line.js";
import { createLogger } from "../off-chain/service/logger.js";
import { MinerMetrics, startMetricsServer } from "../off-chain/miner/metrics.js";
import { Miner } from "../off-chain/miner/miner.js";
import { StatusView } from "../off-chain/miner/status-view.js";

const cli: CommandLine = commandLine(
  "miner",
  "usage: npm run miner -- --config miner.json [--data-dir DIR] [--database-url URL] [--threads N]\n" +
    "       [--metrics-port PORT] [--log-file FILE] [--log-level LEVEL] [--no-status]",
);

let values;
try {
  ({ values } = parseArgs({
    options: {
      config: { type: "string" },
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
      threads: { type: "string" },
      "metrics-port": { type: "string" },
      "log-file": { type: "string" },
      "log-level": { type: "string", default: "info" },
      "no-status": { type: "boolean", default: false },
      "private-key": { type: "string" },
    },
  }));
} catch (error) {
  cli.usage(error instanceof Error ? error.message : String(error));
}
if (values["private-key"] !== undefined) {
  cli.usage("the key is never a flag (shell histories keep it): set MINER_PRIVATE_KEY or MINER_KEYSTORE");
}
const configFile = values.config ?? cli.usage("--config <file> is required");

// In a terminal the status view owns stdout: log lines go to a file (default) so they do not tear its frames.
const interactive = process.stdout.isTTY && !values["no-status"];
const logFile = values["log-file"] ?? (interactive ? "miner.log" : undefined);
const log = createLogger({ level: values["log-level"], ...(logFile !== undefined ? { destination: logFile } : {}) });

try {
  const config = await readMinerConfig(configFile, {
    dataDir: values["data-dir"],
    databaseUrl: values["database-url"],
    proverThreads: cli.integer(values.threads, "--threads"),
    metricsPort: cli.integer(values["metrics-port"], "--metrics-port"),
  });
  const key = await loadMinerKey();
  const metrics = new MinerMetrics();
  const miner = await Miner.start({ config, key, log, metrics });
  const server =
    config.metricsPort !== undefined ? await startMetricsServer(metrics, { port: config.metricsPort, log }) : undefined;
  if (server !== undefined) log.info({ url: server.url }, "metrics served");
  const view = new StatusView({ stream: process.stdout, snapshot: () => miner.status(), log });
  if (!values["no-status"]) view.start();
  if (interactive) console.error(`miner: logging to ${logFile}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    view.stop();
    void miner.stop();
  };
  process.on("SIGINT", () => {
    stop("SIGINT");
  });
  process.on("SIGTERM", () => {
    stop("SIGTERM");
  });
  try {
    await miner.done;
  } finally {
    view.stop();
    await server?.close();
  }
  process.exit(0);
} catch (error) {
  if (error instanceof MinerConfigError) {
    console.error(`miner: ${error.message}`);
    process.exit(2);
  }
  console.error(`miner: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}
