// The L2 sequencer of one rollup: takes signed transfers over HTTP, posts
// them in batches and sequences, follows them until verified.
//
//   SEQUENCER_PRIVATE_KEY=0x… npm run sequencer -- --config sequencer.json
//   SEQUENCER_PRIVATE_KEY=0x… npm run sequencer -- --network sepolia --circuit b2d4
//   SEQUENCER_PRIVATE_KEY=0x… npm run sequencer -- --deployment ignition/deployments/<id> --rpc-url URL --circuit b2d4
//
// Flags override the file. docs/sequencer.md says more.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

import { createLogger } from "../off-chain/service/logger.js";
import {
  parseSequencerConfig,
  readDeployment,
  readSequencerConfig,
  Sequencer,
  SequencerConfigError,
  sequencerKeyFromEnv,
  type SequencerConfig,
} from "../off-chain/sequencer/index.js";
import { networkSettings } from "../off-chain/sequencer/network.js";
import { commandLine, type CommandLine } from "../off-chain/service/command-line.js";

const USAGE = `usage: npm run sequencer -- [--config FILE] [--network NAME] [--deployment DIR] [--rpc-url URL] [--rollup ADDRESS]
       [--genesis FILE] [--circuit NAME] [--chain-id N] [--deployment-block N] [--data-dir DIR] [--database-url URL]
       [--host HOST] [--port N] [--batch-timeout-ms N] [--sequence-timeout-ms N] [--confirmations N]
       [--log-file FILE] [--log-level LEVEL]
The key comes from SEQUENCER_PRIVATE_KEY, never from a flag.`;

const cli: CommandLine = commandLine("sequencer", USAGE);

let values;
try {
  ({ values } = parseArgs({
    options: {
      config: { type: "string" },
      network: { type: "string" },
      deployment: { type: "string" },
      "rpc-url": { type: "string" },
      rollup: { type: "string" },
      genesis: { type: "string" },
      circuit: { type: "string" },
      "chain-id": { type: "string" },
      "deployment-block": { type: "string" },
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      "batch-timeout-ms": { type: "string" },
      "sequence-timeout-ms": { type: "string" },
      confirmations: { type: "string" },
      "log-file": { type: "string" },
      "log-level": { type: "string", default: "info" },
      "private-key": { type: "string" },
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
if (values["private-key"] !== undefined) {
  cli.usage("the key is never a flag (shell histories keep it): set SEQUENCER_PRIVATE_KEY");
}

let log;
try {
  log = createLogger({
    name: "zkpow-sequencer",
    level: values["log-level"],
    ...(values["log-file"] !== undefined ? { destination: values["log-file"] } : {}),
  });
} catch (error) {
  cli.usage(error instanceof Error ? error.message : String(error));
}

try {
  // --network names the chain (id, RPC URL variable) and its Ignition deployment; explicit flags win over it.
  const network = values.network === undefined ? undefined : networkSettings(values.network, process.cwd());
  let deploymentDir = values.deployment;
  if (
    deploymentDir === undefined &&
    network !== undefined &&
    (values.rollup === undefined || values.genesis === undefined)
  ) {
    if (!existsSync(network.deploymentDir)) {
      throw new SequencerConfigError(
        `network ${network.name}: no rollup deployment in ${network.deploymentDir}; deploy first (npx hardhat rollup:deploy --network ${network.name}), or give --deployment DIR, or --rollup and --genesis`,
      );
    }
    deploymentDir = network.deploymentDir;
  }
  const deployment = deploymentDir === undefined ? undefined : await readDeployment(deploymentDir);
  if (network !== undefined && values["rpc-url"] === undefined && network.rpcUrl === undefined) {
    throw new SequencerConfigError(
      `network ${network.name}: set ${network.rpcUrlVariable ?? "its RPC URL variable"} to its RPC URL, or give --rpc-url`,
    );
  }
  const path = (value: string | undefined) => (value === undefined ? undefined : resolve(value));
  const overrides = {
    rpcUrl: values["rpc-url"] ?? network?.rpcUrl,
    rollup: values.rollup ?? deployment?.rollup,
    genesis: path(values.genesis) ?? deployment?.genesis,
    circuit: values.circuit,
    chainId: cli.integer(values["chain-id"], "--chain-id") ?? network?.chainId,
    deploymentBlock: cli.integer(values["deployment-block"], "--deployment-block") ?? deployment?.deploymentBlock,
    dataDir: path(values["data-dir"]),
    databaseUrl: values["database-url"] ?? process.env.DATABASE_URL,
    host: values.host,
    port: cli.integer(values.port, "--port"),
    batchTimeoutMs: cli.integer(values["batch-timeout-ms"], "--batch-timeout-ms"),
    sequenceTimeoutMs: cli.integer(values["sequence-timeout-ms"], "--sequence-timeout-ms"),
    confirmations: cli.integer(values.confirmations, "--confirmations"),
  };
  const config: SequencerConfig =
    values.config !== undefined
      ? await readSequencerConfig(values.config, overrides)
      : parseSequencerConfig(
          Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)),
          "flags",
        );
  const privateKey = sequencerKeyFromEnv();
  const sequencer = await Sequencer.start({ ...config, privateKey, logger: log });
  console.error(`sequencer: listening on ${sequencer.url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    void sequencer.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", () => {
    stop("SIGINT");
  });
  process.on("SIGTERM", () => {
    stop("SIGTERM");
  });
} catch (error) {
  if (error instanceof SequencerConfigError) {
    console.error(`sequencer: ${error.message}`);
    process.exit(2);
  }
  console.error(`sequencer: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}
