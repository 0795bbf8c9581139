import type { PoseidonHash } from "./crypto.js";

// Index arithmetic is plain division, never JavaScript's bit operators: those
// work on 32-bit signed integers and would compute wrong paths in trees deeper
// than 31 levels.
const parent = (position: number): number => Math.floor(position / 2);
const sibling = (position: number): number => (position % 2 === 0 ? position + 1 : position - 1);

/**
 * A binary Poseidon Merkle tree of fixed depth, stored sparsely: only the
 * nodes above written leaves are kept, every other node is the empty subtree
 * of its level. An empty leaf is 0 (circuits/lib/account.circom says why).
 * The circuit's MerkleRoot template folds paths the same way: at level l the
 * node is the right child iff bit l of the index is 1.
 */
export class MerkleTree {
  private readonly levels: Map<number, bigint>[];
  private readonly zeros: bigint[];

  constructor(
    private readonly poseidon: PoseidonHash,
    readonly depth: number,
    zeros?: bigint[],
    levels?: Map<number, bigint>[],
  ) {
    this.zeros = zeros ?? MerkleTree.emptySubtrees(poseidon, depth);
    this.levels = levels ?? Array.from({ length: depth + 1 }, () => new Map<number, bigint>());
  }

  /** zeros[l] is the root of an empty subtree of height l. */
  private static emptySubtrees(poseidon: PoseidonHash, depth: number): bigint[] {
    const zeros = [0n];
    for (let level = 0; level < depth; level++) {
      const below = zeros[level] ?? 0n;
      zeros.push(poseidon([below, below]));
    }
    return zeros;
  }

  get capacity(): number {
    return 2 ** this.depth;
  }

  get root(): bigint {
    return this.node(this.depth, 0);
  }

  leaf(index: number): bigint {
    this.checkIndex(index);
    return this.node(0, index);
  }

  /** The sibling of each node on the path from leaf `index` to the root, leaf level first. */
  siblings(index: number): bigint[] {
    this.checkIndex(index);
    const path: bigint[] = [];
    let position = index;
    for (let level = 0; level < this.depth; level++) {
      path.push(this.node(level, sibling(position)));
      position = parent(position);
    }
    return path;
  }

  set(index: number, leaf: bigint): void {
    this.checkIndex(index);
    let position = index;
    let node = leaf;
    this.levels[0]?.set(position, node);
    for (let level = 0; level < this.depth; level++) {
      const other = this.node(level, sibling(position));
      node = position % 2 === 0 ? this.poseidon([node, other]) : this.poseidon([other, node]);
      position = parent(position);
      this.levels[level + 1]?.set(position, node);
    }
  }

  clone(): MerkleTree {
    return new MerkleTree(
      this.poseidon,
      this.depth,
      this.zeros,
      this.levels.map((level) => new Map(level)),
    );
  }

  private node(level: number, position: number): bigint {
    return this.levels[level]?.get(position) ?? this.zeros[level] ?? 0n;
  }

  private checkIndex(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.capacity) {
      throw new RangeError(`leaf index ${index} is outside a tree of depth ${this.depth}`);
    }
  }
}

/** The root from a leaf and its path, as the circuit computes it; for checking proofs off-chain. */
export function rootFromPath(poseidon: PoseidonHash, leaf: bigint, index: number, siblings: readonly bigint[]): bigint {
  let node = leaf;
  let position = index;
  for (const other of siblings) {
    node = position % 2 === 0 ? poseidon([node, other]) : poseidon([other, node]);
    position = parent(position);
  }
  return node;
}
