import { ethers } from "ethers";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Logger } from "pino";

import type { TxAttemptTable, TxDatabase, TxTable } from "./tx-schema.js";

export type TxRow = Selectable<TxTable>;
export type TxAttemptRow = Selectable<TxAttemptTable>;

/** A transaction with every signed version of it, cheapest (first) to dearest (last). */
export interface TxWithAttempts extends TxRow {
  readonly attempts: readonly TxAttemptRow[];
}

export interface TxRequest<K extends string = string> {
  readonly kind: K;
  readonly sequence?: bigint;
  readonly round?: number;
  readonly to: string;
  readonly data: string;
  /** Skips the gas estimate (and so its revert check). */
  readonly gasLimit?: bigint;
}

export interface TxManagerOptions {
  /** The service's database, seen through txTables (it holds the tables of tx-schema.ts). */
  readonly db: Kysely<TxDatabase>;
  readonly chainId: bigint;
  /** The sending account (an ethers Wallet or HDNodeWallet), connected to the chain's provider. */
  readonly signer: ethers.BaseWallet;
  /** A transaction is final once its block is this many blocks deep (its own block counts as one). */
  readonly confirmations: number;
  /** A transaction not mined this many blocks after its last attempt is replaced with higher fees. */
  readonly replaceAfterBlocks: number;
  /** How much each replacement raises both fees, in percent: at least 10, as geth, BSC and Hardhat refuse less. Default 12.5. */
  readonly feeBumpPercent?: number;
  /** No attempt bids more than this per gas (max fee, or gas price on legacy chains). */
  readonly maxFeePerGasCap?: bigint;
  /** The custom error's name in revert data (the contract's interface.parseError), undefined if unknown. */
  readonly decodeError: (data: string) => string | undefined;
  readonly log: Logger;
}

/** The call reverts (at gas estimation, before any nonce is taken). */
export class TxRevertedError extends Error {
  constructor(
    /** The custom error's name, if the revert data decodes. */
    readonly errorName: string | undefined,
    /** The raw revert data, if the node returned any. */
    readonly data: string | undefined,
    options?: ErrorOptions,
  ) {
    super(`the transaction would revert: ${errorName ?? data ?? "no revert data"}`, options);
    this.name = "TxRevertedError";
  }
}

/** Geth's txpool price bump (also Hardhat's and BSC's): a replacement must raise both fees by this much. */
const MIN_BUMP_BPS = 1_000n;
const DEFAULT_BUMP_PERCENT = 12.5;
/** estimateGas is exact for the state it ran on; the state the transaction meets may cost a little more. */
const GAS_MARGIN_PERCENT = 20n;

interface Fees {
  /** The EIP-1559 max fee per gas, or the legacy gas price. */
  readonly maxFee: bigint;
  /** null for a legacy transaction. */
  readonly priorityFee: bigint | null;
}

/**
 * Sends a service's transactions from one account on one base chain and
 * follows each to a final state, so that the service only reads rows (the
 * miner's proof sender, the sequencer's poster).
 *
 * The nonce is the database's, never the chain's latest count: two sends
 * before either is mined must not share a nonce (the zkEVM aggregator's bug).
 * Every signed attempt is stored before it is broadcast, so any hash the chain
 * may mine is one we look for, and a restart can rebroadcast it.
 *
 * Call start() once, then send() at will and poll() about once a block.
 */
export class TxManager<K extends string = string> {
  private readonly db: Kysely<TxDatabase>;
  private readonly chainId: bigint;
  private readonly signer: ethers.BaseWallet;
  private readonly provider: ethers.Provider;
  private readonly address: string;
  private readonly confirmations: bigint;
  private readonly replaceAfterBlocks: bigint;
  private readonly bumpBps: bigint;
  private readonly maxFeePerGasCap: bigint | undefined;
  private readonly decodeError: (data: string) => string | undefined;
  private readonly log: Logger;
  private started = false;
  /** poll() and start() run one at a time, so that two polls never replace the same transaction twice. */
  private queue: Promise<void> = Promise.resolve();
  /**
   * The head at which each pending transaction was first seen with its nonce used on chain and no
   * attempt of ours mined: it is dropped only once that is `confirmations` deep, as the other
   * transaction could be reorged out as well. In memory, so a restart waits again (the safe side).
   */
  private readonly nonceUsedSince = new Map<number, bigint>();

