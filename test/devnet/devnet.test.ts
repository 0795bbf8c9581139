import { spawn } from "node:child_process";

import { expect } from "chai";

import type { DevnetSummary } from "../../off-chain/devnet/summary.js";

/**
 * The newcomer's command, as CI runs it: `npm start -- --duration … --json`
 * starts three chains, deploys, runs sequencers, traffic and three miner
 * processes, and prints the summary read from the chains.
 */
describe("Devnet (npm start)", function () {
  it("Should verify sequences on all three chains with no miner penalised, and say so in its JSON summary", async function () {
    const { code, stdout, stderr } = await run([
      "start",
      "--",
      "--duration",
      "3m",
      "--json",
      "--transfer-interval",
      "12s",
    ]);
    expect(code, `npm start failed:\n${stderr}`).to.equal(0);
    const summary = JSON.parse(stdout) as DevnetSummary;
    // The figures a person reads in the summary, kept in the test log.
    console.log(
      `      [devnet] ${JSON.stringify({
        chains: summary.chains.map((c) => [
          c.name,
          `${c.sequencesVerified}/${c.sequencesPosted}`,
          c.medianSecondsToVerify,
        ]),
        miners: summary.miners.map((m) => [m.name, m.validProofs, m.rewards, m.rewardsDue]),
      })}`,
    );
    expect(summary.ok).to.equal(true);
    expect(summary.problems).to.deep.equal([]);
    expect(summary.chains.map((chain) => chain.chainId)).to.deep.equal([1, 56, 137]);
    for (const chain of summary.chains) {
      expect(chain.transfersAccepted, `${chain.name}: transfers accepted`).to.be.greaterThan(0);
      expect(chain.sequencesVerified, `${chain.name}: sequences verified`).to.be.greaterThan(0);
      expect(chain.medianSecondsToVerify, `${chain.name}: time to verify`).to.be.a("number");
    }
    expect(summary.miners.map((miner) => miner.name)).to.deep.equal(["alpha", "beta", "gamma"]);
    for (const miner of summary.miners) {
      expect(miner.penalties, `${miner.name}: penalties`).to.equal(0);
      expect(miner.validProofs, `${miner.name}: valid proofs`).to.be.greaterThan(0);
    }
    // Alpha serves two chains from one process: it committed on both.
    const alpha = summary.miners.find((miner) => miner.name === "alpha");
    expect(alpha?.chains).to.deep.equal(["ethereum", "bnb"]);
  });

  it("Should refuse a duration it cannot read, before starting anything", async function () {
    const { code, stderr } = await run(["start", "--", "--duration", "soon", "--json"]);
    expect(code).to.equal(2);
    expect(stderr).to.contain('--duration must be a duration such as 90s or 3m, got "soon"');
  });
});

function run(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["--silent", ...args], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}
