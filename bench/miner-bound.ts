/** What the rollup's rules and the machine allow a miner at best, for bench/miner.ts. */
export interface BoundInput {
  readonly sequences: number;
  readonly batches: number;
  readonly threads: number;
  /** One batch proof's time on a prover thread (witness and proof), the same for every batch. */
  readonly proofSeconds: number;
  /** T1 in seconds. */
  readonly commitWindowSeconds: number;
}

/**
 * The earliest the last sequence can be verified, over every order in which the batch proofs can be given to
 * the threads (list scheduling: each proof to the first free thread; proofs are indivisible and single-threaded),
 * under the two rules that bound a sequence's verification:
 * - its reveal comes T1 after its commit, which comes after its last batch proof (at best in the same instant:
 *   the bound counts no wait for a block);
 * - its T1 starts only once its predecessor is verified (docs/protocol.md), so it verifies at least T1 after it.
 *
 * The bound the benchmark first used, total proof time / threads + T1 + a block, ignores the second rule (when
 * the last proofs of two sequences finish together, the later one still waits a T1 after the earlier one) but
 * counts a block of inclusion that a commit may not have to wait for.
 */
export function makespanLowerBound(input: BoundInput): number {
  const { sequences, batches, threads, proofSeconds, commitWindowSeconds } = input;
  const jobs = Array.from({ length: sequences * batches }, (_, i) => Math.floor(i / batches));
  if (jobs.length > 9) throw new Error(`${jobs.length} batch proofs: too many orders to try (at most 9)`);
  let best = Number.POSITIVE_INFINITY;
  for (const order of orders(jobs)) {
    const free = Array.from({ length: threads }, () => 0);
    const ready = Array.from({ length: sequences }, () => 0);
    for (const sequence of order) {
      const thread = free.indexOf(Math.min(...free));
      free[thread] = (free[thread] ?? 0) + proofSeconds;
      ready[sequence] = Math.max(ready[sequence] ?? 0, free[thread] ?? 0);
    }
    let verified = 0;
    for (const at of ready) {
      verified = Math.max(at + commitWindowSeconds, verified + commitWindowSeconds);
    }
    best = Math.min(best, verified);
  }
  return best;
}

/** Every distinct order of `items` (equal items are not told apart). */
function* orders(items: readonly number[]): Generator<number[]> {
  if (items.length === 0) {
    yield [];
    return;
  }
  const seen = new Set<number>();
  for (const [i, item] of items.entries()) {
    if (seen.has(item)) continue;
    seen.add(item);
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of orders(rest)) yield [item, ...tail];
  }
}
