import type { ChainContext } from "./chain.js";
import { decodeSequenceProof, parseJson } from "./proof-codec.js";
import { LIVE_COMMIT_STATES, type ProofSender } from "./proof-sender.js";

/**
 * The Proof Manager of one base chain (MISSION.md): moves proofs from the
 * database to the Proof Sender.
 *
 * - submitPendingProof, once at every start: every commit that was in flight
 *   when the miner stopped goes back to the monitor (a commit being sent, a
 *   commit waiting for its reveal window, a reveal being mined). A commit
 *   whose reveal window passed while the miner was down is still revealed in
 *   the late window if another proof verified the sequence.
 * - tryFetchProofToSend (each tick): every stored final proof of an
 *   unverified sequence with no commit yet goes to finalProofMsgCache.
 * - processResend (each tick): a sequence whose round failed or whose commit
 *   never landed (the window closed first, a revert, a dropped transaction)
 *   goes back to finalProofMsgCache once the contract has a round it can
 *   join: the commit worker asks the contract before it sends.
 */
export class ProofManager {
  constructor(
    private readonly chain: ChainContext,
    private readonly sender: ProofSender,
  ) {}

  async submitPendingProof(): Promise<void> {
    const { db, chainId, miner, log } = this.chain;
    const live = await db
      .selectFrom("commit")
      .select(["sequence", "round", "state", "commit_tx"])
      .where("chain_id", "=", chainId)
      .where("miner", "=", miner)
      .where("state", "in", [...LIVE_COMMIT_STATES])
      .execute();
    for (const commit of live) {
      if (commit.state === "committing" && commit.commit_tx === null) {
        // Stopped between recording the commit and handing it to the transaction manager: link its transaction if
        // one was recorded, or forget the commit (nothing was sent) so that it is made again.
        const tx = await db
          .selectFrom("tx")
          .select("id")
          .where("chain_id", "=", chainId)
          .where("kind", "=", "commit")
          .where("sequence", "=", commit.sequence)
          .where("round", "=", commit.round)
          .executeTakeFirst();
        if (tx === undefined) {
          await this.sender.setCommit(commit.sequence, commit.round, { state: "abandoned", reason: "not sent" });
          continue;
        }
        await this.sender.setCommit(commit.sequence, commit.round, { commit_tx: tx.id });
      }
      this.sender.monitPHTxCache.push(commit.sequence, { round: commit.round });
    }
    if (live.length > 0) log.info({ commits: live.length }, "resumed the commits in flight at the last stop");
  }

  async tryFetchProofToSend(): Promise<void> {
    const { db, chainId, miner } = this.chain;
    const ready = await db
      .selectFrom("proof")
      .innerJoin("sequence", (join) =>
        join.onRef("sequence.chain_id", "=", "proof.chain_id").onRef("sequence.sequence", "=", "proof.sequence"),
      )
      .leftJoin("commit", (join) =>
        join
          .onRef("commit.chain_id", "=", "proof.chain_id")
          .onRef("commit.sequence", "=", "proof.sequence")
          .onRef("commit.miner", "=", "proof.miner"),
      )
      .select(["proof.sequence", "proof.proof", "proof.proof_hash"])
      .where("proof.chain_id", "=", chainId)
      .where("proof.miner", "=", miner)
      .where("proof.kind", "=", "final")
      .where("sequence.state", "=", "posted")
      .where("commit.sequence", "is", null)
      .execute();
    for (const row of ready) await this.queue(row.sequence, row.proof, row.proof_hash);
  }

  async processResend(): Promise<void> {
    const { db, chainId, miner } = this.chain;
    const ended = await db
      .selectFrom("commit as c")
      .innerJoin("sequence", (join) =>
        join.onRef("sequence.chain_id", "=", "c.chain_id").onRef("sequence.sequence", "=", "c.sequence"),
      )
      .innerJoin("proof", (join) =>
        join
          .onRef("proof.chain_id", "=", "c.chain_id")
          .onRef("proof.sequence", "=", "c.sequence")
          .onRef("proof.miner", "=", "c.miner")
          .on("proof.kind", "=", "final"),
      )
      .select(["c.sequence", "c.round", "c.state", "proof.proof", "proof.proof_hash"])
      .where("c.chain_id", "=", chainId)
      .where("c.miner", "=", miner)
      .where("sequence.state", "=", "posted")
      .where("c.state", "in", ["abandoned", "missed", "withdrawn"])
      // Only the latest round of each sequence: an older ended commit with a live one after it needs nothing.
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom("commit as later")
              .select("later.round")
              .whereRef("later.chain_id", "=", "c.chain_id")
              .whereRef("later.sequence", "=", "c.sequence")
              .whereRef("later.miner", "=", "c.miner")
              .whereRef("later.round", ">", "c.round"),
          ),
        ),
      )
      .execute();
    for (const row of ended) await this.queue(row.sequence, row.proof, row.proof_hash);
  }

  private async queue(sequence: bigint, proof: unknown, hash: string | null): Promise<void> {
    if (hash === null || this.sender.finalProofMsgCache.has(sequence)) return;
    const refused = this.sender.refusedRounds.get(sequence);
    if (refused !== undefined) {
      // The contract refused a commit: ask again once its round has moved on or may have failed.
      const head = BigInt(await this.chain.provider.getBlockNumber());
      if (head < refused.retryAt && Number((await this.chain.rollup.getSequence(sequence)).round) === refused.round) {
        return;
      }
      this.sender.refusedRounds.delete(sequence);
    }
    this.sender.finalProofMsgCache.push(sequence, {
      proof: decodeSequenceProof(parseJson(proof), `chain ${this.chain.name} sequence ${sequence}`),
      proofHash: hash,
    });
  }
}
