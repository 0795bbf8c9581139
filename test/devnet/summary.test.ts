import { expect } from "chai";

import type { ChainSnapshot, MinerRecord, SequenceRecord } from "../../off-chain/devnet/observer.js";
import { median, sequencePhases, summarise, type ChainWindows } from "../../off-chain/devnet/summary.js";

const WINDOWS: ChainWindows = { commitWindow: 10, revealWindow: 10, blockTimeSeconds: 2, provingAllowance: 30 };
const ALPHA = "0x00000000000000000000000000000000000000a1";

function sequence(number: number, fields: Partial<SequenceRecord> = {}): SequenceRecord {
  return {
    sequence: BigInt(number),
    lastBatch: BigInt(number),
    batches: 1,
    postedBlock: 100,
    postedAt: 1_000,
    round: 0,
    commitStart: 0,
    ...fields,
  };
}

function snapshot(head: number, sequences: SequenceRecord[], miners = new Map<string, MinerRecord>()): ChainSnapshot {
  return { head, headTime: 0, sequences, miners };
}

function miner(fields: Partial<MinerRecord> = {}): MinerRecord {
  return {
    commits: 0,
    validProofs: 0,
    finalised: 0,
    rejected: 0,
    missed: 0,
    penalties: 0n,
    rewards: 0n,
    rewardsDue: 0n,
    ...fields,
  };
}

describe("Devnet summary", function () {
  it("Should follow a sequence through proving, T1 and T2 and call it stalled only past its windows", function () {
    const phase = (head: number, fields: Partial<SequenceRecord>) =>
      sequencePhases(snapshot(head, [sequence(1, fields)]), WINDOWS).get(1n);
    expect(phase(110, {})).to.deep.equal({ kind: "proving", since: 100, deadline: 130 });
    expect(phase(130, {})?.kind).to.equal("stalled");
    expect(phase(125, { round: 1, commitStart: 120 })).to.deep.equal({ kind: "commit", round: 1, closesAt: 130 });
    expect(phase(130, { round: 1, commitStart: 120 })).to.deep.equal({ kind: "reveal", round: 1, closesAt: 140 });
    expect(phase(140, { round: 1, commitStart: 120 })?.kind).to.equal("stalled");
    // A second round means the first failed, whatever the block.
    expect(phase(121, { round: 2, commitStart: 120 })?.kind).to.equal("stalled");
  });

  it("Should start a sequence's windows when its predecessor is verified, and make later ones wait", function () {
    const sequences = [
      sequence(1, { round: 1, commitStart: 101, verifiedBlock: 150, verifiedAt: 1_100 }),
      // Committed early, while sequence 1 was pending: T1 runs from 150, not 105.
      sequence(2, { round: 1, commitStart: 105 }),
      sequence(3, {}),
    ];
    const phases = sequencePhases(snapshot(155, sequences), WINDOWS);
    expect(phases.has(1n)).to.equal(false);
    expect(phases.get(2n)).to.deep.equal({ kind: "commit", round: 1, closesAt: 160 });
    expect(phases.get(3n)).to.deep.equal({ kind: "waiting", on: 2n });
  });

  it("Should fail the run for a stalled sequence or a penalised miner, and measure post-to-verify times", function () {
    const chain = (sequences: SequenceRecord[], miners = new Map<string, MinerRecord>()) => ({
      name: "bnb",
      chainId: 56,
      windows: WINDOWS,
      snapshot: snapshot(200, sequences, miners),
      transfersAccepted: 4,
    });
    const verified = [
      sequence(1, { postedAt: 1_000, verifiedBlock: 120, verifiedAt: 1_040, batches: 2 }),
      sequence(3, { postedAt: 1_010, verifiedBlock: 140, verifiedAt: 1_070 }),
      sequence(4, { postedAt: 1_020, verifiedBlock: 160, verifiedAt: 1_100 }),
    ];
    const good = summarise(
      [chain(verified, new Map([[ALPHA, miner({ commits: 3, validProofs: 3, rewards: 5n })]]))],
      [{ name: "alpha", address: ALPHA.toUpperCase().replace("0X", "0x"), chains: ["bnb"] }],
      60,
    );
    expect(good.ok).to.equal(true);
    expect(good.chains[0]).to.include({ sequencesVerified: 3, batchesVerified: 4, medianSecondsToVerify: 60 });
    expect(good.miners[0]?.rewards).to.deep.equal({ bnb: "5" });
    expect(good.miners[0]?.rewardsDue).to.deep.equal({ bnb: "0" });

    const stalled = summarise([chain([...verified, sequence(5, { postedBlock: 161, round: 2 })])], [], 60);
    expect(stalled.ok).to.equal(false);
    expect(stalled.problems.join()).to.contain("sequence 5");

    const penalised = summarise(
      [chain(verified, new Map([[ALPHA, miner({ missed: 1, penalties: 10n })]]))],
      [{ name: "alpha", address: ALPHA, chains: ["bnb"] }],
      60,
    );
    expect(penalised.ok).to.equal(false);
    expect(penalised.miners[0]).to.include({ penalties: 1, penaltyAmount: "10" });
  });

  it("Should take the median of an even count as the mean of the middle two", function () {
    expect(median([])).to.equal(null);
    expect(median([5, 1, 3])).to.equal(3);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
  });
});
