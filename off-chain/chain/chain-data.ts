import { getAddress, getBytes } from "ethers";

import { dataPoint, type BatchCommitment } from "../l2/batch-hash.js";
import type { IZkPowRollup } from "../../types/ethers-contracts/contracts/interfaces/IZkPowRollup.js";
import type { TypedEventLog } from "../../types/ethers-contracts/common.js";
import type { SequenceSubmittedEvent } from "../../types/ethers-contracts/contracts/ZkPowRollup.js";
import type { ZkPowRollup } from "../../types/ethers-contracts/index.js";

/** A batch as the base chain holds it: its posted bytes and the commitment a reveal passes back. */
export interface PostedBatch {
  readonly data: Uint8Array;
  readonly commitment: BatchCommitment;
}

/** A sequence as the base chain holds it. */
export interface PostedSequence {
  /** Its number: its first batch. */
  readonly sequence: bigint;
  readonly lastBatch: bigint;
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly transactionHash: string;
  readonly batches: readonly PostedBatch[];
}

/** The chain's data cannot be read as zkpow posts it; the message says which sequence and why. */
export class ChainDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChainDataError";
  }
}

/** A commitment as an event carries it (an ethers Result) as a plain BatchCommitment. */
export function toBatchCommitment(emitted: IZkPowRollup.BatchCommitmentStructOutput): BatchCommitment {
  return { batchHash: emitted.batchHash, dataPoint: emitted.dataPoint, dataEvaluation: emitted.dataEvaluation };
}

/**
 * Reads every sequence posted to the rollup from `fromBlock` on, from the
 * chain alone: the SequenceSubmitted events say which transactions posted
 * what, and each posting transaction's calldata (decoded with the rollup's
 * ABI, as the zkEVM synchronizer reads its L1 data) holds the batches' bytes.
 * BatchHashCorrected events replace the commitments they correct.
 *
 * What a sequencer must do so that miners find its data: call
 * `sequenceBatches` directly from an account (not through another contract,
 * whose calldata would wrap the batches), one sequence per transaction.
 * A posting this reader cannot decode is a ChainDataError naming the sequence.
 */
/** A SequenceSubmitted event as ethers returns it from the typechain filter. */
export type SequenceSubmittedLog = TypedEventLog<SequenceSubmittedEvent.Event>;

/**
 * One posted sequence from its SequenceSubmitted event and the calldata of
 * the transaction that emitted it, checked against each other.
 */
export async function decodePosting(rollup: ZkPowRollup, event: SequenceSubmittedLog): Promise<PostedSequence> {
  const provider = rollup.runner?.provider;
  if (provider === undefined || provider === null) throw new ChainDataError("the rollup contract has no provider");
  const address = getAddress(await rollup.getAddress());
  const { sequence, lastBatch } = event.args;
  const where = `sequence ${sequence} (transaction ${event.transactionHash})`;
  const tx = await provider.getTransaction(event.transactionHash);
  if (tx === null) throw new ChainDataError(`${where}: the RPC does not return the posting transaction`);
  if (tx.to === null || getAddress(tx.to) !== address) {
    throw new ChainDataError(
      `${where}: posted through another contract (${tx.to ?? "a creation"}); miners read batch data from the calldata of a direct sequenceBatches call`,
    );
  }
  const call = rollup.interface.parseTransaction({ data: tx.data });
  if (call?.name !== "sequenceBatches") {
    throw new ChainDataError(
      `${where}: the transaction calls ${call?.name ?? "an unknown function"}, not sequenceBatches`,
    );
  }
  const data = (call.args[0] as string[]).map((bytes) => getBytes(bytes));
  const commitments = event.args.batches.map(toBatchCommitment);
  if (data.length !== commitments.length || BigInt(data.length) !== lastBatch - sequence + 1n) {
    throw new ChainDataError(`${where}: ${data.length} batches in calldata, ${commitments.length} in the event`);
  }
  data.forEach((bytes, i) => {
    // The point hashes the posted batchHash with the bytes: it ties the event to this calldata.
    if (dataPoint(commitments[i]?.batchHash ?? 0n, bytes) !== commitments[i]?.dataPoint) {
      throw new ChainDataError(`${where}: batch ${i}'s calldata is not what the event committed to`);
    }
  });
  return {
    sequence,
    lastBatch,
    blockNumber: event.blockNumber,
    blockHash: event.blockHash,
    transactionHash: event.transactionHash,
    batches: data.map((bytes, i) => ({ data: bytes, commitment: commitments[i] as BatchCommitment })),
  };
}

export async function readPostedSequences(rollup: ZkPowRollup, fromBlock = 0): Promise<PostedSequence[]> {
  const sequences = new Map<bigint, PostedSequence>();
  for (const event of await rollup.queryFilter(rollup.filters.SequenceSubmitted(), fromBlock)) {
    const posted = await decodePosting(rollup, event);
    sequences.set(posted.sequence, posted);
  }
  for (const event of await rollup.queryFilter(rollup.filters.BatchHashCorrected(), fromBlock)) {
    const { sequence, index, corrected } = event.args;
    const posted = sequences.get(sequence);
    const batch = posted?.batches[Number(index)];
    if (posted === undefined || batch === undefined) continue;
    const batches = [...posted.batches];
    batches[Number(index)] = {
      data: batch.data,
      commitment: toBatchCommitment(corrected),
    };
    sequences.set(sequence, { ...posted, batches });
  }
  return [...sequences.values()].sort((a, b) => (a.sequence < b.sequence ? -1 : 1));
}
