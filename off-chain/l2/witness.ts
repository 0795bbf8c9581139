import { getAddress } from "ethers";

import type { Account } from "./account.js";
import { batchCommitment, type BatchCommitment } from "./batch-hash.js";
import { encodeBatchData, type PostedBatch } from "./encoding.js";
import type { L2Crypto } from "./crypto.js";
import { BatchDataError, type SkippedTransfer } from "./errors.js";
import { decompressionWitness } from "./signature.js";
import type { L2State, TransferStep, TransferToApply } from "./state.js";

/** The Batch circuit's input, every signal a decimal string (circuits/batch.circom names them). */
export type BatchCircuitInput = Record<string, string | string[] | string[][]>;

export type BatchWitnessRequest = BatchWitnessBase &
  (
    | {
        /** The batch as posted (invalid transfers included: they are proven to change nothing). */
        readonly batch: PostedBatch;
      }
    | {
        /** Transfers with their own signatures, posted as the batch `state.seal` makes of them. */
        readonly transfers: readonly TransferToApply[];
      }
  );

export interface BatchWitnessBase {
  readonly state: L2State;
  /** The miner's address that the proof is bound to. */
  readonly prover: string;
  /** The rollup's chain id. */
  readonly chainId: bigint;
  /** The circuit's batch size: slots after the transfers are padding. */
  readonly batchSize: number;
}

/** The public signals, in the circuit's order. */
export type BatchPublicSignals = readonly [
  oldStateRoot: bigint,
  newStateRoot: bigint,
  batchHash: bigint,
  dataPoint: bigint,
  dataEvaluation: bigint,
  prover: bigint,
];

export interface BatchWitness {
  readonly input: BatchCircuitInput;
  readonly publicSignals: BatchPublicSignals;
  readonly oldStateRoot: bigint;
  readonly newStateRoot: bigint;
  readonly commitment: BatchCommitment;
  /** The bytes the sequencer posts for this batch. */
  readonly data: Uint8Array;
  /** The state after the batch (the request's state is left as it was). */
  readonly nextState: L2State;
  /** The transfers the batch skipped, and why. */
  readonly skipped: readonly SkippedTransfer[];
  /** Whether the batch's aggregate S verified (if not, the batch changes nothing). */
  readonly signed: boolean;
}

const HALF = 1n << 128n;
/** The leaf fields the circuit is given for an empty leaf: the identity point as key, so its arithmetic holds. */
const EMPTY_ACCOUNT = { publicKey: { x: 0n, y: 1n }, balance: 0n, nonce: 0n } as const;

/**
 * Turns (state, posted batch, prover address, rollup chain id) into the
 * circuit's input. Any batch that can be posted has a witness: transfers that
 * break a rule are skipped by the model and proven invalid by the circuit.
 */
export function buildBatchWitness(crypto: L2Crypto, request: BatchWitnessRequest): BatchWitness {
  const { state, chainId, batchSize } = request;
  const batch = "batch" in request ? request.batch : state.seal(request.transfers, chainId);
  const { transfers } = batch;
  if (transfers.length > batchSize) {
    throw new BatchDataError(`batch holds ${transfers.length} transfers; the circuit's batch size is ${batchSize}`);
  }
  const prover = BigInt(getAddress(request.prover));
  const data = encodeBatchData(batch, state.treeDepth);
  const transition = state.applyBatch(batch, chainId);
  const commitment = batchCommitment(crypto.poseidon, chainId, data, batchSize, state.treeDepth);
  const oldStateRoot = state.root;
  const newStateRoot = transition.state.root;

  // A padding slot opens leaf 0 of the state the slots reach (the root it passes through unchanged).
  const padding = paddingStep(transition.stepsState);
  const slots = Array.from({ length: batchSize }, (_, i) => slotInput(transition.steps[i] ?? padding));
  const column = (name: keyof SlotInput): string[] => slots.map((slot) => slot[name] as string);
  const matrix = (name: keyof SlotInput): string[][] => slots.map((slot) => slot[name] as string[]);

  const input: BatchCircuitInput = {
    oldStateRoot: oldStateRoot.toString(),
    newStateRoot: newStateRoot.toString(),
    batchHash: commitment.batchHash.toString(),
    dataPoint: commitment.dataPoint.toString(),
    dataEvaluation: commitment.dataEvaluation.toString(),
    prover: prover.toString(),
    chainId: chainId.toString(),
    count: transfers.length.toString(),
    aggregateSHi: (batch.aggregateS / HALF).toString(),
    aggregateSLo: (batch.aggregateS % HALF).toString(),
  };
  for (const name of SLOT_SIGNALS) {
    input[name] = name.endsWith("Siblings") ? matrix(name) : column(name);
  }
  return {
    input,
    publicSignals: [
      oldStateRoot,
      newStateRoot,
      commitment.batchHash,
      commitment.dataPoint,
      commitment.dataEvaluation,
      prover,
    ],
    oldStateRoot,
    newStateRoot,
    commitment,
    data,
    nextState: transition.state,
    skipped: transition.skipped,
    signed: transition.signed,
  };
}

const SLOT_SIGNALS = [
  "from",
  "to",
  "amount",
  "signatureR8Hi",
  "signatureR8Lo",
  "signatureR8x",
  "signatureR8OnCurve",
  "senderExists",
  "senderPublicKeyX",
  "senderPublicKeyY",
  "senderBalance",
  "senderNonce",
  "senderSiblings",
  "receiverExists",
  "receiverPublicKeyX",
  "receiverPublicKeyY",
  "receiverBalance",
  "receiverNonce",
  "receiverSiblings",
] as const;

type SlotInput = Record<(typeof SLOT_SIGNALS)[number], string | string[]>;

function paddingStep(state: L2State): TransferStep {
  const account = state.account(0);
  const siblings = state.siblings(0);
  return {
    transfer: { from: 0, to: 0, amount: 0n, R8: 0n },
    applied: false,
    senderIndex: 0,
    sender: account,
    senderSiblings: siblings,
    receiverIndex: 0,
    receiver: account,
    receiverSiblings: siblings,
  };
}

function accountInput(prefix: "sender" | "receiver", account: Account | undefined): Record<string, string> {
  const shown = account ?? EMPTY_ACCOUNT;
  return {
    [`${prefix}Exists`]: account === undefined ? "0" : "1",
    [`${prefix}PublicKeyX`]: shown.publicKey.x.toString(),
    [`${prefix}PublicKeyY`]: shown.publicKey.y.toString(),
    [`${prefix}Balance`]: shown.balance.toString(),
    [`${prefix}Nonce`]: shown.nonce.toString(),
  };
}

function slotInput(step: TransferStep): SlotInput {
  const { transfer } = step;
  const r8 = decompressionWitness(transfer.R8);
  return {
    from: transfer.from.toString(),
    to: transfer.to.toString(),
    amount: transfer.amount.toString(),
    signatureR8Hi: (transfer.R8 / HALF).toString(),
    signatureR8Lo: (transfer.R8 % HALF).toString(),
    signatureR8x: r8.x.toString(),
    signatureR8OnCurve: r8.onCurve ? "1" : "0",
    ...accountInput("sender", step.sender),
    senderSiblings: step.senderSiblings.map(String),
    ...accountInput("receiver", step.receiver),
    receiverSiblings: step.receiverSiblings.map(String),
  } as SlotInput;
}
