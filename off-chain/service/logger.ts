import { pino } from "pino";

export interface LoggerOptions {
  /** A pino level name; "info" when not given. */
  readonly level?: string;
  /**
   * Where the JSON lines go: a stream, an open file descriptor, or a file path (appended to, created with its
   * directory). Stderr when not given, because a miner in a terminal draws its status view on stdout.
   */
  readonly destination?: pino.DestinationStream | number | string;
  readonly name?: string;
}

// Insurance against a config object or wallet being logged whole: these must never reach a log file.
const REDACT = ["privateKey", "*.privateKey", "mnemonic", "*.mnemonic", "password", "*.password", "secret", "*.secret"];

/**
 * A service's root logger (miner, sequencer): one JSON object per line. Modules take a child (`log.child({ module: "follower",
 * chain: "ethereum" })`) so every line says where it comes from.
 *
 * Bigints (blocks, sequences, wei) print as exact JSON numbers; a reader that parses wei amounts needs a
 * big-number-aware JSON parser (jq >= 1.7 keeps them), since JSON.parse rounds past 2^53.
 */
export function createLogger(options: LoggerOptions = {}): pino.Logger {
  const level = options.level ?? "info";
  if (!(level in pino.levels.values) && level !== "silent") {
    const known = [...Object.keys(pino.levels.values), "silent"].join(", ");
    throw new Error(`log level "${level}" is not one of ${known}`);
  }
  return pino(
    {
      level,
      name: options.name ?? "zkpow-miner",
      // ISO times, because people read these files as much as machines do.
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: "[redacted]" },
    },
    toStream(options.destination ?? 2),
  );
}

function toStream(destination: pino.DestinationStream | number | string): pino.DestinationStream {
  if (typeof destination === "object") return destination;
  // Synchronous writes: a miner that dies on a fatal error must not lose the lines that explain why.
  if (typeof destination === "number") return pino.destination({ dest: destination, sync: true });
  return pino.destination({ dest: destination, sync: true, append: true, mkdir: true });
}