  constructor(options: TxManagerOptions) {
    const provider = options.signer.provider;
    if (provider === null) throw new Error("TxManager: the signer must be connected to a provider");
    const bump = options.feeBumpPercent ?? DEFAULT_BUMP_PERCENT;
    if (!(bump >= 10)) throw new Error(`TxManager: feeBumpPercent ${bump} is below the 10% nodes require`);
    if (!Number.isInteger(options.confirmations) || options.confirmations < 1) {
      throw new Error(`TxManager: confirmations must be a positive integer, not ${options.confirmations}`);
    }
    if (!Number.isInteger(options.replaceAfterBlocks) || options.replaceAfterBlocks < 1) {
      throw new Error(`TxManager: replaceAfterBlocks must be a positive integer, not ${options.replaceAfterBlocks}`);
    }
    this.db = options.db;
    this.chainId = options.chainId;
    this.signer = options.signer;
    this.provider = provider;
    this.address = options.signer.address;
    this.confirmations = BigInt(options.confirmations);
    this.replaceAfterBlocks = BigInt(options.replaceAfterBlocks);
    this.bumpBps = BigInt(Math.ceil(bump * 100));
    this.maxFeePerGasCap = options.maxFeePerGasCap;
    this.decodeError = options.decodeError;
    this.log = options.log.child({ chainId: this.chainId.toString(), account: this.address });
  }

  /**
   * Reconciles the stored nonce with the chain and takes up what was in flight:
   * transactions whose nonce something else used are dropped (once that is
   * final), the others are rebroadcast.
   */
  async start(): Promise<void> {
    await this.exclusive(async () => {
      await this.reconcileNonce();
      this.started = true;
      await this.check(true);
    });
  }

