import { expect } from "chai";
import { hexlify } from "ethers";

import { readPostedSequences } from "../../off-chain/chain/chain-data.js";
import { decodeBatchData, postedTransfer, type SignedTransfer } from "../../off-chain/l2/index.js";
import type { MinerNetwork } from "../helpers/miner.js";

/** A transfer as the posted data carries it: from, to, amount and R8 (no nonce; S is in the batch's aggregate). */
export function postedKey(t: { from: number; to: number; amount: bigint; R8: bigint }) {
  return `${t.from}:${t.to}:${t.amount}:${t.R8}`;
}

/** How many times each transfer appears in every batch posted on the network's rollup, and the batches' bytes. */
export async function postedOnChain(net: MinerNetwork): Promise<{ counts: Map<string, number>; batches: string[] }> {
  const counts = new Map<string, number>();
  const batches: string[] = [];
  for (const sequence of await readPostedSequences(net.fixture.rollup, net.deploymentBlock)) {
    for (const batch of sequence.batches) {
      batches.push(hexlify(batch.data));
      for (const transfer of decodeBatchData(batch.data, net.fixture.l2.genesis.treeDepth).transfers) {
        counts.set(postedKey(transfer), (counts.get(postedKey(transfer)) ?? 0) + 1);
      }
    }
  }
  return { counts, batches };
}

/** Every accepted transfer is on chain exactly once; no refused one is. */
export async function expectPostedExactlyOnce(
  net: MinerNetwork,
  accepted: readonly SignedTransfer[],
  refused: readonly SignedTransfer[] = [],
): Promise<number> {
  const { counts, batches } = await postedOnChain(net);
  for (const transfer of accepted) {
    expect(
      counts.get(postedKey(postedTransfer(transfer))) ?? 0,
      `transfer ${postedKey(postedTransfer(transfer))} on chain`,
    ).to.equal(1);
  }
  for (const transfer of refused) {
    expect(
      counts.get(postedKey(postedTransfer(transfer))) ?? 0,
      `refused transfer ${postedKey(postedTransfer(transfer))} on chain`,
    ).to.equal(0);
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  expect(total, "transfers on chain").to.equal(accepted.length);
  return batches.length;
}
