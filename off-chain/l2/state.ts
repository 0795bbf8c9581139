import { accountLeaf, type Account } from "./account.js";
import { aggregateS, signatureShare, verifyAggregate, type SignatureShare } from "./aggregate.js";
import { MAX_BALANCE, MAX_TREE_DEPTH } from "./constants.js";
import type { L2Crypto } from "./crypto.js";
import type { PostedBatch, PostedTransfer } from "./encoding.js";
import type { SkippedTransfer, TransactionRule } from "./errors.js";
import type { PublicKey } from "./keys.js";
import { MerkleTree } from "./merkle-tree.js";
import {
  decompressPoint,
  isUsablePublicKey,
  verifyPostedSignature,
  type CurvePoint,
  type PostedSignature,
} from "./signature.js";
import { postedTransfer, transferMessage, type SignedTransfer } from "./transfer.js";

/** An account of the genesis state: it starts with nonce 0. */
export interface GenesisAccount {
  readonly publicKey: PublicKey;
  readonly balance: bigint;
}

/**
 * A transfer with its own whole signature, as the sequencer receives it, and,
 * when known, the nonce its sender signed. The nonce only names the failure
 * ("wrong-nonce" rather than "bad-signature"); validity never depends on it.
 */
export interface TransferToApply {
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
  readonly signature: PostedSignature;
  readonly nonce?: bigint;
}

/**
 * What the circuit needs to know about one slot (see TransferSlot): the
 * transfer, whether it applied, and the two accounts it reads with their
 * Merkle siblings. The accounts sit at the indices' low treeDepth bits (an
 * out-of-range index is skipped, but the circuit still opens that leaf).
 */
export interface TransferStep {
  readonly transfer: PostedTransfer;
  readonly applied: boolean;
  /** The sender's leaf index and account before the transfer (undefined: an empty leaf). */
  readonly senderIndex: number;
  readonly sender: Account | undefined;
  readonly senderSiblings: readonly bigint[];
  /** The receiver as it is after the sender's debit (a debit happens iff every sender-side rule holds). */
  readonly receiverIndex: number;
  readonly receiver: Account | undefined;
  readonly receiverSiblings: readonly bigint[];
}

export interface Transition {
  readonly state: L2State;
  readonly steps: readonly TransferStep[];
  /** The transfers that changed nothing, and why. */
  readonly skipped: readonly SkippedTransfer[];
}

/** A posted batch's transition. */
export interface BatchTransition extends Transition {
  /**
   * Whether the batch's aggregate S verified. When it did not, the batch
   * changes nothing (state is the state before it, every transfer is skipped);
   * steps are still the ones applied as if it had, which the circuit computes.
   */
  readonly signed: boolean;
  /** The state the steps reach, as if the aggregate verified (the circuit's padding slots open it). */
  readonly stepsState: L2State;
}

type Failure = { rule: TransactionRule; detail: string };
/** Decides the signature rule for a sender (an existing account) and the message at its current nonce. */
type SignatureRule = (sender: Account, message: bigint) => Failure | undefined;
/**
 * The state of the payment rollup: accounts at indices of a Poseidon Merkle
 * tree. Immutable from outside: applying transfers yields a new state.
 *
 * Every posted transfer is applied or skipped: a transfer that breaks a rule
 * (index out of range, no such account, bad signature or wrong nonce,
 * overdraft, balance overflow) changes nothing, not even the sender's nonce,
 * and the batch goes on. A posted batch carries one aggregate S for all its
 * signatures (off-chain/l2/aggregate.ts): when it does not verify, the whole
 * batch changes nothing. The circuit (circuits/batch.circom) decides every
 * input the same way, so any posted batch has a proof.
 */
export class L2State {
  private constructor(
    private readonly crypto: L2Crypto,
    private readonly tree: MerkleTree,
    private readonly accounts: Map<number, Account>,
  ) {}

