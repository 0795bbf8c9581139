/** What a service's command line needs for a bad flag: one message, the usage, exit code 2. */
export interface CommandLine {
  /** Prints `<program>: <message>` and the usage to stderr, and exits with code 2. */
  usage(message: string): never;
  /** A flag's whole number (0 or more), undefined when the flag is absent; anything else is a usage error. */
  integer(value: string | undefined, flag: string): number | undefined;
}

export function commandLine(program: string, usageText: string): CommandLine {
  const usage = (message: string): never => {
    console.error(`${program}: ${message}`);
    console.error(usageText);
    process.exit(2);
  };
  return {
    usage,
    integer(value, flag) {
      if (value === undefined) return undefined;
      const number = Number(value);
      if (!Number.isInteger(number) || number < 0) usage(`${flag} must be a whole number, got "${value}"`);
      return number;
    },
  };
}
