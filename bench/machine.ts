import { availableParallelism, cpus, totalmem } from "node:os";

/** The machine a benchmark ran on, as every bench/results/*.json records it. */
export function describeMachine(): { cpus: number; cpuModel: string; totalMemoryGB: number; node: string } {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    totalMemoryGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}
