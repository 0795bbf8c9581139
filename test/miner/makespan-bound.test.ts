import { expect } from "chai";

import { makespanLowerBound } from "../../bench/miner-bound.js";

// Proofs of 10 s, T1 of 2 s: each case worked by hand.
const base = { proofSeconds: 10, commitWindowSeconds: 2 } as const;

describe("bench:miner's lower bound", function () {
  it("Should be one proof and one window for a single 1-batch sequence", function () {
    expect(makespanLowerBound({ ...base, sequences: 1, batches: 1, threads: 2 })).to.equal(12);
  });

  it("Should add a T1 for a sequence whose proofs finish together with its predecessor's", function () {
    // 4 x 1 on 2 threads: sequences 3 and 4 are ready at 20; 3 verifies at 22, 4 a T1 later at 24.
    expect(makespanLowerBound({ ...base, sequences: 4, batches: 1, threads: 2 })).to.equal(24);
  });

  it("Should find the order that finishes the first sequence early", function () {
    // 2 x 3 on 2 threads: sequence 1's proofs first (ready at 20), sequence 2's last (ready at 30): 32, which is
    // total / threads + T1; a T1 after sequence 1 (22 + 2) does not bind. Any other order readies sequence 1 later.
    expect(makespanLowerBound({ ...base, sequences: 2, batches: 3, threads: 2 })).to.equal(32);
  });

  it("Should chain the windows when they, not the proofs, are the longer part", function () {
    // Proofs of 1 s, T1 of 5 s: 3 x 1 on 3 threads, all ready at 1: 1 + 5, then +5, +5.
    expect(
      makespanLowerBound({ proofSeconds: 1, commitWindowSeconds: 5, sequences: 3, batches: 1, threads: 3 }),
    ).to.equal(16);
  });

  it("Should refuse a workload with too many orders to try", function () {
    expect(() => makespanLowerBound({ ...base, sequences: 5, batches: 2, threads: 2 })).to.throw(/too many orders/);
  });
});
