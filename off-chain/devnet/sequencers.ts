import { join } from "node:path";

import { pino } from "pino";

import { Sequencer } from "../sequencer/index.js";
import { SequencerClient } from "../wallet/index.js";
import type { DevnetRollup } from "./deploy.js";
import { defaultAccount } from "./miners.js";
import { SEQUENCER_ACCOUNT, type DevnetPlan } from "./plan.js";
import type { TransferSink } from "./traffic.js";

/** A chain's sequencer in the devnet and the way the traffic reaches it (its HTTP API, as a wallet's). */
export interface DevnetSequencer {
  readonly url: string;
  readonly sink: TransferSink;
  stop(): Promise<void>;
}

/** Starts the sequencer of a devnet rollup (its own database and log in `dir`) on a free port. */
export async function startDevnetSequencer(
  rollup: DevnetRollup,
  plan: DevnetPlan,
  dir: string,
): Promise<DevnetSequencer> {
  const name = rollup.chain.plan.name;
  const sequencer = await Sequencer.start({
    rpcUrl: rollup.chain.url,
    rollup: rollup.rollup,
    privateKey: defaultAccount(SEQUENCER_ACCOUNT).privateKey,
    genesis: rollup.genesisFile,
    circuit: plan.circuit,
    chainId: rollup.chain.plan.chainId,
    deploymentBlock: rollup.deploymentBlock,
    dataDir: join(dir, `sequencer-${name}`),
    host: "127.0.0.1",
    port: 0,
    batchTimeoutMs: plan.batchTimeoutMs,
    sequenceTimeoutMs: Math.max(
      plan.sequenceTimeoutMs,
      plan.sequenceTimeoutBlocks * rollup.chain.plan.blockTimeSeconds * 1000,
    ),
    // The least the sequencer takes: it reads only what is final to mark transfers posted and verified.
    confirmations: 1,
    pollIntervalMs: Math.max(200, Math.round((rollup.chain.plan.blockTimeSeconds * 1000) / 2)),
    logger: pino(
      { level: "info", base: { chain: name } },
      pino.destination({ dest: join(dir, `sequencer-${name}.log`), sync: false }),
    ),
  });
  const client = new SequencerClient(sequencer.url);
  return {
    url: sequencer.url,
    sink: {
      async nextNonce(account) {
        return BigInt((await client.account(account)).pending.nonce);
      },
      async submit(transfer) {
        return (await client.submitTransfer(transfer)).id;
      },
    },
    stop: () => sequencer.stop(),
  };
}
