import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import {
  CIRCUIT_CONFIGS,
  CircomCompileError,
  PtauError,
  UnknownCircuitError,
  ensureCircuit,
  getCircuitConfig,
  releaseSnarkjsWorkers,
  type CircuitArtifacts,
} from "../off-chain/circuits/index.js";

interface CircuitsTaskArguments {
  only: string;
}

/**
 * `npx hardhat circuits [--only <name>]`: compile, set up and export every
 * circuit configuration (or one), skipping whatever the cache already holds,
 * then print what happened.
 */
export default async function circuitsTask(
  args: CircuitsTaskArguments,
  _hre: HardhatRuntimeEnvironment,
): Promise<void> {
  try {
    await buildCircuits(args.only);
  } catch (error) {
    // Hardhat prints errors it does not know as "an unexpected error" with a
    // stack trace and a bug-report link; these are the user's to fix, so they
    // go out as plugin errors: the message alone (stack with --show-stack-traces).
    if (error instanceof UnknownCircuitError || error instanceof PtauError || error instanceof CircomCompileError) {
      throw new HardhatPluginError("zkpow", error.message, error);
    }
    throw error;
  }
}

async function buildCircuits(only: string): Promise<void> {
  // Resolve the name first so a typo fails before any work, naming the known configurations.
  const names = only === "" ? CIRCUIT_CONFIGS.map((c) => c.name) : [getCircuitConfig(only).name];
  const rows: string[][] = [];
  try {
    // One after another: compile and setup each use every core, running them side by side only adds memory.
    for (const name of names) {
      const started = performance.now();
      const artifacts = await ensureCircuit(name, {
        log: (line) => {
          console.log(line);
        },
      });
      rows.push(row(artifacts, (performance.now() - started) / 1000));
    }
  } finally {
    // snarkjs's worker threads would otherwise keep the process alive after the task.
    await releaseSnarkjsWorkers();
  }
  console.log();
  printTable(["circuit", "constraints", "status", "seconds", "compile", "setup", "export", "verifier"], rows);
}

function row(artifacts: CircuitArtifacts, seconds: number): string[] {
  const step = (outcome: { cached: boolean; seconds: number }) =>
    outcome.cached ? "cached" : `${outcome.seconds.toFixed(1)} s`;
  const written = artifacts.exported.filter((file) => file.written).length;
  return [
    artifacts.config.name,
    artifacts.constraints.toLocaleString("en-US"),
    artifacts.cached ? "cached" : "built",
    seconds.toFixed(1),
    step(artifacts.steps.compile),
    step(artifacts.steps.setup),
    written > 0 ? `${step(artifacts.steps.export)}, ${written} written` : step(artifacts.steps.export),
    artifacts.config.verifierName,
  ];
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((r) => (r[column] ?? "").length)));
  const format = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ");
  console.log(format(header));
  console.log(format(widths.map((width) => "-".repeat(width))));
  for (const cells of rows) console.log(format(cells));
}
