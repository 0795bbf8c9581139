import { expect } from "chai";
import fc from "fast-check";

import { proofHash, type SequenceProof } from "../../off-chain/prover/index.js";
import {
  closeProver,
  postSequences,
  reveal,
  rollupFixture,
  sequenceProof,
  TOKEN,
  type RollupFixture,
} from "../helpers/rollup.js";

/** One step of the fuzzed runs: every path that moves tokens or changes what is owed, the new ones included. */
type Action =
  | { kind: "commit"; miner: number; sequence: number; proof: "own" | "stolen" | "malformed" }
  | { kind: "reveal" | "settle" | "withdrawCommit" | "claim"; miner: number; sequence: number }
  | { kind: "stake" | "requestWithdrawal"; miner: number; amount: number }
  | { kind: "withdraw" | "emergencyExit"; miner: number }
  | { kind: "economics"; missed: number; extra: number }
  | { kind: "emergency" }
  | { kind: "mine"; blocks: number };

const miner = fc.nat(2);
const sequence = fc.nat(2);
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("commit" as const),
      miner,
      sequence,
      proof: fc.constantFrom("own" as const, "own" as const, "stolen" as const, "malformed" as const),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("reveal" as const), miner, sequence }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom("settle" as const, "withdrawCommit" as const, "claim" as const),
      miner,
      sequence,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom("stake" as const, "requestWithdrawal" as const),
      miner,
      amount: fc.integer({ min: 1, max: 200 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("withdraw" as const, "emergencyExit" as const), miner }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("economics" as const),
      missed: fc.integer({ min: 1, max: 40 }),
      extra: fc.integer({ min: 0, max: 40 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("emergency" as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("mine" as const), blocks: fc.integer({ min: 1, max: 30 }) }) },
);

