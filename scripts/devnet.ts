// A whole zkpow network on this machine, for a newcomer to watch:
//
//   npm start                                  (a live dashboard; Ctrl-C stops it and prints a summary)
//   npm start -- --duration 3m --json          (no terminal: the summary as JSON; exit 1 if something went wrong)
//
// Three local base chains (chain ids 1, 56 and 137, each at its mainnet's block time, on 127.0.0.1 ports), the
// rollup deployed on each, a sequencer per chain fed by a generator of L2 transfers, and three miners of different
// speeds (one serving two chains from one process). Development keys only: Hardhat's default accounts and
// deterministic L2 keys. docs/devnet.md says what each part is and what the dashboard shows.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import logUpdate from "log-update";
import parseDuration from "parse-duration";

import { Devnet, DevnetError } from "../off-chain/devnet/devnet.js";
import { DEFAULT_PLAN } from "../off-chain/devnet/plan.js";
import { commandLine, type CommandLine } from "../off-chain/service/command-line.js";

const cli: CommandLine = commandLine(
  "devnet",
  "usage: npm start -- [--duration 3m] [--json] [--transfer-interval 20s] [--keep]",
);

let values;
try {
  ({ values } = parseArgs({
    options: {
      duration: { type: "string" },
      json: { type: "boolean", default: false },
      "transfer-interval": { type: "string" },
      keep: { type: "boolean", default: false },
    },
  }));
} catch (error) {
  cli.usage(error instanceof Error ? error.message : String(error));
}

function milliseconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = parseDuration(text) ?? Number.NaN;
  if (!(value > 0)) cli.usage(`--${flag} must be a duration such as 90s or 3m, got "${text}"`);
  return value;
}

const durationMs = milliseconds("duration", values.duration);
const transferIntervalMs = milliseconds("transfer-interval", values["transfer-interval"]);
const json = values.json;
const interactive = !json && process.stdout.isTTY;
const plan = { ...DEFAULT_PLAN, ...(transferIntervalMs !== undefined ? { transferIntervalMs } : {}) };
const dir = await mkdtemp(join(tmpdir(), "zkpow-devnet-"));
// Progress goes to stderr: in --json mode stdout carries the summary alone.
const say = (line: string) => {
  console.error(line);
};

// Ctrl-C (or the duration) ends the run; the loop below notices at its next tick, and a second Ctrl-C leaves at
// once. `on`, not `once`: log-update's cursor handling (signal-exit) re-raises a signal that no other listener is
// left to handle, which would kill the devnet before it stops its parts and prints the summary.
const end = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (end.signal.aborted) process.exit(130);
    end.abort(signal);
  });
}

let devnet: Devnet | undefined;
let exitCode: number;
try {
  devnet = await Devnet.start(plan, dir, say);
  // The duration counts from the moment the whole network runs (the start takes half a minute or so).
  if (durationMs !== undefined) {
    setTimeout(() => {
      end.abort("duration");
    }, durationMs).unref();
  }
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  let lastProgress = 0;
  while (!end.signal.aborted) {
    await devnet.poll();
    if (interactive) {
      logUpdate(devnet.render(elapsed()));
    } else if (Date.now() - lastProgress > 15_000) {
      lastProgress = Date.now();
      say(devnet.progressLine(elapsed()));
    }
    await tick(end.signal, 1_000);
  }
  if (interactive) logUpdate.done();
  say("stopping: the traffic, then the miners, the sequencers and the chains");
  const summary = await devnet.finish(elapsed());
  if (json) {
    console.log(JSON.stringify(summary, null, 2));
  } else {
    console.log(devnet.render(elapsed()));
    console.log("");
    const verified = summary.chains.reduce((n, chain) => n + chain.sequencesVerified, 0);
    const posted = summary.chains.reduce((n, chain) => n + chain.sequencesPosted, 0);
    console.log(
      summary.ok
        ? `devnet: ${verified} of ${posted} sequences verified, none stalled past its windows, no miner penalised`
        : "devnet: PROBLEMS",
    );
    for (const problem of summary.problems) console.log(`  - ${problem}`);
  }
  exitCode = summary.ok ? 0 : 1;
} catch (error) {
  if (interactive) logUpdate.done();
  const message =
    error instanceof DevnetError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  console.error(`devnet: ${message}`);
  exitCode = 1;
} finally {
  await devnet?.close();
  if (values.keep) say(`devnet: its files are in ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
process.exit(exitCode);

/** Waits `ms`, or less if the run ends meanwhile. */
function tick(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
