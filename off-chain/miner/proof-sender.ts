import { getAddress, type Wallet } from "ethers";
import type { Selectable } from "kysely";

import type { SequenceProof } from "../prover/index.js";
import { toContractProof } from "../prover/index.js";
import type { ZkPowRollup } from "../../types/ethers-contracts/index.js";
import type { ChainContext } from "./chain.js";
import { probe } from "./contract-errors.js";
import type { CommitState, CommitTable, TxKind, TxTable } from "./db/schema.js";
import { PriorityCache } from "./priority-cache.js";
import type { Deadline } from "./status.js";
import { TxRevertedError } from "../chain/tx-manager.js";
import { decodeSequenceProof, parseJson } from "./proof-codec.js";

/** What the Proof Sender needs of the transaction manager. */
export interface TxSender {
  send(request: {
    kind: TxKind;
    sequence?: bigint;
    round?: number;
    to: string;
    data: string;
    gasLimit?: bigint;
  }): Promise<number>;
}

/** A finished final proof, ready to be committed. */
export interface FinalProofMsg {
  readonly proof: SequenceProof;
  readonly proofHash: string;
}

type Commit = Selectable<CommitTable>;
type Tx = Selectable<TxTable>;

/**
 * Reveal refusals after which a commit still Committed on chain can never be revealed: the windows are over,
 * the round moved on, or the stored proof is not the committed one (a reorg replaced the sequence's data).
 */
const ENDS_A_COMMIT: readonly string[] = ["RevealWindowClosed", "NoOpenCommit", "ProofHashMismatch"];

/** Commit states in which the Proof Sender still has something to do. */
export const LIVE_COMMIT_STATES: readonly CommitState[] = ["committing", "committed", "revealing"];

/**
 * The Proof Sender of one base chain (MISSION.md): the two-step commit,
 * driven by three de-duplicated priority caches ordered by sequence (lowest
 * first) and three workers that consume them on every tick:
 *
 * 1. the commit worker takes finalProofMsgCache: it commits a proof's
 *    proofHash only if the contract would accept it now (an eth_call first:
 *    the commit window is open, the sequence is unverified, the stake is
 *    enough), and puts the commit on monitPHTxCache;
 * 2. the proofHash-tx monitor follows each commit: its transaction until it
 *    is mined (the transaction manager replaces, resends after a reorg, and
 *    records reverts), then the contract until the reveal window opens
 *    (T1 over and the predecessor verified), when it puts the proof on
 *    proofHashCache; it also follows the reveal's transaction to its outcome;
 * 3. the reveal worker sends the proofs on proofHashCache.
 *
 * Every step is recorded in the commit row before the next is taken, so a
 * restart (ProofManager.submitPendingProof) resumes from the row.
 */
export class ProofSender {
  readonly finalProofMsgCache = new PriorityCache<FinalProofMsg>();
  readonly monitPHTxCache = new PriorityCache<{ round: number }>();
  readonly proofHashCache = new PriorityCache<{ round: number; proof: SequenceProof }>();
  /**
   * Sequences whose commit the contract refused: the round it had open and the block from which that round may
   * have failed (T1 and T2 over), when asking again makes sense.
   */
  readonly refusedRounds = new Map<bigint, { round: number; retryAt: bigint }>();

  private readonly rollup: ZkPowRollup;
  /** The window edge each live commit is racing, for the status view. */
  private readonly deadlines = new Map<bigint, Deadline>();

  constructor(
    private readonly chain: ChainContext,
    wallet: Wallet,
    private readonly txs: TxSender,
  ) {
    this.rollup = chain.rollup.connect(wallet);
  }

  /** Remembers that the contract refused a commit in the sequence's current round (see refusedRounds). */
  private async refuse(sequence: bigint, info: { round: bigint; commitStart: bigint }): Promise<void> {
    const head = BigInt(await this.chain.provider.getBlockNumber());
    const roundEnd = info.commitStart + this.chain.config.commitWindow + this.chain.config.revealWindow;
    this.refusedRounds.set(sequence, { round: Number(info.round), retryAt: roundEnd > head ? roundEnd : head + 1n });
  }

  /** The nearest window edge of this chain's live commits. */
  nextDeadline(): Deadline | null {
    let next: Deadline | null = null;
    for (const deadline of this.deadlines.values()) if (next === null || deadline.block < next.block) next = deadline;
    return next;
  }

  /** One pass of the three workers. */
  async tick(): Promise<void> {
    await this.commitWorker();
    await this.monitor();
    await this.revealWorker();
  }