describe("ZkPowRollup: token conservation", function () {
  let f: RollupFixture;

  after(closeProver);

  /** Tokens held == stake + unbonding stake + rewards not yet paid + carry, to the wei. */
  async function expectConserved(sequences: readonly bigint[]): Promise<void> {
    let owed = await f.rollup.carry();
    for (const m of f.miners) {
      const info = await f.rollup.getMiner(m.address);
      owed += info.stake + info.unbonding;
    }
    for (const number of sequences) {
      const reward = await f.rollup.getReward(number);
      if (!reward.split) {
        owed += reward.amount;
        continue;
      }
      const { round } = await f.rollup.getSequence(number);
      for (const m of f.miners) {
        if ((await f.rollup.commitStatus(number, round, m.address)) === 2n) owed += reward.amount;
      }
    }
    expect(await f.token.balanceOf(await f.rollup.getAddress())).to.equal(owed);
  }

  it("Should hold exactly what it owes over random runs of commits, reveals, settlements, withdrawals, claims, economics changes and emergencies", async function () {
    f = await rollupFixture();
    // Real proofs for miners 0 and 1 (miner 2 only ever commits to someone else's proof or a malformed one).
    const proofs = await Promise.all(
      [0, 1].map((m) =>
        Promise.all(f.sequences.map((planned) => sequenceProof(f.l2, planned, f.miners[m]?.address ?? ""))),
      ),
    );
    const proofFor = (m: number, s: number, kind: "own" | "stolen" | "malformed"): SequenceProof => {
      const own = proofs[m === 2 || kind === "stolen" ? (m + 1) % 2 : m]?.[s];
      if (own === undefined) throw new Error("no proof");
      if (kind !== "malformed") return own;
      const [first, ...rest] = own.proofs;
      if (first === undefined) throw new Error("no batch proof");
      return { ...own, proofs: [{ ...first, a: [first.a[0], first.a[1] + 1n] }, ...rest] };
    };

    /** Actions that went through, by kind: the runs must reach the new paths, not only revert. */
    const succeeded = new Map<Action["kind"], number>();
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 20, maxLength: 50 }), async (actions) => {
        f = await rollupFixture();
        const numbers = await postSequences(f);
        /** What each miner committed to in each sequence's current round. */
        const committed = new Map<string, SequenceProof>();
        for (const step of actions) {
          try {
            await perform(step, numbers, committed, proofFor);
            succeeded.set(step.kind, (succeeded.get(step.kind) ?? 0) + 1);
          } catch (error) {
            // Custom-error reverts are part of the run (a window closed, nothing to claim, ...); a panic
            // (an overflow, an underflow) or anything else is a failure.
            if (!/reverted with custom error/.test(String(error))) throw error;
          }
          await expectConserved(numbers);
        }
      }),
      { numRuns: 8, seed: 7 },
    );
    for (const kind of [
      "commit",
      "reveal",
      "claim",
      "withdrawCommit",
      "withdraw",
      "emergencyExit",
      "economics",
    ] as const) {
      expect(succeeded.get(kind) ?? 0, kind).to.be.above(0);
    }
  });

  /** Runs the calls in turn until one goes through; throws the last revert if none does. */
  async function firstThatGoes(calls: readonly (() => Promise<unknown>)[]): Promise<void> {
    let failure: unknown = new Error("reverted with custom error (nothing to do)");
    for (const call of calls) {
      try {
        await call();
        return;
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }

  async function perform(
    step: Action,
    numbers: readonly bigint[],
    committed: Map<string, SequenceProof>,
    proofFor: (m: number, s: number, kind: "own" | "stolen" | "malformed") => SequenceProof,
  ): Promise<void> {
    const account = "miner" in step ? (f.miners[step.miner] ?? expect.fail("no miner")) : f.admin;
    // A step's sequence counts from the oldest unverified one (0: it, 1: the next, ...), so runs reach verifications.
    const verified = await f.rollup.lastVerifiedBatch();
    const head = numbers.findIndex((n) => n > verified);
    const index = "sequence" in step ? Math.min((head < 0 ? numbers.length - 1 : head) + step.sequence, 2) : 0;
    const number = numbers[index] ?? expect.fail("no sequence");
    const key = `${"miner" in step ? step.miner : ""}:${index}`;
    switch (step.kind) {
      case "commit": {
        const proof = proofFor(step.miner, index, step.proof);
        await (await f.rollup.connect(account).commitProofHash(number, proofHash(proof, account.address))).wait();
        committed.set(key, proof);
        return;
      }
      case "reveal": {
        // A miner reveals once T1 has passed, its commits in sequence order, until one goes through.
        await f.helpers.mine(f.commitWindow);
        const reveals = numbers.flatMap((n, i) => {
          const proof = committed.get(`${step.miner}:${i}`);
          const planned = f.sequences[i];
          return proof === undefined || planned === undefined
            ? []
            : [async () => (await reveal(f, account, n, planned, proof)).wait()];
        });
        await firstThatGoes(reveals);
        return;
      }
      case "settle": {
        const { round } = await f.rollup.getSequence(number);
        for (let r = 1n; r <= round; r++) {
          if ((await f.rollup.commitStatus(number, r, account.address)) === 1n) {
            await f.rollup.connect(f.outsider).settleMissedCommit(number, r, account.address);
          }
        }
        return;
      }
      case "withdrawCommit":
        // The miner withdraws what it can, whichever sequence it is in.
        await firstThatGoes(numbers.map((n) => () => f.rollup.connect(account).withdrawCommit(n)));
        return;
      case "claim":
        // A miner claims once the late window has closed.
        await f.helpers.mine(2 * f.revealWindow);
        await firstThatGoes(f.miners.flatMap((m) => numbers.map((n) => () => f.rollup.connect(m).claimReward(n))));
        return;
      case "stake":
        await f.rollup.connect(account).stake(BigInt(step.amount) * TOKEN);
        return;
      case "requestWithdrawal":
        await f.rollup.connect(account).requestWithdrawal(BigInt(step.amount) * TOKEN);
        return;
      case "withdraw":
        await f.helpers.mine(f.unbondingDelay);
        await f.rollup.connect(account).withdraw();
        return;
      case "emergencyExit":
        if (!(await f.rollup.emergencyState())[0]) await f.rollup.connect(f.admin).enterEmergency();
        await f.rollup.connect(account).emergencyExit();
        return;
      case "economics": {
        const missed = BigInt(step.missed) * TOKEN;
        await f.rollup
          .connect(f.admin)
          .setEconomics(f.settings.minimumStake, missed, missed + BigInt(step.extra) * TOKEN, f.settings.batchFee);
        return;
      }
      case "emergency": {
        const [active] = await f.rollup.emergencyState();
        await f.rollup.connect(f.admin)[active ? "leaveEmergency" : "enterEmergency"]();
        return;
      }
      case "mine":
        await f.helpers.mine(step.blocks);
        return;
    }
  }
});