  /**
   * Estimates, signs, stores and broadcasts a transaction; returns its id.
   * Throws TxRevertedError if the estimate reverts, before a nonce is taken.
   * Once stored, the transaction is ours to see through: a failed broadcast
   * is logged and left to poll(), which sends it again, since its nonce must
   * be filled for any later transaction to be mined.
   *
   * `onStored` runs in the database transaction that stores it, before the
   * broadcast: what the caller records there (e.g. which batches this
   * transaction posts) is on disk iff the transaction is.
   */
  async send(
    request: TxRequest<K>,
    onStored?: (trx: Transaction<TxDatabase>, txId: number) => Promise<void>,
  ): Promise<number> {
    this.assertStarted();
    const to = ethers.getAddress(request.to);
    const gasLimit = request.gasLimit ?? (await this.estimateGas(to, request.data));
    const [network, head] = await Promise.all([this.networkFees(), this.provider.getBlockNumber()]);
    const fees = this.capped(network);
    if (fees.maxFee < network.maxFee) {
      this.log.warn(
        { cap: fees.maxFee.toString(), network: network.maxFee.toString() },
        "fees capped below the network's",
      );
    }
    const stored = await this.db.transaction().execute(async (trx) => {
      const account = await trx
        .updateTable("account")
        .set((eb) => ({ next_nonce: eb("next_nonce", "+", 1n) }))
        .where("chain_id", "=", this.chainId)
        .where("address", "=", this.address)
        .returning("next_nonce")
        .executeTakeFirstOrThrow();
      const nonce = account.next_nonce - 1n;
      const signed = await this.sign({ nonce, to, data: request.data, gasLimit }, fees);
      const { id } = await trx
        .insertInto("tx")
        .values({
          chain_id: this.chainId,
          sender: this.address,
          nonce,
          kind: request.kind,
          sequence: request.sequence ?? null,
          round: request.round ?? null,
          to,
          data: request.data,
          gas_limit: gasLimit,
          state: "pending",
          mined_hash: null,
          block_number: null,
          block_hash: null,
          error: null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx
        .insertInto("tx_attempt")
        .values({ ...signed, tx_id: id, ...attemptFees(fees), sent_block: BigInt(head) })
        .execute();
      await onStored?.(trx, id);
      return { id, nonce, ...signed };
    });
    this.log.info(
      { txId: stored.id, kind: request.kind, nonce: stored.nonce.toString(), hash: stored.hash },
      "transaction sent",
    );
    await this.broadcast(stored.id, stored.raw);
    return stored.id;
  }

  /**
   * Follows every pending transaction one step: records its block while
   * shallow, finalises it once `confirmations` deep, sends it again after a
   * reorg or when the node lost it, replaces it with higher fees when it sat
   * `replaceAfterBlocks` blocks, and drops it when another transaction used its nonce.
   */
  async poll(): Promise<void> {
    this.assertStarted();
    await this.exclusive(() => this.check(false));
  }

  /** A transaction and its attempts, or undefined if there is no such id. */
  async get(txId: number): Promise<TxWithAttempts | undefined> {
    const tx = await this.db.selectFrom("tx").selectAll().where("id", "=", txId).executeTakeFirst();
    if (tx === undefined) return undefined;
    return { ...tx, attempts: await this.attempts(txId) };
  }

  private assertStarted(): void {
    if (!this.started) throw new Error("TxManager: call start() first");
  }

  private exclusive(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work);
    // The caller gets `run`'s failure; the queue only needs to know it settled.
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async estimateGas(to: string, data: string): Promise<bigint> {
    let estimate: bigint;
    try {
      estimate = await this.provider.estimateGas({ from: this.address, to, data });
    } catch (error) {
      if (!isRevert(error)) throw error;
      const revert = revertData(error);
      throw new TxRevertedError(revert === undefined ? undefined : this.decodeError(revert), revert, { cause: error });
    }
    return (estimate * (100n + GAS_MARGIN_PERCENT) + 99n) / 100n;
  }

  private async networkFees(): Promise<Fees> {
    const data = await this.provider.getFeeData();
    // ethers reports the 1559 fields only when the latest block has a base fee.
    if (data.maxFeePerGas !== null && data.maxPriorityFeePerGas !== null) {
      return { maxFee: data.maxFeePerGas, priorityFee: data.maxPriorityFeePerGas };
    }
    if (data.gasPrice !== null) return { maxFee: data.gasPrice, priorityFee: null };
    throw new Error("the provider reports no fee data");
  }

  private capped(fees: Fees): Fees {
    const cap = this.maxFeePerGasCap;
    if (cap === undefined || fees.maxFee <= cap) return fees;
    return { maxFee: cap, priorityFee: fees.priorityFee === null ? null : min(fees.priorityFee, cap) };
  }

  private async sign(
    tx: { nonce: bigint; to: string; data: string; gasLimit: bigint },
    fees: Fees,
  ): Promise<{ hash: string; raw: string }> {
    const common = {
      chainId: this.chainId,
      nonce: Number(tx.nonce),
      to: tx.to,
      data: tx.data,
      gasLimit: tx.gasLimit,
      value: 0n,
    };
    const raw = await this.signer.signTransaction(
      fees.priorityFee === null
        ? { ...common, type: 0, gasPrice: fees.maxFee }
        : { ...common, type: 2, maxFeePerGas: fees.maxFee, maxPriorityFeePerGas: fees.priorityFee },
    );
    return { hash: ethers.keccak256(raw), raw };
  }

  private async broadcast(txId: number, raw: string): Promise<void> {
    try {
      await this.provider.broadcastTransaction(raw);
    } catch (error) {
      const message = errorMessage(error);
      if (isKnownOrNonceUsed(error, message)) {
        // The node has it, or the nonce is mined: which one is poll()'s to find out from receipts.
        this.log.debug({ txId, reason: message }, "broadcast refused as known or its nonce used");
      } else if (isRevert(error)) {
        // Hardhat with automine executes the transaction on broadcast and reports its revert, yet mines
        // it; a real node only queues it. Either way poll() finds the receipt.
        this.log.info({ txId, reason: message }, "the node reports the transaction reverted on broadcast");
      } else {
        this.log.error({ txId, reason: message }, "broadcast failed; poll() sends it again");
      }
    }
  }

  private async reconcileNonce(): Promise<void> {
    const { chainId } = await this.provider.getNetwork();
    if (chainId !== this.chainId) {
      throw new Error(`TxManager for chain ${this.chainId} is connected to chain ${chainId}`);
    }
    const [latest, pending] = (
      await Promise.all([
        this.provider.getTransactionCount(this.address, "latest"),
        this.provider.getTransactionCount(this.address, "pending"),
      ])
    ).map(BigInt) as [bigint, bigint];
    const next = await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("account")
        .select("next_nonce")
        .where("chain_id", "=", this.chainId)
        .where("address", "=", this.address)
        .executeTakeFirst();
      if (row === undefined) {
        await trx
          .insertInto("account")
          .values({ chain_id: this.chainId, address: this.address, next_nonce: latest })
          .execute();
        this.log.info({ nonce: latest.toString() }, "new account: nonces start from the chain's count");
        return latest;
      }
      const local = row.next_nonce;
      if (local >= latest) return local;
      await trx
        .updateTable("account")
        .set({ next_nonce: latest })
        .where("chain_id", "=", this.chainId)
        .where("address", "=", this.address)
        .execute();
      this.log.warn(
        { stored: local.toString(), chain: latest.toString() },
        "the chain used nonces this database did not give out (is the key used elsewhere?); continuing from the chain's",
      );
      return latest;
    });
    if (pending > next) {
      this.log.warn(
        { next: next.toString(), pending: pending.toString() },
        "the node holds pending transactions of this account that are not ours; ours will compete for their nonces",
      );
    }
    const inFlight = await this.db
      .selectFrom("tx")
      .select("nonce")
      .where("chain_id", "=", this.chainId)
      .where("sender", "=", this.address)
      .where("state", "=", "pending")
      .where("nonce", ">=", latest)
      .execute();
    const covered = new Set(inFlight.map((row) => row.nonce));
    const gaps: string[] = [];
    for (let nonce = latest; nonce < next && gaps.length < 10; nonce++) {
      if (!covered.has(nonce)) gaps.push(nonce.toString());
    }
    if (gaps.length > 0) {
      // Only a deep reorg under a dropped transaction leaves one; every later transaction waits on it.
      this.log.error({ gaps }, "nonces given out but neither mined nor pending: later transactions cannot be mined");
    }
  }