  /**
   * Accounts get indices 0, 1, … in order. Its root is the rollup contract's
   * initial state root. Every key must be a usable BabyJubJub key (on the
   * curve, not of small order) and every balance a uint64.
   */
  static genesis(crypto: L2Crypto, treeDepth: number, accounts: readonly GenesisAccount[]): L2State {
    if (!Number.isInteger(treeDepth) || treeDepth < 1 || treeDepth > MAX_TREE_DEPTH) {
      throw new RangeError(`tree depth ${treeDepth} is not an integer from 1 to ${MAX_TREE_DEPTH}`);
    }
    if (accounts.length > 2 ** treeDepth) {
      throw new RangeError(`${accounts.length} genesis accounts do not fit a tree of depth ${treeDepth}`);
    }
    const state = new L2State(crypto, new MerkleTree(crypto.poseidon, treeDepth), new Map());
    accounts.forEach((genesis, index) => {
      if (genesis.balance < 0n || genesis.balance > MAX_BALANCE) {
        throw new RangeError(`genesis account ${index}: balance ${genesis.balance} is not a uint64`);
      }
      if (!isUsablePublicKey(genesis.publicKey)) {
        throw new RangeError(`genesis account ${index}: the public key is not on BabyJubJub or is of small order`);
      }
      state.put(index, { publicKey: genesis.publicKey, balance: genesis.balance, nonce: 0n });
    });
    return state;
  }

  get root(): bigint {
    return this.tree.root;
  }

  get treeDepth(): number {
    return this.tree.depth;
  }

  get accountCount(): number {
    return this.accounts.size;
  }

  account(index: number): Account | undefined {
    return this.accounts.get(index);
  }

  siblings(index: number): bigint[] {
    return this.tree.siblings(index);
  }

  /**
   * Applies transfers that each carry their own whole signature (as the
   * sequencer receives them) in order, skipping each one that breaks a rule,
   * and returns the new state, the steps and which transfers were skipped.
   * Never throws for a transfer's content. Posted as a batch with their
   * aggregate S (seal), transfers that all pass give the same state.
   */
  applySigned(transfers: readonly TransferToApply[], chainId: bigint): Transition {
    const next = this.clone();
    const skipped: SkippedTransfer[] = [];
    const steps = transfers.map((transfer, position) => {
      const rule: SignatureRule = (sender, message) =>
        signatureFailure(this.crypto, transfer, sender, message, chainId);
      const { step, failure } = next.applyTransfer(postedTransfer(transfer), chainId, rule);
      if (failure !== undefined) skipped.push({ index: position, ...failure });
      return step;
    });
    return { state: next, steps, skipped };
  }

  /**
   * Applies a posted batch, as the circuit does: each transfer as if the
   * batch's aggregate S verifies (every signer's signature counting), then
   * the aggregate is checked over the signers' shares; if it fails, nothing
   * changes. Never throws for the batch's content.
   */
  applyBatch(batch: PostedBatch, chainId: bigint): BatchTransition {
    const { next, steps, skipped, shares } = this.signedPass(batch.transfers, chainId);
    if (verifyAggregate(shares, batch.aggregateS)) {
      return { state: next, steps, skipped, signed: true, stepsState: next };
    }
    const detail = `the batch's aggregate S is not the aggregate of its ${shares.length} signers' signatures`;
    return {
      state: this,
      steps,
      skipped: batch.transfers.map((_, index) => ({ index, rule: "bad-signature", detail })),
      signed: false,
      stepsState: next,
    };
  }

  /**
   * The batch to post for transfers that follow this state: their R8s and
   * the aggregate of their signers' S (sum z_i S_i mod l). It verifies iff
   * every signer's own signature does.
   */
  seal(transfers: readonly TransferToApply[], chainId: bigint): PostedBatch {
    const posted = transfers.map(postedTransfer);
    const { shares } = this.signedPass(posted, chainId);
    const s = shares.map((share) => transfers[share.slot]?.signature.S ?? 0n);
    return { aggregateS: aggregateS(shares, s), transfers: posted };
  }

