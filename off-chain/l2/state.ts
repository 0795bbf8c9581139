import { accountLeaf, type Account } from "./account.js";
import { MAX_BALANCE, MAX_TREE_DEPTH } from "./constants.js";
import type { L2Crypto } from "./crypto.js";
import type { PostedTransfer } from "./encoding.js";
import type { SkippedTransfer, TransactionRule } from "./errors.js";
import type { PublicKey } from "./keys.js";
import { MerkleTree } from "./merkle-tree.js";
import { isUsablePublicKey, verifyPostedSignature } from "./signature.js";
import { transferMessage } from "./transfer.js";

/** An account of the genesis state: it starts with nonce 0. */
export interface GenesisAccount {
  readonly publicKey: PublicKey;
  readonly balance: bigint;
}

/**
 * A transfer to apply: what was posted and, when known (a transfer signed
 * here rather than read from the chain), the nonce its sender signed. The
 * nonce only names the failure ("wrong-nonce" rather than "bad-signature");
 * validity never depends on it, as in the circuit.
 */
export type TransferToApply = PostedTransfer & { readonly nonce?: bigint };

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

/**
 * The state of the payment rollup: accounts at indices of a Poseidon Merkle
 * tree. Immutable from outside: applying transfers yields a new state.
 *
 * Every posted transfer is applied or skipped: a transfer that breaks a rule
 * (index out of range, no such account, bad signature or wrong nonce,
 * overdraft, balance overflow) changes nothing, not even the sender's nonce,
 * and the batch goes on. The circuit (circuits/lib/transfer.circom) decides
 * every input the same way, so any posted batch has a proof.
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
   * Applies the transfers in order, skipping each one that breaks a rule, and
   * returns the new state, what the circuit needs of each step and which
   * transfers were skipped. Never throws for a transfer's content.
   */
  apply(transfers: readonly TransferToApply[], chainId: bigint): Transition {
    const next = new L2State(this.crypto, this.tree.clone(), new Map(this.accounts));
    const skipped: SkippedTransfer[] = [];
    const steps = transfers.map((transfer, position) => {
      const { step, failure } = next.applyTransfer(transfer, chainId);
      if (failure !== undefined) skipped.push({ index: position, ...failure });
      return step;
    });
    return { state: next, steps, skipped };
  }

  private applyTransfer(
    transfer: TransferToApply,
    chainId: bigint,
  ): { step: TransferStep; failure?: { rule: TransactionRule; detail: string } } {
    const capacity = this.tree.capacity;
    const senderIndex = transfer.from % capacity;
    const receiverIndex = transfer.to % capacity;
    const sender = this.accounts.get(senderIndex);
    const senderSiblings = this.tree.siblings(senderIndex);

    const failure = this.senderFailure(transfer, sender, chainId);
    // The debit happens iff every sender-side rule holds; the receiver is read after it.
    if (failure === undefined && sender !== undefined) {
      this.put(senderIndex, { ...sender, balance: sender.balance - transfer.amount, nonce: sender.nonce + 1n });
    }
    const receiver = this.accounts.get(receiverIndex);
    const receiverSiblings = this.tree.siblings(receiverIndex);
    const step = { transfer, senderIndex, sender, senderSiblings, receiverIndex, receiver, receiverSiblings };

    let receiverFailure: { rule: TransactionRule; detail: string } | undefined;
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
    transfer: TransferToApply,
    sender: Account | undefined,
    chainId: bigint,
  ): { rule: TransactionRule; detail: string } | undefined {
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
    const signed = (nonce: bigint): boolean =>
      verifyPostedSignature(
        transferMessage(this.crypto.poseidon, chainId, { ...transfer, nonce }),
        transfer.signature,
        sender.publicKey,
      );
    if (!signed(sender.nonce)) {
      if (transfer.nonce !== undefined && transfer.nonce !== sender.nonce && signed(transfer.nonce)) {
        return {
          rule: "wrong-nonce",
          detail: `signed nonce ${transfer.nonce}, account ${transfer.from} is at nonce ${sender.nonce}`,
        };
      }
      return {
        rule: "bad-signature",
        detail: `the signature is not account ${transfer.from}'s over this transfer at nonce ${sender.nonce} on chain ${chainId}`,
      };
    }
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
