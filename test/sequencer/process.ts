import { writeFile } from "node:fs/promises";

import type { LogLine } from "../helpers/miner.js";
import { ServiceProcess } from "../helpers/service-process.js";

/** A sequencer run as a person runs it: `node --import tsx scripts/sequencer.ts`, its own process. */
export class SequencerProcess extends ServiceProcess<LogLine> {
  constructor(
    name: string,
    logFile: string,
    configFile: string | undefined,
    privateKey: string,
    flags: readonly string[] = [],
  ) {
    super(
      name,
      logFile,
      "scripts/sequencer.ts",
      [...(configFile === undefined ? [] : ["--config", configFile]), "--log-file", logFile, ...flags],
      { SEQUENCER_PRIVATE_KEY: privateKey },
      ["DATABASE_URL"],
    );
  }

  /** Its API's URL, once it has started. */
  async url(): Promise<string> {
    const line = await this.waitForLine("start", (l) => l.msg === "sequencer started");
    return line.url as string;
  }
}

/** Writes a sequencer config file as a person would. */
export async function writeConfig(file: string, config: Record<string, unknown>): Promise<void> {
  await writeFile(file, JSON.stringify(config, null, 2) + "\n");
}
