import { getAddress, type Wallet } from "ethers";

import type { ZkPowRollup } from "../../types/ethers-contracts/index.js";
import type { ChainContext } from "./chain.js";
import { probe } from "./contract-errors.js";
import type { TxSender } from "./proof-sender.js";

/** CommitStatus.Committed: a commit that was neither revealed valid nor settled. */
const COMMITTED = 1n;

/**
 * Rewards of one base chain: once a sequence this miner proved (valid
 * reveal) is past its late window, settle the other committers of that round
 * who never delivered (their missed-proof penalties join the reward that the
 * valid provers share), then claim this miner's share. Each transaction goes
 * through the transaction manager and is recorded; a claim is sent once per
 * sequence (a restart finds it in the tx table).
 */
export class Rewards {
  private readonly rollup: ZkPowRollup;

  constructor(
    private readonly chain: ChainContext,
    wallet: Wallet,
    private readonly txs: TxSender,
  ) {
    this.rollup = chain.rollup.connect(wallet);
  }

  async tick(): Promise<void> {
    await this.recordPenalties();
    const { db, chainId, miner, provider, config, log } = this.chain;
    const verified = await db
      .selectFrom("commit")
      .select(["sequence", "round"])
      .where("chain_id", "=", chainId)
      .where("miner", "=", miner)
      .where("state", "=", "verified")
      .orderBy("sequence")
      .execute();
    if (verified.length === 0) return;
    const head = BigInt(await provider.getBlockNumber());
    for (const { sequence, round } of verified) {
      const info = await this.chain.rollup.getSequence(sequence);
      // The late window's last block is revealStart + 2 T2 - 1; the split is fixed at the first claim after it.
      if (info.verifiedAt === 0n || head < info.revealStart + 2n * config.revealWindow) continue;
      const claim = await this.claimTx(sequence);
      if (claim === undefined) {
        await this.settleOthers(sequence, round);
        const refusal = await probe(this.rollup, () => this.rollup.claimReward.staticCall(sequence));
        if (refusal !== null) {
          log.warn({ sequence, reason: refusal }, "cannot claim the reward");
          continue;
        }
        await this.txs.send({
          kind: "claim",
          sequence,
          round,
          to: this.chain.rollupAddress,
          data: this.rollup.interface.encodeFunctionData("claimReward", [sequence]),
        });
        log.info({ sequence }, "claim sent");
        continue;
      }
      if (claim.state === "pending") continue;
      await this.recordClaim(sequence, round, claim.state, claim.mined_hash, claim.error);
    }
  }

  /**
   * A missed commit pays its penalty when someone settles it (settleMissedCommit, callable by anyone); the
   * amount (missed or, for a failed round's opener, invalid) is read from its CommitMissed event.
   */
  private async recordPenalties(): Promise<void> {
    const { db, chainId, miner, rollup, metrics, name, log, fromBlock } = this.chain;
    const missed = await db
      .selectFrom("commit")
      .select(["sequence", "round"])
      .where("chain_id", "=", chainId)
      .where("miner", "=", miner)
      .where("state", "=", "missed")
      .where("penalty", "is", null)
      .execute();
    for (const { sequence, round } of missed) {
      const [event] = await rollup.queryFilter(rollup.filters.CommitMissed(sequence, round, miner), Number(fromBlock));
      if (event === undefined) continue;
      const penalty = event.args.penalty;
      await db
        .updateTable("commit")
        .set({ penalty: penalty.toString(), updated_at: new Date() })
        .where("chain_id", "=", chainId)
        .where("sequence", "=", sequence)
        .where("round", "=", round)
        .where("miner", "=", miner)
        .execute();
      metrics.addTokens(metrics.penalties, name, penalty);
      log.warn({ sequence, round, penalty: penalty.toString() }, "a missed commit was settled: penalty paid");
    }
  }

  private async claimTx(sequence: bigint) {
    const { db, chainId, miner } = this.chain;
    return db
      .selectFrom("tx")
      .select(["state", "mined_hash", "error"])
      .where("chain_id", "=", chainId)
      .where("sender", "=", miner)
      .where("kind", "=", "claim")
      .where("sequence", "=", sequence)
      .where("state", "!=", "dropped")
      .orderBy("id", "desc")
      .executeTakeFirst();
  }

  private async recordClaim(
    sequence: bigint,
    round: number,
    state: string,
    minedHash: string | null,
    error: string | null,
  ): Promise<void> {
    const { db, chainId, miner, provider, rollup, metrics, name, log } = this.chain;
    let amount = 0n;
    if (state === "mined" && minedHash !== null) {
      const receipt = await provider.getTransactionReceipt(minedHash);
      for (const entry of receipt?.logs ?? []) {
        const parsed = rollup.interface.parseLog(entry);
        if (parsed?.name === "RewardClaimed") amount += parsed.args.amount as bigint;
      }
    }
    await db
      .updateTable("commit")
      .set({
        state: "claimed",
        reward: amount.toString(),
        reason: state === "mined" ? null : error,
        updated_at: new Date(),
      })
      .where("chain_id", "=", chainId)
      .where("sequence", "=", sequence)
      .where("round", "=", round)
      .where("miner", "=", miner)
      .execute();
    metrics.addTokens(metrics.rewards, name, amount);
    log.info({ sequence, amount: amount.toString(), state, error }, "reward claimed");
  }

  /**
   * Settles the other committers who are still Committed after the late window: of the verified round (they
   * missed) and of every failed round before it. Their penalties join the reward this miner shares.
   */
  private async settleOthers(sequence: bigint, verifiedRound: number): Promise<void> {
    const { rollup, miner, log, fromBlock } = this.chain;
    const commits = await rollup.queryFilter(rollup.filters.ProofHashCommitted(sequence), Number(fromBlock));
    for (const event of commits) {
      const other = getAddress(event.args.miner);
      const round = Number(event.args.round);
      if (other === miner || round > verifiedRound) continue;
      if ((await rollup.commitStatus(sequence, round, other)) !== COMMITTED) continue;
      const refusal = await probe(this.rollup, () => this.rollup.settleMissedCommit.staticCall(sequence, round, other));
      if (refusal !== null) continue;
      await this.txs.send({
        kind: "settle",
        sequence,
        round,
        to: this.chain.rollupAddress,
        data: this.rollup.interface.encodeFunctionData("settleMissedCommit", [sequence, round, other]),
      });
      log.info({ sequence, round, miner: other }, "settling another miner's missed commit");
    }
  }
}
