/** Receives one progress line at a time (no trailing newline). */
export type LogFn = (line: string) => void;

/**
 * Progress of one build. `work` lines announce real work (a compile, a setup:
 * seconds to minutes); `detail` lines say what was found in the cache. The
 * default logger prints only `work` lines, to stderr, so that a cold build in
 * a test run does not look hung while a warm one stays silent.
 */
export interface Reporter {
  work(line: string): void;
  detail(line: string): void;
}

export function makeReporter(prefix: string, log?: LogFn): Reporter {
  if (log !== undefined) {
    const prefixed = (line: string) => {
      log(`${prefix}: ${line}`);
    };
    return { work: prefixed, detail: prefixed };
  }
  return {
    work: (line) => {
      process.stderr.write(`[circuits] ${prefix}: ${line}\n`);
    },
    detail: () => undefined,
  };
}

/** Seconds since `start` (a performance.now() reading), for progress lines. */
export function secondsSince(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(1);
}

/**
 * A snarkjs logger that keeps the errors: several snarkjs setup functions
 * report failure only through `logger.error` and a sentinel return value, so
 * the thrown error needs what they logged. Warnings go to the detail log;
 * snarkjs's info and debug chatter (one line per chunk) is dropped.
 */
export class SnarkjsErrorCollector {
  readonly errors: string[] = [];

  constructor(private readonly reporter: Reporter) {}

  error(message: string): void {
    this.errors.push(message);
    this.reporter.detail(`snarkjs error: ${message}`);
  }

  warn(message: string): void {
    this.reporter.detail(`snarkjs warning: ${message}`);
  }

  info(_message: string): void {
    // Dropped on purpose: see the class comment.
  }

  debug(_message: string): void {
    // Dropped on purpose: see the class comment.
  }

  /** "what failed: what snarkjs logged" for an error message. */
  describe(what: string): string {
    return this.errors.length === 0 ? what : `${what}: ${this.errors.join("; ")}`;
  }
}
