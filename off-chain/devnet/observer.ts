import type { Provider } from "ethers";

import { ZkPowRollup__factory } from "../../types/ethers-contracts/index.js";

/** A sequence as the chain's events tell it. */
export interface SequenceRecord {
  readonly sequence: bigint;
  readonly lastBatch: bigint;
  readonly batches: number;
  readonly postedBlock: number;
  /** The posting block's timestamp (seconds). */
  readonly postedAt: number;
  /** The current round (0 while no one has committed). */
  round: number;
  /** The current round's first commit (0 while no one has committed). */
  commitStart: number;
  verifiedBlock?: number;
  verifiedAt?: number;
  verifiedBy?: string;
  verifiedRound?: number;
}

/** One miner's part on one chain. */
export interface MinerRecord {
  commits: number;
  /** Proofs that verified (the first of a sequence and the later ones of the same round). */
  validProofs: number;
  /** Sequences this miner's proof finalised. */
  finalised: number;
  rejected: number;
  missed: number;
  penalties: bigint;
  /** Rewards claimed. */
  rewards: bigint;
  /** Rewards earned by valid proofs and not yet claimed (a claim waits for the late window to close). */
  rewardsDue: bigint;
}

/** What a chain's rollup looks like now. */
export interface ChainSnapshot {
  readonly head: number;
  readonly headTime: number;
  readonly sequences: readonly SequenceRecord[];
  /** By address (lower case). */
  readonly miners: ReadonlyMap<string, MinerRecord>;
}

/** IZkPowRollup.CommitStatus.ProofVerified: a valid proof whose reward is not claimed yet. */
const PROOF_VERIFIED = 2n;

const EVENTS = [
  "SequenceSubmitted",
  "RoundOpened",
  "ProofHashCommitted",
  "ProofVerified",
  "SequenceVerified",
  "ProofRejected",
  "CommitMissed",
  "RewardClaimed",
] as const;

/**
 * Reads a rollup's events as they come, the way a block explorer would: the
 * devnet's dashboard and summary show what the chain says, not what the
 * miners or the sequencer believe.
 */
export class ChainObserver {
  private readonly rollup;
  private readonly topics: string[];
  private readonly sequences = new Map<bigint, SequenceRecord>();
  private readonly miners = new Map<string, MinerRecord>();
  private readonly timestamps = new Map<number, number>();
  private next: number;
  private head = 0;
  private headTime = 0;

  constructor(
    private readonly provider: Provider,
    rollup: string,
    fromBlock: number,
  ) {
    this.rollup = ZkPowRollup__factory.connect(rollup, provider);
    this.topics = EVENTS.map((name) => this.rollup.interface.getEvent(name).topicHash);
    this.next = fromBlock;
  }

  /** Reads the blocks mined since the last call. */
  async poll(): Promise<void> {
    const head = await this.provider.getBlockNumber();
    if (head >= this.next) {
      const logs = await this.provider.getLogs({
        address: await this.rollup.getAddress(),
        topics: [this.topics],
        fromBlock: this.next,
        toBlock: head,
      });
      for (const log of logs) await this.apply(log.blockNumber, this.rollup.interface.parseLog(log));
      this.next = head + 1;
    }
    this.head = head;
    // Not cached: a chain of 0.75 s blocks would fill the cache with heads nobody asks for again.
    const header = await this.provider.getBlock(head);
    if (header === null) throw new Error(`the RPC has no block ${head}, its own head`);
    this.headTime = header.timestamp;
  }

  /**
   * Recomputes each miner's unclaimed rewards: for every verified sequence in
   * which its proof verified and is not yet paid, its share of the sequence's
   * reward (the pot divided among the round's valid proofs until the split
   * fixes the share).
   */
  async refreshRewardsDue(): Promise<void> {
    const due = new Map<string, bigint>();
    for (const record of this.sequences.values()) {
      if (record.verifiedRound === undefined) continue;
      const [info, reward] = await Promise.all([
        this.rollup.getSequence(record.sequence),
        this.rollup.getReward(record.sequence),
      ]);
      const share = reward.split || info.validProofs === 0n ? reward.amount : reward.amount / info.validProofs;
      for (const address of this.miners.keys()) {
        const status = await this.rollup.commitStatus(record.sequence, record.verifiedRound, address);
        if (status === PROOF_VERIFIED) due.set(address, (due.get(address) ?? 0n) + share);
      }
    }
    for (const [address, miner] of this.miners) miner.rewardsDue = due.get(address) ?? 0n;
  }

  snapshot(): ChainSnapshot {
    return {
      head: this.head,
      headTime: this.headTime,
      sequences: [...this.sequences.values()].sort((a, b) => (a.sequence < b.sequence ? -1 : 1)),
      miners: this.miners,
    };
  }

  private async apply(block: number, event: { name: string; args: { [key: string]: unknown } } | null): Promise<void> {
    if (event === null) return;
    const args = event.args;
    const sequence = () => this.sequences.get(args.sequence as bigint);
    switch (event.name) {
      case "SequenceSubmitted": {
        const batches = args.batches as readonly unknown[];
        this.sequences.set(args.sequence as bigint, {
          sequence: args.sequence as bigint,
          lastBatch: args.lastBatch as bigint,
          batches: batches.length,
          postedBlock: block,
          postedAt: await this.timestamp(block),
          round: 0,
          commitStart: 0,
        });
        break;
      }
      case "RoundOpened": {
        const record = sequence();
        if (record !== undefined) {
          record.round = Number(args.round);
          record.commitStart = Number(args.commitStart);
        }
        break;
      }
      case "ProofHashCommitted":
        this.miner(args.miner as string).commits += 1;
        break;
      case "ProofVerified":
        this.miner(args.miner as string).validProofs += 1;
        break;
      case "SequenceVerified": {
        const record = sequence();
        if (record !== undefined) {
          record.verifiedBlock = block;
          record.verifiedAt = await this.timestamp(block);
          record.verifiedBy = (args.miner as string).toLowerCase();
          record.verifiedRound = Number(args.round);
        }
        // The first valid proof finalises the sequence and emits SequenceVerified, not ProofVerified.
        this.miner(args.miner as string).finalised += 1;
        this.miner(args.miner as string).validProofs += 1;
        break;
      }
      case "ProofRejected": {
        const miner = this.miner(args.miner as string);
        miner.rejected += 1;
        miner.penalties += args.penalty as bigint;
        break;
      }
      case "CommitMissed": {
        const miner = this.miner(args.miner as string);
        miner.missed += 1;
        miner.penalties += args.penalty as bigint;
        break;
      }
      case "RewardClaimed":
        this.miner(args.miner as string).rewards += args.amount as bigint;
        break;
    }
  }

  private miner(address: string): MinerRecord {
    const key = address.toLowerCase();
    let record = this.miners.get(key);
    if (record === undefined) {
      record = {
        commits: 0,
        validProofs: 0,
        finalised: 0,
        rejected: 0,
        missed: 0,
        penalties: 0n,
        rewards: 0n,
        rewardsDue: 0n,
      };
      this.miners.set(key, record);
    }
    return record;
  }

  private async timestamp(block: number): Promise<number> {
    let time = this.timestamps.get(block);
    if (time === undefined) {
      const header = await this.provider.getBlock(block);
      if (header === null) throw new Error(`the RPC has no block ${block}`);
      time = header.timestamp;
      this.timestamps.set(block, time);
    }
    return time;
  }
}