  private async commitWorker(): Promise<void> {
    const { db, chainId, miner, log } = this.chain;
    for (let next = this.finalProofMsgCache.pop(); next !== undefined; next = this.finalProofMsgCache.pop()) {
      const [sequence, msg] = next;
      const info = await this.chain.rollup.getSequence(sequence);
      if (info.verifiedAt !== 0n) continue;
      // The round a commit now would land in: the first commit opens round 1; after a failed round the next
      // commit opens the next one (the monitor corrects the row if the chain decides otherwise).
      let round = Number(info.commitStart === 0n ? info.round + 1n : info.round);
      let existing = await this.commitRow(sequence, round);
      if (existing?.state === "abandoned") {
        // It never landed: the round is still ours to commit in.
        await this.deleteCommit(sequence, round);
        existing = undefined;
      } else if (existing !== undefined && !LIVE_COMMIT_STATES.includes(existing.state)) {
        if (existing.state === "rejected") {
          log.error({ sequence, round }, "this proof was rejected on chain once: it is not committed again");
          continue;
        }
        round += 1;
        existing = await this.commitRow(sequence, round);
      }
      if (existing !== undefined) {
        this.monitPHTxCache.push(sequence, { round });
        continue;
      }
      // A reorg may have replaced the sequence (and deleted its proofs) since the proof was queued.
      if ((await this.finalProofRow(sequence))?.proof_hash !== msg.proofHash) continue;
      if (!(await this.commitmentsMatch(sequence, msg.proof))) continue;
      const refusal = await probe(this.rollup, () =>
        this.callPending(this.rollup.interface.encodeFunctionData("commitProofHash", [sequence, msg.proofHash])),
      );
      if (refusal !== null) {
        await this.refuse(sequence, info);
        // Out of stake needs the operator; a closed window or a verified sequence does not.
        const level = refusal === "InsufficientStake" ? "error" : "info";
        log[level]({ sequence, round, reason: refusal }, "not committing now");
        continue;
      }
      await db
        .insertInto("commit")
        .values({
          chain_id: chainId,
          sequence,
          round,
          miner,
          proof_hash: msg.proofHash,
          state: "committing",
          commit_tx: null,
          reveal_tx: null,
          commit_block: null,
          late: false,
          reward: null,
          penalty: null,
          reason: null,
          updated_at: new Date(),
        })
        .execute();
      try {
        const txId = await this.txs.send({
          kind: "commit",
          sequence,
          round,
          to: this.chain.rollupAddress,
          data: this.rollup.interface.encodeFunctionData("commitProofHash", [sequence, msg.proofHash]),
        });
        await this.setCommit(sequence, round, { commit_tx: txId });
        this.monitPHTxCache.push(sequence, { round });
        log.info({ sequence, round, proofHash: msg.proofHash }, "commit sent");
      } catch (error) {
        const reason = notSentReason(error);
        await this.setCommit(sequence, round, { state: "abandoned", reason });
        if (error instanceof TxRevertedError) {
          // The estimate reverted (the node judged the window on a later block than the check): a refusal like the
          // check's, asked again only once the round may have moved on.
          await this.refuse(sequence, info);
        }
        log.warn({ sequence, round, reason }, "the commit was not sent");
      }
    }
  }

  /**
   * A batch proof opens the commitment the contract stores only for the
   * posted batchHash; a wrong posted batchHash must be corrected on chain
   * (correctBatchHash) before any proof of the batch can verify.
   */
  private async commitmentsMatch(sequence: bigint, proof: SequenceProof): Promise<boolean> {
    const { db, chainId, miner, log } = this.chain;
    const batches = await db
      .selectFrom("batch")
      .select(["index", "batch_hash", "data_point", "data_evaluation"])
      .where("chain_id", "=", chainId)
      .where("sequence", "=", sequence)
      .orderBy("index")
      .execute();
    const signals = await db
      .selectFrom("proof")
      .select(["batch_index", "public_signals"])
      .where("chain_id", "=", chainId)
      .where("sequence", "=", sequence)
      .where("miner", "=", miner)
      .where("kind", "=", "batch")
      .orderBy("batch_index")
      .execute();
    if (signals.length !== batches.length || proof.proofs.length !== batches.length) return false;
    for (const batch of batches) {
      const raw = signals[batch.index]?.public_signals;
      const values = parseJson(raw) as string[];
      // PUBLIC_SIGNALS: oldStateRoot, newStateRoot, batchHash, dataPoint, dataEvaluation, prover.
      if (values[2] !== batch.batch_hash || values[3] !== batch.data_point || values[4] !== batch.data_evaluation) {
        log.error(
          { sequence, batch: sequence + BigInt(batch.index), posted: batch.batch_hash, computed: values[2] },
          "the posted batchHash is not the data's: correcting it on chain before committing",
        );
        await this.correctBatchHash(sequence, batch.index);
        return false;
      }
    }
    return true;
  }

