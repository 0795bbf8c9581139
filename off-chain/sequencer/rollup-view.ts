import type { JsonRpcProvider } from "ethers";
import type { Kysely } from "kysely";

import { readPostedSequences } from "../chain/chain-data.js";
import { decodeBatchData, type Genesis, type L2State } from "../l2/index.js";
import type { ZkPowRollup } from "../../types/ethers-contracts/index.js";
import type { SequencerDatabase } from "./db/schema.js";

/**
 * What the sequencer knows of the rollup on chain: the last batch and the last
 * verified batch at the confirmations' depth, the posted bytes of every batch
 * (to replay the verified state), and that state, advanced as batches verify.
 */
export class RollupView {
  lastBatch = 0n;
  verifiedBatch = 0n;
  verifiedStateRoot = 0n;
  /** The last batch of our latest final posting (0 until one): the next must follow it. */
  lastPostedByUs = 0n;
  /** Each posted batch's bytes, by batch number. */
  private readonly batches = new Map<bigint, Uint8Array>();
  private verified: { batch: bigint; state: L2State };

  constructor(
    private readonly rollup: ZkPowRollup,
    private readonly provider: JsonRpcProvider,
    private readonly db: Kysely<SequencerDatabase>,
    private readonly genesis: Genesis,
    private readonly genesisState: L2State,
    private readonly deploymentBlock: number,
    private readonly confirmations: number,
  ) {
    this.verified = { batch: 0n, state: genesisState };
  }

  /** Records posted batches' bytes (from the chain, or from a posting of ours once final). */
  remember(firstBatch: bigint, data: readonly Uint8Array[]): void {
    data.forEach((bytes, i) => this.batches.set(firstBatch + BigInt(i), bytes));
  }

  /** Reads the rollup's counters as they stand `confirmations` blocks deep. */
  async refresh(): Promise<void> {
    const head = await this.provider.getBlockNumber();
    const blockTag = Math.max(0, head - this.confirmations + 1);
    const [lastBatch, verifiedBatch, root] = await Promise.all([
      this.rollup.lastBatch({ blockTag }),
      this.rollup.lastVerifiedBatch({ blockTag }),
      this.rollup.stateRoot({ blockTag }),
    ]);
    this.lastBatch = lastBatch;
    this.verifiedBatch = verifiedBatch;
    this.verifiedStateRoot = root;
    await this.db.updateTable("rollup").set({ verified_batch: verifiedBatch }).execute();
  }

  /** The L2 state after the last verified batch (replayed from the posted bytes). */
  async verifiedState(): Promise<L2State> {
    const target = this.verifiedBatch;
    // A reorg can take a verification back: replay from the genesis then.
    if (target < this.verified.batch) this.verified = { batch: 0n, state: this.genesisState };
    let { batch, state } = this.verified;
    while (batch < target) {
      const next = batch + 1n;
      let data = this.batches.get(next);
      if (data === undefined) {
        // Someone else's posting, or one this process has not seen final yet: read them all again.
        for (const posted of await readPostedSequences(this.rollup, this.deploymentBlock)) {
          this.remember(
            posted.sequence,
            posted.batches.map((b) => b.data),
          );
        }
        data = this.batches.get(next);
        if (data === undefined) throw new Error(`batch ${next} is verified on chain but its posted data is not found`);
      }
      state = state.applyBatch(decodeBatchData(data, this.genesis.treeDepth), this.genesis.chainId).state;
      batch = next;
    }
    this.verified = { batch, state };
    return state;
  }
}
