import { formatUnits } from "ethers";

import type { ChainInput, DevnetSummary, SequencePhase } from "./summary.js";
import { sequencePhases } from "./summary.js";

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

function seconds(value: number | null): string {
  return value === null ? "-" : `${Math.round(value)} s`;
}

function describePhase(phase: SequencePhase, head: number, blockTimeSeconds: number): string {
  const left = (block: number) => `${block - head} blocks (~${Math.round((block - head) * blockTimeSeconds)} s)`;
  switch (phase.kind) {
    case "waiting":
      return `waits for sequence ${phase.on}`;
    case "proving":
      return `being proven: no commit yet (one is due within ${left(phase.deadline)})`;
    case "commit":
      return `round ${phase.round}: commit window (T1) closes in ${left(phase.closesAt)}`;
    case "reveal":
      return `round ${phase.round}: reveal window (T2) closes in ${left(phase.closesAt)}`;
    case "stalled":
      return `STALLED: ${phase.why}`;
  }
}

function tokens(amount: string): string {
  const value = Number(formatUnits(amount, 18));
  return value.toFixed(value < 10 ? 2 : 1);
}

function perChain(amounts: Readonly<Record<string, string>>): string {
  const entries = Object.entries(amounts);
  return entries.length === 0 ? "-" : entries.map(([chain, amount]) => `${chain} ${tokens(amount)}`).join(", ");
}

/** One frame of the devnet's terminal dashboard. */
export function renderDashboard(
  chains: readonly ChainInput[],
  summary: DevnetSummary,
  elapsedSeconds: number,
  footer: readonly string[],
): string {
  const lines = [
    `zkpow devnet: ${Math.floor(elapsedSeconds / 60)}m ${Math.floor(elapsedSeconds % 60)}s (Ctrl-C stops it and prints a summary)`,
    "",
  ];
  lines.push(
    ...table([
      [
        "chain",
        "id",
        "head",
        "block",
        "transfers",
        "sequences posted",
        "verified",
        "batches posted",
        "verified",
        "post→verify median",
        "max",
      ],
      ...summary.chains.map((c) => [
        c.name,
        String(c.chainId),
        `#${c.headBlock}`,
        `${c.blockTimeSeconds} s`,
        String(c.transfersAccepted),
        String(c.sequencesPosted),
        String(c.sequencesVerified),
        String(c.batchesPosted),
        String(c.batchesVerified),
        seconds(c.medianSecondsToVerify),
        seconds(c.maxSecondsToVerify),
      ]),
    ]),
  );
  lines.push("");
  for (const chain of chains) {
    const phases = [...sequencePhases(chain.snapshot, chain.windows)];
    const shown = phases.slice(0, 4);
    for (const [sequence, phase] of shown) {
      lines.push(
        `${chain.name} sequence ${sequence}: ${describePhase(phase, chain.snapshot.head, chain.windows.blockTimeSeconds)}`,
      );
    }
    if (phases.length > shown.length) lines.push(`${chain.name}: ${phases.length - shown.length} more unverified`);
  }
  lines.push("");
  lines.push(
    ...table([
      ["miner", "address", "chains", "commits", "valid proofs", "finalised", "penalties", "rewards claimed", "due"],
      ...summary.miners.map((m) => [
        m.name,
        `${m.address.slice(0, 8)}…`,
        m.chains.join(", "),
        String(m.commits),
        String(m.validProofs),
        String(m.finalised),
        String(m.penalties),
        perChain(m.rewards),
        perChain(m.rewardsDue),
      ]),
    ]),
  );
  if (footer.length > 0) lines.push("", ...footer);
  return lines.join("\n");
}