  /**
   * The batch to post for transfers accepted one by one (the sequencer's):
   * like seal, but each share is over the nonce its sender signed, and only
   * this state's keys are read (they never change), so any state of the
   * rollup serves. Equal to seal on the state the batch follows when each
   * transfer is signed at the nonce its sender has there, as every transfer
   * the sequencer's door accepts is.
   */
  sealSigned(transfers: readonly SignedTransfer[], chainId: bigint): PostedBatch {
    const shares: SignatureShare[] = [];
    const s: bigint[] = [];
    transfers.forEach((transfer, slot) => {
      const { signer } = this.signer(postedTransfer(transfer));
      if (signer === undefined) return;
      const message = transferMessage(this.crypto.poseidon, chainId, transfer);
      shares.push(signatureShare(slot, signer.r8, signer.key, message));
      s.push(transfer.signature.S);
    });
    return { aggregateS: aggregateS(shares, s), transfers: transfers.map(postedTransfer) };
  }

  /**
   * The slot's signer, if it has one: its sender exists at an index inside the
   * tree, with a key not of small order, and R8 is a point. The rules on `to`
   * and the amount do not enter: the circuit counts the share of every slot
   * that could be signed. Otherwise, why the slot cannot be signed.
   */
  private signer(transfer: PostedTransfer): {
    signer?: { readonly key: PublicKey; readonly r8: CurvePoint; readonly nonce: bigint };
    failure?: Failure;
  } {
    const sender = transfer.from < this.tree.capacity ? this.accounts.get(transfer.from) : undefined;
    if (sender === undefined)
      return { failure: { rule: "no-such-account", detail: `sender ${transfer.from} has no account` } };
    const r8 = decompressPoint(transfer.R8);
    if (r8 === undefined) {
      return {
        failure: { rule: "bad-signature", detail: `the posted R8 ${transfer.R8} is not a point of BabyJubJub` },
      };
    }
    if (!isUsablePublicKey(sender.publicKey)) {
      const detail = `account ${transfer.from}'s key is of small order and signs nothing`;
      return { failure: { rule: "bad-signature", detail } };
    }
    return { signer: { key: sender.publicKey, r8, nonce: sender.nonce } };
  }

  /** Applies posted transfers as if the aggregate verifies, collecting each signer's share (in slot order). */
  private signedPass(
    transfers: readonly PostedTransfer[],
    chainId: bigint,
  ): { next: L2State; steps: TransferStep[]; skipped: SkippedTransfer[]; shares: SignatureShare[] } {
    const next = this.clone();
    const skipped: SkippedTransfer[] = [];
    const shares: SignatureShare[] = [];
    const steps = transfers.map((transfer, slot) => {
      // The share is over the sender's nonce at this point of the pass.
      const { signer, failure: unsigned } = next.signer(transfer);
      if (signer !== undefined) {
        const message = transferMessage(this.crypto.poseidon, chainId, { ...transfer, nonce: signer.nonce });
        shares.push(signatureShare(slot, signer.r8, signer.key, message));
      }
      // Why it cannot be signed is reported only if the earlier rules (indices, amount, the sender) hold.
      const rule: SignatureRule = () => unsigned;
      const { step, failure } = next.applyTransfer(transfer, chainId, rule);
      if (failure !== undefined) skipped.push({ index: slot, ...failure });
      return step;
    });
    return { next, steps, skipped, shares };
  }

  private clone(): L2State {
    return new L2State(this.crypto, this.tree.clone(), new Map(this.accounts));
  }

