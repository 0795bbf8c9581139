import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";

import { REPO_ROOT } from "../../off-chain/circuits/index.js";
import { waitFor } from "./miner.js";

export type ProcessExit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * A zkpow service run as a person runs it (`node --import tsx scripts/<script>.ts …`), its own process, logging
 * JSON lines (pino) to a file, for the tests that kill it with SIGKILL and start it again.
 */
export class ServiceProcess<Line extends { msg: string }> {
  readonly child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  readonly spawnedAt = Date.now();
  exit: ProcessExit | undefined;
  private output = "";

  /**
   * `env` is added to this process's environment; the variables in `unset` are removed from it (a database URL
   * or a keystore of the test machine's must not reach the service).
   */
  constructor(
    readonly name: string,
    readonly logFile: string,
    script: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    unset: readonly string[] = [],
  ) {
    const environment: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries({ ...process.env, ...env }).filter(([variable]) => !unset.includes(variable)),
    );
    this.child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: REPO_ROOT,
      env: environment,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout?.setEncoding("utf8").on("data", (text: string) => (this.output += text));
    this.child.stderr?.setEncoding("utf8").on("data", (text: string) => (this.output += text));
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** What it printed on stdout and stderr. */
  get printed(): string {
    return this.output;
  }

  async lines(): Promise<Line[]> {
    let text: string;
    try {
      text = await readFile(this.logFile, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    // A line being written when read (or cut by the kill) is not JSON yet: skipped.
    return text.split("\n").flatMap((line) => {
      try {
        return [JSON.parse(line) as Line];
      } catch {
        return [];
      }
    });
  }

  /** The first log line that matches; fails at once if the process ended, with what it printed. */
  waitForLine(what: string, match: (line: Line) => boolean, timeoutMs = 120_000): Promise<Line> {
    return waitFor(
      `${this.name}: ${what}`,
      async () => {
        const line = (await this.lines()).find(match);
        if (line === undefined && this.exit !== undefined) {
          throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before ${what}:\n${await this.tail()}`);
        }
        return line;
      },
      timeoutMs,
      10,
    );
  }

  /** kill -9; resolves once the process is gone, with the time of the kill. */
  async kill(): Promise<number> {
    const at = Date.now();
    this.child.kill("SIGKILL");
    await this.exited;
    return at;
  }

  /** What it printed and its last log lines. */
  async tail(): Promise<string> {
    const lines = (await this.lines()).slice(-15).map((line) => JSON.stringify(line));
    return [`output: ${this.output}`, ...lines].join("\n");
  }
}
