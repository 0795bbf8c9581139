/**
 * A de-duplicated priority cache ordered by sequence, lowest first (lower
 * sequences gate everything after them): the Proof Sender's
 * finalProofMsgCache, monitPHTxCache and proofHashCache (MISSION.md). An
 * entry pushed twice is kept once (the later value wins). JavaScript runs
 * one task at a time, so push and pop need no lock: no await sits between a
 * check and its change.
 */
export class PriorityCache<T> {
  private readonly entries = new Map<bigint, T>();

  get size(): number {
    return this.entries.size;
  }

  has(sequence: bigint): boolean {
    return this.entries.has(sequence);
  }

  push(sequence: bigint, value: T): void {
    this.entries.set(sequence, value);
  }

  delete(sequence: bigint): void {
    this.entries.delete(sequence);
  }

  /** Takes the lowest sequence's entry out. */
  pop(): [bigint, T] | undefined {
    const lowest = this.lowest();
    if (lowest === undefined) return undefined;
    const value = this.entries.get(lowest) as T;
    this.entries.delete(lowest);
    return [lowest, value];
  }

  /** The entries, lowest sequence first, left in place. */
  ordered(): [bigint, T][] {
    return [...this.entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private lowest(): bigint | undefined {
    let lowest: bigint | undefined;
    for (const key of this.entries.keys()) if (lowest === undefined || key < lowest) lowest = key;
    return lowest;
  }
}