  private async check(rebroadcastAll: boolean): Promise<void> {
    // Read before any receipt: a nonce counted as used here has its receipt by the time we look.
    const used = BigInt(await this.provider.getTransactionCount(this.address, "latest"));
    // Read after: the head is at or above the block that used the nonce, never below.
    const head = BigInt(await this.provider.getBlockNumber());
    // A transaction taken as final whose nonce the chain no longer counts as used: a reorg deeper than
    // `confirmations` took its block. Every later nonce waits on it, so it is followed (and sent) again.
    const reorged = await this.db
      .updateTable("tx")
      .set({ state: "pending", mined_hash: null, block_number: null, block_hash: null, error: null })
      .where("chain_id", "=", this.chainId)
      .where("sender", "=", this.address)
      .where("state", "in", ["mined", "reverted"])
      .where("nonce", ">=", used)
      .returning(["id", "nonce"])
      .execute();
    for (const tx of reorged) {
      this.log.warn(
        { txId: tx.id, nonce: tx.nonce.toString() },
        "a final transaction left the chain (a reorg deeper than the confirmations); following it again",
      );
    }
    const pending = await this.db
      .selectFrom("tx")
      .selectAll()
      .where("chain_id", "=", this.chainId)
      .where("sender", "=", this.address)
      .where("state", "=", "pending")
      .orderBy("nonce")
      .execute();
    for (const id of this.nonceUsedSince.keys()) {
      if (!pending.some((tx) => tx.id === id)) this.nonceUsedSince.delete(id);
    }
    for (const tx of pending) await this.follow(tx, head, used, rebroadcastAll);
  }

  private async follow(tx: TxRow, head: bigint, used: bigint, rebroadcastAll: boolean): Promise<void> {
    const attempts = await this.attempts(tx.id);
    const last = attempts.at(-1);
    if (last === undefined) throw new Error(`tx ${tx.id} has no attempt`);
    const nonce = tx.nonce;
    if (used > nonce) {
      const receipt = await this.findReceipt(tx.id, attempts);
      if (receipt !== null) {
        this.nonceUsedSince.delete(tx.id);
        await this.mined(tx, receipt, head);
        return;
      }
    }
    // Looked at again after the receipts: a reorg since `used` was read may have freed the nonce.
    if (used > nonce && (await this.nonceStillUsed(nonce))) {
      if (tx.block_hash !== null) {
        this.log.warn({ txId: tx.id, block: tx.block_hash }, "its block left the chain, and its nonce is used");
        await this.clearBlock(tx.id);
      }
      const since = this.nonceUsedSince.get(tx.id) ?? head;
      this.nonceUsedSince.set(tx.id, since);
      if (head - since + 1n < this.confirmations) return;
      const error = `nonce ${nonce} was used by another transaction`;
      await this.db.updateTable("tx").set({ state: "dropped", error }).where("id", "=", tx.id).execute();
      this.nonceUsedSince.delete(tx.id);
      this.log.warn({ txId: tx.id, nonce: nonce.toString() }, "transaction dropped: " + error);
      return;
    }
    this.nonceUsedSince.delete(tx.id);
    if (tx.block_hash !== null) {
      // Its block was reorged out and its nonce is free again: the node may not hold it any more.
      this.log.warn({ txId: tx.id, block: tx.block_hash }, "its block left the chain; sending it again");
      await this.clearBlock(tx.id);
      await this.broadcast(tx.id, last.raw);
      return;
    }
    if (head - last.sent_block >= this.replaceAfterBlocks) {
      if (await this.replace(tx, last, head)) return;
    }
    if (rebroadcastAll || (await this.provider.getTransaction(last.hash)) === null) {
      this.log.info({ txId: tx.id, hash: last.hash }, "sending it again");
      await this.broadcast(tx.id, last.raw);
    }
  }