  private applyTransfer(
    transfer: PostedTransfer,
    chainId: bigint,
    signatureRule: SignatureRule,
  ): { step: TransferStep; failure?: Failure } {
    const capacity = this.tree.capacity;
    const senderIndex = transfer.from % capacity;
    const receiverIndex = transfer.to % capacity;
    const sender = this.accounts.get(senderIndex);
    const senderSiblings = this.tree.siblings(senderIndex);

    const failure = this.senderFailure(transfer, sender, chainId, signatureRule);
    // The debit happens iff every sender-side rule holds; the receiver is read after it.
    if (failure === undefined && sender !== undefined) {
      this.put(senderIndex, { ...sender, balance: sender.balance - transfer.amount, nonce: sender.nonce + 1n });
    }
    const receiver = this.accounts.get(receiverIndex);
    const receiverSiblings = this.tree.siblings(receiverIndex);
    const step = { transfer, senderIndex, sender, senderSiblings, receiverIndex, receiver, receiverSiblings };

    let receiverFailure: Failure | undefined;
    if (failure === undefined) {
      if (receiver === undefined) {
        receiverFailure = { rule: "no-such-account", detail: `receiver ${transfer.to} has no account` };
      } else if (receiver.balance + transfer.amount > MAX_BALANCE) {
        receiverFailure = {
          rule: "balance-overflow",
          detail: `receiver ${transfer.to}'s balance ${receiver.balance} + ${transfer.amount} exceeds a uint64`,
        };
      }
    }
    if (failure === undefined && receiverFailure === undefined && receiver !== undefined) {
      this.put(receiverIndex, { ...receiver, balance: receiver.balance + transfer.amount });
      return { step: { ...step, applied: true } };
    }
    // Skipped: undo the debit (restoring the leaf restores every node above it).
    if (failure === undefined && sender !== undefined) this.put(senderIndex, sender);
    return { step: { ...step, applied: false }, failure: failure ?? receiverFailure };
  }

  /** The first sender-side rule the transfer breaks, or undefined. */
  private senderFailure(
    transfer: PostedTransfer,
    sender: Account | undefined,
    chainId: bigint,
    signatureRule: SignatureRule,
  ): Failure | undefined {
    const capacity = this.tree.capacity;
    for (const [field, index] of [
      ["from", transfer.from],
      ["to", transfer.to],
    ] as const) {
      if (index >= capacity) {
        return {
          rule: "index-out-of-range",
          detail: `${field} index ${index} is outside a tree of depth ${this.tree.depth}`,
        };
      }
    }
    if (transfer.amount < 0n || transfer.amount > MAX_BALANCE) {
      return { rule: "amount-out-of-range", detail: `amount ${transfer.amount} is not a uint64` };
    }
    if (sender === undefined) return { rule: "no-such-account", detail: `sender ${transfer.from} has no account` };
    const broken = signatureRule(
      sender,
      transferMessage(this.crypto.poseidon, chainId, { ...transfer, nonce: sender.nonce }),
    );
    if (broken !== undefined) return broken;
    if (transfer.amount > sender.balance) {
      return { rule: "overdraft", detail: `amount ${transfer.amount} exceeds the sender's balance ${sender.balance}` };
    }
    return undefined;
  }

  private put(index: number, account: Account): void {
    this.accounts.set(index, account);
    this.tree.set(index, accountLeaf(this.crypto.poseidon, account));
  }
}

/** The signature rule for a transfer signed on its own: its signature is the sender's at the current nonce. */
function signatureFailure(
  crypto: L2Crypto,
  transfer: TransferToApply,
  sender: Account,
  message: bigint,
  chainId: bigint,
): Failure | undefined {
  if (verifyPostedSignature(message, transfer.signature, sender.publicKey)) return undefined;
  const signedAt = transfer.nonce;
  if (
    signedAt !== undefined &&
    signedAt !== sender.nonce &&
    verifyPostedSignature(
      transferMessage(crypto.poseidon, chainId, { ...transfer, nonce: signedAt }),
      transfer.signature,
      sender.publicKey,
    )
  ) {
    return {
      rule: "wrong-nonce",
      detail: `signed nonce ${signedAt}, account ${transfer.from} is at nonce ${sender.nonce}`,
    };
  }
  return {
    rule: "bad-signature",
    detail: `the signature is not account ${transfer.from}'s over this transfer at nonce ${sender.nonce} on chain ${chainId}`,
  };
}