  private async monitor(): Promise<void> {
    for (const [sequence, { round }] of this.monitPHTxCache.ordered()) {
      const commit = await this.commitRow(sequence, round);
      if (commit === undefined || !LIVE_COMMIT_STATES.includes(commit.state)) {
        this.monitPHTxCache.delete(sequence);
        this.deadlines.delete(sequence);
        continue;
      }
      if (commit.state === "committing") await this.followCommitTx(commit);
      else if (commit.state === "committed") await this.awaitRevealWindow(commit);
      else await this.followRevealTx(commit);
    }
  }

  private async followCommitTx(commit: Commit): Promise<void> {
    const { sequence, round } = commit;
    const tx = commit.commit_tx === null ? undefined : await this.tx(commit.commit_tx);
    if (tx === undefined || tx.state === "pending") return;
    if (tx.state === "mined") {
      const events = await this.chain.rollup.queryFilter(
        this.chain.rollup.filters.ProofHashCommitted(sequence, undefined, this.chain.miner),
        Number(tx.block_number),
        Number(tx.block_number),
      );
      const minedRound = Number(events[0]?.args.round ?? BigInt(round));
      if (minedRound !== round) {
        // The round the commit landed in (a round failed between the check and the block): the row follows it.
        await this.chain.db
          .updateTable("commit")
          .set({ round: minedRound, updated_at: new Date() })
          .where("chain_id", "=", this.chain.chainId)
          .where("sequence", "=", sequence)
          .where("round", "=", round)
          .where("miner", "=", this.chain.miner)
          .execute();
        this.monitPHTxCache.push(sequence, { round: minedRound });
      }
      await this.setCommit(sequence, minedRound, { state: "committed", commit_block: tx.block_number });
      this.chain.metrics.commits.inc({ chain: this.chain.name });
      this.chain.log.info({ sequence, round: minedRound, block: tx.block_number }, "commit mined");
      return;
    }
    // Reverted (the error says why: the window closed, the sequence verified first, ...) or dropped.
    const reason = tx.state === "reverted" ? (tx.error ?? "reverted") : "dropped";
    await this.setCommit(sequence, round, { state: "abandoned", reason });
    this.chain.log.warn({ sequence, round, reason }, "the commit did not land");
  }

  private async awaitRevealWindow(commit: Commit): Promise<void> {
    const { rollup, config, provider, miner, log } = this.chain;
    const { sequence, round } = commit;
    const info = await rollup.getSequence(sequence);
    const head = BigInt(await provider.getBlockNumber());
    // The earliest the reveal window can close (later if the predecessor was verified after the first commit).
    const revealEnd = info.commitStart + config.commitWindow + config.revealWindow - 1n;
    this.deadlines.set(sequence, { sequence, kind: "reveal window closes", block: revealEnd });
    // T1 counts from max(the round's first commit, the predecessor's verification): never before commitStart + T1.
    if (info.round === BigInt(round) && info.verifiedAt === 0n && head + 1n < info.commitStart + config.commitWindow) {
      return;
    }
    const proof = await this.finalProof(sequence);
    const batches = await this.batchCommitments(sequence);
    const refusal = await probe(this.rollup, () =>
      this.callPending(
        this.rollup.interface.encodeFunctionData("revealProof", [sequence, batches, toContractProof(proof)]),
      ),
    );
    if (refusal === null) {
      this.proofHashCache.push(sequence, { round, proof });
      return;
    }
    // Not yet, or not now (the emergency state stops reveals until it ends): the window decides later.
    if (refusal === "RevealWindowNotOpen" || refusal === "InEmergency") return;
    const status = Number(await rollup.commitStatus(sequence, round, miner));
    if (status === 0) {
      // No such commit on the chain (CommitStatus.None): a reorg took the block it was mined in. Not missed: its
      // transaction decides, followed again (the transaction manager sends it again), or committed anew if it failed.
      const tx = commit.commit_tx === null ? undefined : await this.tx(commit.commit_tx);
      const state: CommitState =
        tx === undefined || ["reverted", "dropped"].includes(tx.state) ? "abandoned" : "committing";
      await this.setCommit(sequence, round, { state, commit_block: null, reason: "reorged out" });
      log.warn({ sequence, round, state }, "the commit is no longer on the chain (reorg)");
      return;
    }
    // CommitStatus: 1 Committed, 2 ProofVerified, 3 ProofInvalid, 4 Missed, 5 RewardClaimed, 6 Withdrawn.
    if (status === 1 && !ENDS_A_COMMIT.includes(refusal)) {
      // A refusal that says nothing about this commit's fate (a pause, say): asked again next tick.
      log.warn({ sequence, round, reason: refusal }, "the reveal is refused for now");
      return;
    }
    const state: CommitState =
      status === 2 || status === 5 ? "verified" : status === 3 ? "rejected" : status === 6 ? "withdrawn" : "missed";
    await this.setCommit(sequence, round, { state, reason: refusal });
    log.warn({ sequence, round, reason: refusal, state }, "the commit can no longer be revealed");
  }

