import fc from "fast-check";

import {
  L2Key,
  L2State,
  loadL2Crypto,
  signTransfer,
  type L2Crypto,
  type SignedTransfer,
  type UnsignedTransfer,
} from "../../off-chain/l2/index.js";

/** A small rollup for tests: keys, a genesis state, the rollup's chain id. */
export interface L2Fixture {
  readonly crypto: L2Crypto;
  readonly keys: readonly L2Key[];
  readonly genesis: L2State;
  readonly chainId: bigint;
}

export const TEST_CHAIN_ID = 1_001n;
export const PROVER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
export const OTHER_PROVER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

/** Deterministic keys, so that a failing randomised case can be replayed from its seed. */
export async function l2Fixture(
  treeDepth: number,
  balances: readonly bigint[],
  chainId: bigint = TEST_CHAIN_ID,
): Promise<L2Fixture> {
  const crypto = await loadL2Crypto();
  const keys = balances.map((_, i) => new L2Key(new Uint8Array(32).fill(i + 1)));
  const genesis = L2State.genesis(
    crypto,
    treeDepth,
    keys.map((key, i) => ({ publicKey: key.publicKey, balance: balances[i] ?? 0n })),
  );
  return { crypto, keys, genesis, chainId };
}

export function sign(fixture: L2Fixture, keyIndex: number, transfer: UnsignedTransfer): SignedTransfer {
  const key = fixture.keys[keyIndex];
  if (key === undefined) throw new RangeError(`no test key ${keyIndex}`);
  return signTransfer(fixture.crypto.poseidon, key, fixture.chainId, transfer);
}

/** One transfer the generator asks for: indices into the accounts, and a share of the sender's balance. */
export interface TransferChoice {
  readonly from: number;
  readonly to: number;
  /** Parts per million of the sender's balance; 1_000_000 sends everything. */
  readonly sharePpm: number;
}

export function transferChoices(accounts: number, maxLength: number): fc.Arbitrary<TransferChoice[]> {
  return fc.array(
    fc.record({
      from: fc.nat({ max: accounts - 1 }),
      to: fc.nat({ max: accounts - 1 }),
      sharePpm: fc.oneof(fc.constant(0), fc.constant(1_000_000), fc.nat({ max: 1_000_000 })),
    }),
    { maxLength },
  );
}

/** Turns choices into valid signed transfers, applied in order to `state`'s balances and nonces. */
export function validTransfers(
  fixture: L2Fixture,
  state: L2State,
  choices: readonly TransferChoice[],
): SignedTransfer[] {
  const transfers: SignedTransfer[] = [];
  let current = state;
  for (const choice of choices) {
    const sender = current.account(choice.from);
    if (sender === undefined) throw new RangeError(`no account ${choice.from}`);
    const amount = (sender.balance * BigInt(choice.sharePpm)) / 1_000_000n;
    const transfer = sign(fixture, choice.from, { from: choice.from, to: choice.to, amount, nonce: sender.nonce });
    current = current.applySigned([transfer], fixture.chainId).state;
    transfers.push(transfer);
  }
  return transfers;
}
