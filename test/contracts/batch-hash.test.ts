import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { network } from "hardhat";

import { batchHash, encodeBatchData, loadL2Crypto, type PoseidonHash } from "../../off-chain/l2/index.js";

describe("BatchHash.sol", function () {
  let poseidon: PoseidonHash;
  let harness: Awaited<ReturnType<typeof deploy>>;

  async function deploy() {
    const { ethers } = await network.create();
    const poseidonT3 = await ethers.deployContract("PoseidonT3");
    return ethers.deployContract("BatchHashHarness", [], {
      libraries: { PoseidonT3: await poseidonT3.getAddress() },
    });
  }

  before(async function () {
    poseidon = (await loadL2Crypto()).poseidon;
    harness = await deploy();
  });

  const random = (count: number) =>
    encodeBatchData(
      Array.from({ length: count }, () => ({
        from: randomBytes(4).readUInt32BE(0),
        to: randomBytes(4).readUInt32BE(0),
        amount: randomBytes(8).readBigUInt64BE(0),
      })),
    );

  it("Should compute the model's batchHash for full and partial batches", async function () {
    for (const batchSize of [1, 2, 3, 4, 8]) {
      for (const count of new Set([1, Math.ceil(batchSize / 2), batchSize])) {
        const data = random(count);
        const expected = batchHash(poseidon, 1_001n, data, batchSize);
        expect(await harness.getFunction("compute")(1_001n, data, batchSize), `${count}/${batchSize}`).to.equal(
          expected,
        );
      }
    }
  });

  it("Should not let the calldata after the batch leak into the hash", async function () {
    // Two transfers are exactly 32 bytes: the second chunk's calldataload reads 31 bytes past the data.
    // Calldata may carry anything there (ABI decoding ignores trailing bytes): append 0xff bytes.
    const data = random(2);
    const expected = batchHash(poseidon, 7n, data, 2);
    const call = harness.interface.encodeFunctionData("compute", [7n, data, 2]);
    const raw = await harness.runner?.provider?.call({
      to: await harness.getAddress(),
      data: call + "ff".repeat(64),
    });
    expect(BigInt(raw ?? "0x")).to.equal(expected);
  });

  it("Should not hash data that is not whole transfers, empty, or beyond the batch size", async function () {
    await expect(harness.getFunction("compute")(1n, new Uint8Array(17), 2))
      .to.be.revertedWithCustomError(harness, "BatchDataNotWholeTransfers")
      .withArgs(17);
    await expect(harness.getFunction("compute")(1n, new Uint8Array(0), 2))
      .to.be.revertedWithCustomError(harness, "BatchSizeOutOfRange")
      .withArgs(0, 2);
    await expect(harness.getFunction("compute")(1n, random(3), 2))
      .to.be.revertedWithCustomError(harness, "BatchSizeOutOfRange")
      .withArgs(3, 2);
  });
});