  private async revealWorker(): Promise<void> {
    for (let next = this.proofHashCache.pop(); next !== undefined; next = this.proofHashCache.pop()) {
      const [sequence, { round, proof }] = next;
      const commit = await this.commitRow(sequence, round);
      if (commit?.state !== "committed") continue;
      try {
        const txId = await this.txs.send({
          kind: "reveal",
          sequence,
          round,
          to: this.chain.rollupAddress,
          data: this.rollup.interface.encodeFunctionData("revealProof", [
            sequence,
            await this.batchCommitments(sequence),
            toContractProof(proof),
          ]),
        });
        await this.setCommit(sequence, round, { state: "revealing", reveal_tx: txId });
        this.chain.metrics.reveals.inc({ chain: this.chain.name });
        this.chain.log.info({ sequence, round }, "reveal sent");
      } catch (error) {
        // Not sent (the estimate reverted: the window moved on): the monitor looks again next tick.
        this.chain.log.warn({ sequence, round, reason: notSentReason(error) }, "the reveal was not sent");
      }
    }
  }

  private async followRevealTx(commit: Commit): Promise<void> {
    const { sequence, round } = commit;
    const tx = commit.reveal_tx === null ? undefined : await this.tx(commit.reveal_tx);
    if (tx === undefined || tx.state === "pending") return;
    if (tx.state !== "mined" || tx.mined_hash === null) {
      // A reveal that reverted or was dropped: back to waiting for (or in) the window, which decides.
      await this.setCommit(sequence, round, { state: "committed", reveal_tx: null, reason: tx.error ?? tx.state });
      return;
    }
    const receipt = await this.chain.provider.getTransactionReceipt(tx.mined_hash);
    const { rollup, metrics, name, log, miner } = this.chain;
    let state: CommitState = "verified";
    let late = false;
    let penalty: string | null = null;
    for (const entry of receipt?.logs ?? []) {
      const parsed = rollup.interface.parseLog(entry);
      if (parsed === null) continue;
      if (parsed.name === "SequenceVerified" && getAddress(parsed.args.miner as string) === miner) {
        metrics.firstVerified.inc({ chain: name });
      } else if (parsed.name === "ProofVerified") {
        late = parsed.args.late as boolean;
        if (late) metrics.lateReveals.inc({ chain: name });
      } else if (parsed.name === "ProofRejected") {
        state = "rejected";
        penalty = (parsed.args.penalty as bigint).toString();
        metrics.addTokens(metrics.penalties, name, parsed.args.penalty as bigint);
      }
    }
    await this.setCommit(sequence, round, { state, late, penalty });
    log.info({ sequence, round, state, late }, "reveal mined");
  }

