import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";

import { compileCircuit } from "../../off-chain/circuits/compile.js";
import { PRODUCTION_CONFIGS, PUBLIC_SIGNALS } from "../../off-chain/circuits/configurations.js";
import { withLock } from "../../off-chain/circuits/lock.js";
import { makeReporter } from "../../off-chain/circuits/log.js";
import { REPO_ROOT, circuitCacheDir } from "../../off-chain/circuits/paths.js";

// The smallest production configuration: every template at the production
// tree depth, and cheap to compile (about 30-40 s and 0.4 GB on 2 cores, then
// cached by source hash). Any change to the circuit that moves its count moves
// this one, and the committed figures of bench/results/constraints.json must
// then be refreshed with `npm run bench:constraints`.
const CIRCUIT = "b1d24";
const RESULTS = path.join(REPO_ROOT, "bench", "results", "constraints.json");

interface CommittedRow {
  circuit: string;
  constraints: number;
  constraintsSource: string;
}

describe(`production circuit size (${CIRCUIT})`, function () {
  it("compiles to the constraint count committed in bench/results/constraints.json", async function () {
    const committed = JSON.parse(await readFile(RESULTS, "utf8")) as { rows: CommittedRow[] };
    const row = committed.rows.find((r) => r.circuit === CIRCUIT);
    expect(row?.constraintsSource, `${CIRCUIT} in ${RESULTS}`).to.equal("compiled");

    const config = PRODUCTION_CONFIGS.find((c) => c.name === CIRCUIT);
    if (config === undefined) expect.fail(`${CIRCUIT} is not in PRODUCTION_CONFIGS`);
    // The default reporter prints only a cold compile's progress (to stderr), like the other circuit tests.
    const reporter = makeReporter(CIRCUIT);
    const compiled = await withLock(path.join(circuitCacheDir(CIRCUIT), ".lock"), `building ${CIRCUIT}`, reporter, () =>
      compileCircuit(config, reporter),
    );

    expect(compiled.r1cs.nPubInputs).to.equal(PUBLIC_SIGNALS.length);
    expect(
      compiled.r1cs.nConstraints,
      `${CIRCUIT}'s constraint count changed: run \`npm run bench:constraints\` and commit ${RESULTS}`,
    ).to.equal(row?.constraints);
  });
});
