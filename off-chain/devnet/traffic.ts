import { signTransfer, type L2Crypto, type L2Key, type SignedTransfer } from "../l2/index.js";

/** Where generated transfers go: the sequencer's API, through the wallet's client. */
export interface TransferSink {
  /** The account's next nonce as the sequencer counts it (pending transfers included). */
  nextNonce(account: number): Promise<bigint>;
  /** Submits a signed transfer; resolves to its id, rejects with the sequencer's refusal. */
  submit(transfer: SignedTransfer): Promise<string>;
}

export interface TrafficStats {
  accepted: number;
  refused: number;
  lastRefusal?: string;
}

/**
 * L2 users of the devnet: every `intervalMs` one of the genesis accounts sends
 * a small amount to another, signed with its key, through the sequencer. A
 * refusal (the sequencer says why) makes it ask the nonce again next time.
 */
export class TrafficGenerator {
  readonly stats: TrafficStats = { accepted: 0, refused: 0 };
  private readonly nonces = new Map<number, bigint>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private turn = 0;

  constructor(
    private readonly sink: TransferSink,
    private readonly crypto: L2Crypto,
    private readonly keys: readonly L2Key[],
    private readonly rollupChainId: bigint,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    const tick = () => {
      this.inFlight = this.inFlight.then(() => this.send());
      this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, Math.min(1_000, this.intervalMs));
  }

  /** Stops generating; resolves when the transfer in flight (if any) is answered. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private async send(): Promise<void> {
    // Senders take turns, receivers are the next accounts round the ring: no account runs dry.
    const from = this.turn % this.keys.length;
    const to = (from + 1 + (Math.floor(this.turn / this.keys.length) % (this.keys.length - 1))) % this.keys.length;
    this.turn += 1;
    const key = this.keys[from];
    if (key === undefined) return;
    try {
      const nonce = this.nonces.get(from) ?? (await this.sink.nextNonce(from));
      const amount = BigInt(1 + ((this.turn * 7919) % 100));
      const transfer = signTransfer(this.crypto.poseidon, key, this.rollupChainId, { from, to, amount, nonce });
      await this.sink.submit(transfer);
      this.nonces.set(from, nonce + 1n);
      this.stats.accepted += 1;
    } catch (error) {
      this.nonces.delete(from);
      this.stats.refused += 1;
      this.stats.lastRefusal = error instanceof Error ? error.message : String(error);
    }
  }
}
