import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

import { expect } from "chai";
import hre, { network } from "hardhat";

// The production profile (what Hardhat Ignition builds with) compiles with viaIR, which makes poseidon-solidity's
// PoseidonT3 29,315 bytes, over the EIP-170 limit of 24,576. hardhat.config.ts overrides that one file; this test
// compiles it exactly as the production profile says and deploys the result on a chain that enforces the limit.
const require = createRequire(import.meta.url);
const EIP170_LIMIT = 24_576;
const POSEIDON_T3 = "poseidon-solidity/PoseidonT3.sol";

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<
    string,
    Record<string, { evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

describe("Production build profile", function () {
  it("Should compile PoseidonT3 without viaIR, under the contract size limit, and deploy it", async function () {
    const production = hre.config.solidity.profiles.production;
    expect(production, "a production profile").to.not.equal(undefined);
    const override = production?.overrides[POSEIDON_T3];
    expect(override, `an override for ${POSEIDON_T3}`).to.not.equal(undefined);
    // The rest of the production build keeps viaIR: the override is what keeps this library deployable.
    const viaIR = (settings: unknown) => (settings as { viaIR?: boolean }).viaIR === true;
    expect(production?.compilers.every((compiler) => viaIR(compiler.settings))).to.equal(true);
    expect(viaIR(override?.settings)).to.equal(false);

    const solc = require("solc") as { compile(input: string): string };
    const source = await readFile(require.resolve(POSEIDON_T3), "utf8");
    const output = JSON.parse(
      solc.compile(
        JSON.stringify({
          language: "Solidity",
          sources: { [POSEIDON_T3]: { content: source } },
          settings: {
            ...(override?.settings as Record<string, unknown>),
            outputSelection: { "*": { "*": ["evm.bytecode.object", "evm.deployedBytecode.object"] } },
          },
        }),
      ),
    ) as SolcOutput;
    const errors = (output.errors ?? []).filter((e) => e.severity === "error");
    expect(errors.map((e) => e.formattedMessage)).to.deep.equal([]);
    const artifact = output.contracts[POSEIDON_T3]?.PoseidonT3 ?? expect.fail("no PoseidonT3 in the output");
    const size = artifact.evm.deployedBytecode.object.length / 2;
    expect(size).to.be.below(EIP170_LIMIT);

    const { ethers } = await network.create();
    const [deployer] = await ethers.getSigners();
    const tx = await deployer?.sendTransaction({ data: "0x" + artifact.evm.bytecode.object });
    const receipt = await tx?.wait();
    expect(receipt?.contractAddress).to.be.a("string");
    const code = await ethers.provider.getCode(receipt?.contractAddress ?? "");
    expect((code.length - 2) / 2).to.equal(size);
  });
});