  /**
   * Sends correctBatchHash for a batch whose posted batchHash is wrong. One correction of a sequence at a time;
   * once it is mined the contract refuses a second one of the same batch (BatchHashCorrect, asked first), and the
   * follower reads BatchHashCorrected into the commitment rows.
   */
  private async correctBatchHash(sequence: bigint, index: number): Promise<void> {
    const { db, chainId, miner, log } = this.chain;
    const sent = await db
      .selectFrom("tx")
      .select("id")
      .where("chain_id", "=", chainId)
      .where("sender", "=", miner)
      .where("kind", "=", "correct")
      .where("sequence", "=", sequence)
      .where("state", "=", "pending")
      .executeTakeFirst();
    if (sent !== undefined) return;
    const data = await db
      .selectFrom("batch")
      .select("data")
      .where("chain_id", "=", chainId)
      .where("sequence", "=", sequence)
      .where("index", "=", index)
      .executeTakeFirstOrThrow();
    const batches = await this.batchCommitments(sequence);
    const refusal = await probe(this.rollup, () =>
      this.rollup.correctBatchHash.staticCall(sequence, batches, index, data.data),
    );
    if (refusal !== null) {
      log.warn({ sequence, index, reason: refusal }, "correctBatchHash refused");
      return;
    }
    await this.txs.send({
      kind: "correct",
      sequence,
      to: this.chain.rollupAddress,
      data: this.rollup.interface.encodeFunctionData("correctBatchHash", [sequence, batches, index, data.data]),
    });
    log.info({ sequence, index }, "correctBatchHash sent");
  }

  /**
   * Calls the rollup as this miner on the pending block: a transaction sent now lands in the next block, so a
   * window is judged as of that block (on the head's state, a call still says yes at a window's last block, and
   * the transaction then reverts or, where the node estimates on the pending block, is never sent).
   */
  private callPending(data: string): Promise<string> {
    const { provider, miner, rollupAddress } = this.chain;
    return provider.call({ from: miner, to: rollupAddress, data, blockTag: "pending" });
  }

  /** This miner's stored final proof of a sequence (undefined if none, e.g. deleted by a reorg). */
  private async finalProofRow(sequence: bigint) {
    const { db, chainId, miner } = this.chain;
    return db
      .selectFrom("proof")
      .select(["proof", "proof_hash"])
      .where("chain_id", "=", chainId)
      .where("sequence", "=", sequence)
      .where("miner", "=", miner)
      .where("kind", "=", "final")
      .executeTakeFirst();
  }

  private async finalProof(sequence: bigint): Promise<SequenceProof> {
    const row = await this.finalProofRow(sequence);
    if (row === undefined) throw new Error(`no final proof of sequence ${sequence} is stored`);
    return decodeSequenceProof(parseJson(row.proof), `sequence ${sequence}`);
  }

  /** The batches' commitments as the contract stored them (corrections included), which a reveal passes back. */
  async batchCommitments(
    sequence: bigint,
  ): Promise<{ batchHash: bigint; dataPoint: bigint; dataEvaluation: bigint }[]> {
    const { db, chainId } = this.chain;
    const rows = await db
      .selectFrom("batch")
      .select(["batch_hash", "data_point", "data_evaluation"])
      .where("chain_id", "=", chainId)
      .where("sequence", "=", sequence)
      .orderBy("index")
      .execute();
    return rows.map((row) => ({
      batchHash: BigInt(row.batch_hash),
      dataPoint: BigInt(row.data_point),
      dataEvaluation: BigInt(row.data_evaluation),
    }));
  }

  async commitRow(sequence: bigint, round: number): Promise<Commit | undefined> {
    const { db, chainId, miner } = this.chain;
    return db
      .selectFrom("commit")
      .selectAll()
      .where("chain_id", "=", chainId)
      .where("sequence", "=", sequence)
      .where("round", "=", round)
      .where("miner", "=", miner)
      .executeTakeFirst();
  }

  async setCommit(
    sequence: bigint,
    round: number,
    values: Partial<Omit<Commit, "chain_id" | "sequence" | "round" | "miner">>,
  ): Promise<void> {
    const { db, chainId, miner } = this.chain;
    await db
      .updateTable("commit")
      .set({ ...values, updated_at: new Date() })
      .where("chain_id", "=", chainId)
      .where("sequence", "=", sequence)
      .where("round", "=", round)
      .where("miner", "=", miner)
      .execute();
  }

  private async deleteCommit(sequence: bigint, round: number): Promise<void> {
    const { db, chainId, miner } = this.chain;
    await db
      .deleteFrom("commit")
      .where("chain_id", "=", chainId)
      .where("sequence", "=", sequence)
      .where("round", "=", round)
      .where("miner", "=", miner)
      .execute();
  }

  private async tx(id: number): Promise<Tx | undefined> {
    return this.chain.db.selectFrom("tx").selectAll().where("id", "=", id).executeTakeFirst();
  }
}

/** Why the transaction manager did not send: the custom error its estimate reverted with, or the failure. */
function notSentReason(error: unknown): string {
  if (error instanceof TxRevertedError && error.errorName !== undefined) return error.errorName;
  return error instanceof Error ? error.message : String(error);
}
