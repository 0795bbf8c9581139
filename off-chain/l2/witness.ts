import { getAddress } from "ethers";

import { batchHash } from "./batch-hash.js";
import { encodeBatchData } from "./encoding.js";
import type { L2Crypto } from "./crypto.js";
import { BatchDataError } from "./errors.js";
import type { L2State, TransferStep } from "./state.js";
import type { SignedTransfer } from "./transfer.js";

/** The Batch circuit's input, every signal a decimal string (circuits/batch.circom names them). */
export type BatchCircuitInput = Record<string, string | string[] | string[][]>;

export interface BatchWitnessRequest {
  readonly state: L2State;
  readonly transfers: readonly SignedTransfer[];
  /** The miner's address that the proof is bound to. */
  readonly prover: string;
  /** The rollup's chain id. */
  readonly chainId: bigint;
  /** The circuit's batch size: slots after the transfers are padding. */
  readonly batchSize: number;
}

export interface BatchWitness {
  readonly input: BatchCircuitInput;
  /** The public signals, in the circuit's order: oldStateRoot, newStateRoot, batchHash, prover. */
  readonly publicSignals: readonly [bigint, bigint, bigint, bigint];
  readonly oldStateRoot: bigint;
  readonly newStateRoot: bigint;
  readonly batchHash: bigint;
  /** The bytes the sequencer posts for this batch. */
  readonly data: Uint8Array;
  /** The state after the batch (the request's state is left as it was). */
  readonly nextState: L2State;
}

/**
 * Turns (state, batch, prover address, rollup chain id) into the circuit's
 * input. Fails with InvalidTransactionError (which transfer, which rule) for
 * a batch the circuit would reject, before any proving work is spent on it.
 */
export function buildBatchWitness(crypto: L2Crypto, request: BatchWitnessRequest): BatchWitness {
  const { state, transfers, chainId, batchSize } = request;
  if (transfers.length > batchSize) {
    throw new BatchDataError(`batch holds ${transfers.length} transfers; the circuit's batch size is ${batchSize}`);
  }
  const prover = BigInt(getAddress(request.prover));
  const transition = state.apply(transfers, chainId);
  const data = encodeBatchData(transfers);
  const hash = batchHash(crypto.poseidon, chainId, data, batchSize);
  const oldStateRoot = state.root;
  const newStateRoot = transition.state.root;

  const slots = Array.from({ length: batchSize }, (_, i) => slotInput(transition.steps[i], state.treeDepth));
  const column = (name: keyof SlotInput): string[] => slots.map((slot) => slot[name] as string);
  const matrix = (name: keyof SlotInput): string[][] => slots.map((slot) => slot[name] as string[]);

  const input: BatchCircuitInput = {
    oldStateRoot: oldStateRoot.toString(),
    newStateRoot: newStateRoot.toString(),
    batchHash: hash.toString(),
    prover: prover.toString(),
    chainId: chainId.toString(),
    count: transfers.length.toString(),
    from: column("from"),
    to: column("to"),
    amount: column("amount"),
    signatureR8x: column("signatureR8x"),
    signatureR8y: column("signatureR8y"),
    signatureS: column("signatureS"),
    senderPublicKeyX: column("senderPublicKeyX"),
    senderPublicKeyY: column("senderPublicKeyY"),
    senderBalance: column("senderBalance"),
    senderNonce: column("senderNonce"),
    senderSiblings: matrix("senderSiblings"),
    receiverPublicKeyX: column("receiverPublicKeyX"),
    receiverPublicKeyY: column("receiverPublicKeyY"),
    receiverBalance: column("receiverBalance"),
    receiverNonce: column("receiverNonce"),
    receiverSiblings: matrix("receiverSiblings"),
  };
  return {
    input,
    publicSignals: [oldStateRoot, newStateRoot, hash, prover],
    oldStateRoot,
    newStateRoot,
    batchHash: hash,
    data,
    nextState: transition.state,
  };
}

interface SlotInput {
  from: string;
  to: string;
  amount: string;
  signatureR8x: string;
  signatureR8y: string;
  signatureS: string;
  senderPublicKeyX: string;
  senderPublicKeyY: string;
  senderBalance: string;
  senderNonce: string;
  senderSiblings: string[];
  receiverPublicKeyX: string;
  receiverPublicKeyY: string;
  receiverBalance: string;
  receiverNonce: string;
  receiverSiblings: string[];
}

/** A transfer's slot, or a padding slot: all zeros, which TransferSlot accepts when disabled. */
function slotInput(step: TransferStep | undefined, depth: number): SlotInput {
  const zeros = Array.from({ length: depth }, () => "0");
  if (step === undefined) {
    return {
      from: "0",
      to: "0",
      amount: "0",
      signatureR8x: "0",
      signatureR8y: "0",
      signatureS: "0",
      senderPublicKeyX: "0",
      senderPublicKeyY: "0",
      senderBalance: "0",
      senderNonce: "0",
      senderSiblings: zeros,
      receiverPublicKeyX: "0",
      receiverPublicKeyY: "0",
      receiverBalance: "0",
      receiverNonce: "0",
      receiverSiblings: zeros,
    };
  }
  const { transfer, sender, receiver } = step;
  return {
    from: transfer.from.toString(),
    to: transfer.to.toString(),
    amount: transfer.amount.toString(),
    signatureR8x: transfer.signature.R8x.toString(),
    signatureR8y: transfer.signature.R8y.toString(),
    signatureS: transfer.signature.S.toString(),
    senderPublicKeyX: sender.publicKey.x.toString(),
    senderPublicKeyY: sender.publicKey.y.toString(),
    senderBalance: sender.balance.toString(),
    senderNonce: sender.nonce.toString(),
    senderSiblings: step.senderSiblings.map(String),
    receiverPublicKeyX: receiver.publicKey.x.toString(),
    receiverPublicKeyY: receiver.publicKey.y.toString(),
    receiverBalance: receiver.balance.toString(),
    receiverNonce: receiver.nonce.toString(),
    receiverSiblings: step.receiverSiblings.map(String),
  };
}