  /**
   * Whether the chain still counts `nonce` as used. `check` read the count before any receipt; a reorg in between
   * can have taken the block that used it (seen in CI), and then no receipt is found. Without a second look after
   * the receipts, a transaction reorged out would be taken as replaced by another one with its nonce, its block
   * forgotten, and it would not be sent again as a transaction whose block left the chain.
   */
  private async nonceStillUsed(nonce: bigint): Promise<boolean> {
    return BigInt(await this.provider.getTransactionCount(this.address, "latest")) > nonce;
  }

  /** Newest attempt first; a receipt whose block is not (or no longer) canonical does not count. */
  private async findReceipt(
    txId: number,
    attempts: readonly TxAttemptRow[],
  ): Promise<ethers.TransactionReceipt | null> {
    for (const attempt of [...attempts].reverse()) {
      const receipt = await this.provider.getTransactionReceipt(attempt.hash);
      if (receipt === null) continue;
      const block = await this.provider.getBlock(receipt.blockNumber);
      if (block?.hash === receipt.blockHash) return receipt;
      this.log.warn(
        { txId, hash: attempt.hash, block: receipt.blockHash },
        "receipt from a block no longer canonical; ignored",
      );
    }
    return null;
  }

  private async mined(tx: TxRow, receipt: ethers.TransactionReceipt, head: bigint): Promise<void> {
    const block = BigInt(receipt.blockNumber);
    const minedAt = { mined_hash: receipt.hash, block_number: block, block_hash: receipt.blockHash };
    if (head - block + 1n < this.confirmations) {
      if (tx.block_hash !== receipt.blockHash || tx.mined_hash !== receipt.hash) {
        await this.db.updateTable("tx").set(minedAt).where("id", "=", tx.id).execute();
        this.log.info({ txId: tx.id, hash: receipt.hash, block: block.toString() }, "transaction mined, not yet final");
      }
      return;
    }
    const reverted = receipt.status !== 1;
    const error = reverted ? await this.revertReason(tx, receipt) : null;
    await this.db
      .updateTable("tx")
      .set({ ...minedAt, state: reverted ? "reverted" : "mined", error })
      .where("id", "=", tx.id)
      .execute();
    if (reverted) {
      this.log.warn({ txId: tx.id, kind: tx.kind, hash: receipt.hash, error }, "transaction reverted");
    } else {
      this.log.info({ txId: tx.id, kind: tx.kind, hash: receipt.hash, block: block.toString() }, "transaction final");
    }
  }

  /**
   * Replays the call on the state of its block to get the revert data (a
   * receipt has none). The state after the block is the nearer one: a
   * competitor's transaction earlier in the same block is often the reason.
   */
  private async revertReason(tx: TxRow, receipt: ethers.TransactionReceipt): Promise<string> {
    if (receipt.gasUsed >= tx.gas_limit) return `out of gas (used all ${receipt.gasUsed})`;
    try {
      await this.provider.call({
        from: this.address,
        to: tx.to,
        data: tx.data,
        gasLimit: tx.gas_limit,
        blockTag: receipt.blockNumber,
      });
    } catch (error) {
      if (!isRevert(error)) throw error;
      const data = revertData(error);
      if (data === undefined || data === "0x") return "reverted without revert data";
      return this.decodeError(data) ?? `reverted with unknown error data ${data}`;
    }
    return `reverted, but its replay at block ${receipt.blockNumber} does not`;
  }

