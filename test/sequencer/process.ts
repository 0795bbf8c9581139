import { spawn, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";

import { waitFor, type LogLine } from "../helpers/miner.js";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** A sequencer run as a person runs it: `node --import tsx scripts/sequencer.ts`, its own process. */
export class SequencerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private output = "";

  constructor(
    readonly name: string,
    readonly logFile: string,
    configFile: string | undefined,
    privateKey: string,
    flags: readonly string[] = [],
  ) {
    const env: NodeJS.ProcessEnv = { ...process.env, SEQUENCER_PRIVATE_KEY: privateKey };
    delete env.DATABASE_URL;
    this.child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/sequencer.ts",
        ...(configFile === undefined ? [] : ["--config", configFile]),
        "--log-file",
        logFile,
        ...flags,
      ],
      { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.child.stdout?.setEncoding("utf8").on("data", (text: string) => (this.output += text));
    this.child.stderr?.setEncoding("utf8").on("data", (text: string) => (this.output += text));
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
    });
  }

  async lines(): Promise<LogLine[]> {
    let text: string;
    try {
      text = await readFile(this.logFile, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    // A line cut by the kill is not JSON: skipped.
    return text.split("\n").flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
  }

  /** The first log line that matches; fails at once if the process ended, with what it printed. */
  waitForLine(what: string, match: (line: LogLine) => boolean, timeoutMs = 120_000): Promise<LogLine> {
    return waitFor(
      `${this.name}: ${what}`,
      async () => {
        const line = (await this.lines()).find(match);
        if (line === undefined && this.exit !== undefined) {
          throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before ${what}:\n${this.output}`);
        }
        return line;
      },
      timeoutMs,
      10,
    );
  }

  /** Its API's URL, once it has started. */
  async url(): Promise<string> {
    const line = await this.waitForLine("start", (l) => l.msg === "sequencer started");
    return line.url as string;
  }

  /** kill -9, and wait for it to be gone. */
  async kill(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.exited;
  }

  get printed(): string {
    return this.output;
  }
}

/** Writes a sequencer config file as a person would. */
export async function writeConfig(file: string, config: Record<string, unknown>): Promise<void> {
  await writeFile(file, JSON.stringify(config, null, 2) + "\n");
}
