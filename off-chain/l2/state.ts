import { accountLeaf, type Account } from "./account.js";
import { MAX_BALANCE, MAX_TREE_DEPTH } from "./constants.js";
import type { L2Crypto } from "./crypto.js";
import { InvalidTransactionError } from "./errors.js";
import { verifySignature, type PublicKey } from "./keys.js";
import { MerkleTree } from "./merkle-tree.js";
import { transferMessage, type SignedTransfer } from "./transfer.js";

/** An account of the genesis state: it starts with nonce 0. */
export interface GenesisAccount {
  readonly publicKey: PublicKey;
  readonly balance: bigint;
}

/** What the circuit needs to know about one applied transfer (see TransferSlot). */
export interface TransferStep {
  readonly transfer: SignedTransfer;
  readonly sender: Account;
  readonly senderSiblings: readonly bigint[];
  /** The receiver as it is after the sender's debit (they differ only when from = to). */
  readonly receiver: Account;
  readonly receiverSiblings: readonly bigint[];
}

export interface Transition {
  readonly state: L2State;
  readonly steps: readonly TransferStep[];
}

/**
 * The state of the payment rollup: accounts at indices of a Poseidon Merkle
 * tree. Immutable from outside: applying transfers yields a new state, so a
 * batch with an invalid transfer leaves the state it was applied to as it was.
 */
export class L2State {
  private constructor(
    private readonly crypto: L2Crypto,
    private readonly tree: MerkleTree,
    private readonly accounts: Map<number, Account>,
  ) {}

  /** Accounts get indices 0, 1, … in order. Its root is the rollup contract's initial state root. */
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
   * Applies transfers in order and returns the new state with what the
   * circuit needs of each step. Throws InvalidTransactionError, naming the
   * transfer and the rule, at the first transfer that cannot be applied.
   */
  apply(transfers: readonly SignedTransfer[], chainId: bigint): Transition {
    const next = new L2State(this.crypto, this.tree.clone(), new Map(this.accounts));
    const steps = transfers.map((transfer, position) => next.applyTransfer(transfer, position, chainId));
    return { state: next, steps };
  }

  private applyTransfer(transfer: SignedTransfer, position: number, chainId: bigint): TransferStep {
    const fail = (rule: InvalidTransactionError["rule"], detail: string): never => {
      throw new InvalidTransactionError(position, rule, detail);
    };
    for (const [field, index] of [
      ["from", transfer.from],
      ["to", transfer.to],
    ] as const) {
      if (!Number.isInteger(index) || index < 0 || index >= this.tree.capacity) {
        fail("index-out-of-range", `${field} index ${index} is outside a tree of depth ${this.tree.depth}`);
      }
    }
    if (transfer.amount < 0n || transfer.amount > MAX_BALANCE) {
      fail("amount-out-of-range", `amount ${transfer.amount} is not a uint64`);
    }
    const sender =
      this.accounts.get(transfer.from) ?? fail("no-such-account", `sender ${transfer.from} has no account`);
    if (!this.accounts.has(transfer.to)) {
      fail("no-such-account", `receiver ${transfer.to} has no account`);
    }
    if (transfer.nonce !== sender.nonce) {
      fail("wrong-nonce", `signed nonce ${transfer.nonce}, account ${transfer.from} is at nonce ${sender.nonce}`);
    }
    const message = transferMessage(this.crypto.poseidon, chainId, transfer);
    if (!verifySignature(this.crypto.eddsa, message, transfer.signature, sender.publicKey)) {
      fail("bad-signature", `the signature is not account ${transfer.from}'s over this transfer on chain ${chainId}`);
    }
    if (transfer.amount > sender.balance) {
      fail("overdraft", `amount ${transfer.amount} exceeds the sender's balance ${sender.balance}`);
    }

    const senderSiblings = this.tree.siblings(transfer.from);
    this.put(transfer.from, { ...sender, balance: sender.balance - transfer.amount, nonce: sender.nonce + 1n });

    const receiver = this.accounts.get(transfer.to) ?? fail("no-such-account", `receiver ${transfer.to} vanished`);
    if (receiver.balance + transfer.amount > MAX_BALANCE) {
      fail(
        "balance-overflow",
        `receiver ${transfer.to}'s balance ${receiver.balance} + ${transfer.amount} exceeds a uint64`,
      );
    }
    const receiverSiblings = this.tree.siblings(transfer.to);
    this.put(transfer.to, { ...receiver, balance: receiver.balance + transfer.amount });

    return { transfer, sender, senderSiblings, receiver, receiverSiblings };
  }

  private put(index: number, account: Account): void {
    this.accounts.set(index, account);
    this.tree.set(index, accountLeaf(this.crypto.poseidon, account));
  }
}