  /**
   * A new attempt with both fees raised by the bump, or to the network's if
   * higher, within the cap. False if the cap leaves no room for the bump nodes require.
   */
  private async replace(tx: TxRow, last: TxAttemptRow, head: bigint): Promise<boolean> {
    const previous: Fees = { maxFee: last.max_fee, priorityFee: last.priority_fee };
    const data = await this.provider.getFeeData();
    let fees: Fees;
    if (previous.priorityFee === null) {
      fees = { maxFee: max(bump(previous.maxFee, this.bumpBps), data.gasPrice ?? 0n), priorityFee: null };
    } else {
      fees = {
        maxFee: max(bump(previous.maxFee, this.bumpBps), data.maxFeePerGas ?? 0n),
        priorityFee: max(bump(previous.priorityFee, this.bumpBps), data.maxPriorityFeePerGas ?? 0n),
      };
    }
    fees = this.capped(fees);
    const enough =
      fees.maxFee >= bump(previous.maxFee, MIN_BUMP_BPS) &&
      (previous.priorityFee === null || (fees.priorityFee ?? 0n) >= bump(previous.priorityFee, MIN_BUMP_BPS));
    if (!enough) {
      this.log.warn(
        { txId: tx.id, maxFee: previous.maxFee.toString(), cap: this.maxFeePerGasCap?.toString() },
        "not mined, and the fee cap leaves no room for a replacement",
      );
      return false;
    }
    const signed = await this.sign({ nonce: tx.nonce, to: tx.to, data: tx.data, gasLimit: tx.gas_limit }, fees);
    // Stored before broadcast: if this attempt is mined, we must know its hash.
    await this.db
      .insertInto("tx_attempt")
      .values({ ...signed, tx_id: tx.id, ...attemptFees(fees), sent_block: head })
      .execute();
    this.log.info(
      {
        txId: tx.id,
        nonce: tx.nonce.toString(),
        hash: signed.hash,
        replaces: last.hash,
        maxFee: fees.maxFee.toString(),
        priorityFee: fees.priorityFee?.toString(),
      },
      `not mined after ${head - last.sent_block} blocks: replaced with higher fees`,
    );
    await this.broadcast(tx.id, signed.raw);
    return true;
  }

  private async clearBlock(txId: number): Promise<void> {
    await this.db
      .updateTable("tx")
      .set({ mined_hash: null, block_number: null, block_hash: null })
      .where("id", "=", txId)
      .execute();
  }

  /** Fees only rise from one attempt to the next, so the dearest is the last. */
  private async attempts(txId: number): Promise<TxAttemptRow[]> {
    const rows = await this.db.selectFrom("tx_attempt").selectAll().where("tx_id", "=", txId).execute();
    return rows.sort((a, b) => compare(a.max_fee, b.max_fee));
  }
}

function attemptFees(fees: Fees): { max_fee: bigint; priority_fee: bigint | null } {
  return { max_fee: fees.maxFee, priority_fee: fees.priorityFee };
}

/** value raised by bps basis points, rounded up, and by at least 1 wei (a zero tip must rise too). */
function bump(value: bigint, bps: bigint): bigint {
  const raised = (value * (10_000n + bps) + 9_999n) / 10_000n;
  return raised > value ? raised : value + 1n;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * The revert data in a provider error: ethers puts it on `data`, Hardhat's
 * provider too, and some nodes' errors nest it in `error` or `info.error`.
 */
function revertData(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && isRecord(current); depth++) {
    const data = current.data;
    if (typeof data === "string" && ethers.isHexString(data)) return data;
    if (isRecord(data) && typeof data.data === "string" && ethers.isHexString(data.data)) return data.data;
    current = current.error ?? (isRecord(current.info) ? current.info.error : undefined);
  }
  return undefined;
}

/** A call that executed and reverted, as opposed to a call that failed to reach the node. */
function isRevert(error: unknown): boolean {
  return (
    ethers.isError(error, "CALL_EXCEPTION") || revertData(error) !== undefined || /revert/i.test(errorMessage(error))
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The node has this transaction already, or its nonce is used. ethers names
 * the nonce case; Hardhat's "Known transaction" and geth's "already known"
 * reach us only inside ethers' UNKNOWN_ERROR message.
 */
function isKnownOrNonceUsed(error: unknown, message: string): boolean {
  return (
    ethers.isError(error, "NONCE_EXPIRED") ||
    /already known|known transaction|already imported|nonce too low|nonce has already been used/i.test(message)
  );
}
