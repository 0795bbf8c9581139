import { decodeBatchData, genesisState, type L2Crypto, type L2State } from "../l2/index.js";
import type { ChainContext } from "./chain.js";

/** Replaying the chain's data from the genesis does not give the root the contract verified: nothing can be proven. */
export class ReplayMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplayMismatchError";
  }
}

/**
 * The L2 state of one rollup, rebuilt by replaying every posted sequence's
 * batch data from the published genesis (no feed from the sequencer). It
 * keeps the state before each sequence that is not verified yet (what the
 * Proof Generator proves from) and the state after the last one read, and
 * checks each verified sequence's root against the one the contract took.
 * Replayed roots are written to the sequence rows for the status view and
 * for the proofs' checks.
 */
export class L2Replay {
  private tip: L2State;
  /** The last sequence replayed into `tip` (0: none). */
  private replayed = 0n;
  private readonly before = new Map<bigint, L2State>();

  constructor(
    private readonly chain: ChainContext,
    private readonly crypto: L2Crypto,
  ) {
    this.tip = genesisState(crypto, chain.genesis);
  }

  /** The state a sequence is proven from, once replayed (undefined for a verified or unknown one). */
  stateBefore(sequence: bigint): L2State | undefined {
    return this.before.get(sequence);
  }

  /** Forgets everything: after a reorg the next sync replays from the genesis. */
  reset(): void {
    this.tip = genesisState(this.crypto, this.chain.genesis);
    this.replayed = 0n;
    this.before.clear();
  }

  /** Replays the sequences the follower stored since the last sync; returns how many. */
  async sync(): Promise<number> {
    const { db, chainId, genesis } = this.chain;
    const sequences = await db
      .selectFrom("sequence")
      .selectAll()
      .where("chain_id", "=", chainId)
      .where("sequence", ">", this.replayed)
      .orderBy("sequence")
      .execute();
    let count = 0;
    for (const sequence of sequences) {
      const batches = await db
        .selectFrom("batch")
        .select(["data"])
        .where("chain_id", "=", chainId)
        .where("sequence", "=", sequence.sequence)
        .orderBy("index")
        .execute();
      const start = this.tip;
      let state = start;
      for (const batch of batches) {
        state = state.applyBatch(decodeBatchData(batch.data, genesis.treeDepth), genesis.chainId).state;
      }
      if (sequence.old_state_root === null) {
        await db
          .updateTable("sequence")
          .set({ old_state_root: start.root.toString(), new_state_root: state.root.toString() })
          .where("chain_id", "=", chainId)
          .where("sequence", "=", sequence.sequence)
          .execute();
      }
      this.tip = state;
      this.replayed = sequence.sequence;
      this.before.set(sequence.sequence, start);
      count += 1;
    }
    await this.checkVerified();
    return count;
  }

  /**
   * Checks the verified sequences' roots against the replay and drops the
   * states no proof will start from again (verified sequences').
   */
  private async checkVerified(): Promise<void> {
    const { db, chainId } = this.chain;
    const kept = [...this.before.keys()];
    if (kept.length === 0) return;
    const verified = await db
      .selectFrom("sequence")
      .select(["sequence", "new_state_root", "verified_state_root"])
      .where("chain_id", "=", chainId)
      .where("state", "=", "verified")
      .where("sequence", "in", kept)
      .execute();
    for (const sequence of verified) {
      if (sequence.new_state_root !== null && sequence.new_state_root !== sequence.verified_state_root) {
        throw new ReplayMismatchError(
          `chain ${this.chain.name}: replaying sequence ${sequence.sequence} from the genesis gives state root ${sequence.new_state_root}; the contract verified ${sequence.verified_state_root}. The genesis file is not this rollup's, or the rollup verified a false root.`,
        );
      }
      this.before.delete(sequence.sequence);
    }
  }
}
