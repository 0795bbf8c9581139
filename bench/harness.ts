import type { Logger } from "pino";

import type { ProofBackend } from "../off-chain/prover/backend.js";
import { ProverClient } from "../off-chain/prover/remote/client.js";

/** Runs a bench's main and exits with its outcome: prover processes and servers it leaves would keep it alive. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** `count` prover machines in this process (ids prover-0, prover-1, ...), each dialling the hub on 127.0.0.1. */
export function proverClients(options: {
  readonly port: number;
  readonly secret: string;
  readonly count: number;
  readonly circuit: { readonly name: string; readonly zkeySha256: string };
  readonly backend: (proverId: string) => ProofBackend;
  readonly log: Logger;
}): ProverClient[] {
  return Array.from({ length: options.count }, (_, i) => {
    const proverId = `prover-${i}`;
    return new ProverClient({
      aggregator: `127.0.0.1:${options.port}`,
      secret: options.secret,
      proverId,
      circuits: [options.circuit],
      backend: options.backend(proverId),
      log: options.log,
    });
  });
}
