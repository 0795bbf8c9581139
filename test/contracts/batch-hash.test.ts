import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { network } from "hardhat";

import {
  batchCommitment,
  batchHash,
  dataEvaluation,
  dataPoint,
  loadL2Crypto,
  SNARK_SCALAR_FIELD,
  batchBytes,
  transferBytes,
  type PoseidonHash,
} from "../../off-chain/l2/index.js";

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

  // Posted bytes are whatever the sequencer sent: random bytes exercise every chunk boundary.
  const random = (count: number, treeDepth: number) => new Uint8Array(randomBytes(batchBytes(count, treeDepth)));

  it("Should derive the model's point and evaluation, and hash as the model, for full and partial batches", async function () {
    for (const treeDepth of [4, 24]) {
      for (const batchSize of [1, 2, 3, 4]) {
        for (const count of new Set([1, Math.ceil(batchSize / 2), batchSize])) {
          const data = random(count, treeDepth);
          const expected = batchCommitment(poseidon, 1_001n, data, batchSize, treeDepth);
          const label = `depth ${treeDepth}, ${count}/${batchSize}`;
          const onChain = await harness.commit(1_001n, data, expected.batchHash, batchSize, treeDepth);
          expect([onChain.batchHash, onChain.dataPoint, onChain.dataEvaluation], label).to.deep.equal([
            expected.batchHash,
            expected.dataPoint,
            expected.dataEvaluation,
          ]);
          expect(await harness.hash(1_001n, data, batchSize, treeDepth), label).to.equal(expected.batchHash);
        }
      }
    }
  });

  it("Should evaluate the data it is given whatever batchHash the sequencer posts", async function () {
    const data = random(2, 4);
    const posted = 12345n;
    const onChain = await harness.commit(7n, data, posted, 2, 4);
    expect(onChain.dataPoint).to.equal(dataPoint(posted, data));
    expect(onChain.dataEvaluation).to.equal(dataEvaluation(7n, 2, data, dataPoint(posted, data)));
    // A wrong batchHash moves the point: a proof made for the true one does not open this commitment.
    expect(onChain.dataPoint).to.not.equal(dataPoint(batchHash(poseidon, 7n, data, 2, 4), data));
  });

  it("Should not let the calldata after the batch leak into the evaluation or the hash", async function () {
    // Calldata may carry anything after the data (ABI decoding ignores trailing bytes): append 0xff bytes.
    const data = random(1, 4);
    const expected = batchCommitment(poseidon, 7n, data, 2, 4);
    const provider = harness.runner?.provider;
    const call = async (encoded: string) =>
      (await provider?.call({ to: await harness.getAddress(), data: encoded + "ff".repeat(64) })) ?? "0x";
    const committed = harness.interface.decodeFunctionResult(
      "commit",
      await call(harness.interface.encodeFunctionData("commit", [7n, data, expected.batchHash, 2, 4])),
    );
    const [result] = committed as unknown as [{ dataEvaluation: bigint }];
    expect(result.dataEvaluation).to.equal(expected.dataEvaluation);
    const hashed = await call(harness.interface.encodeFunctionData("hash", [7n, data, 2, 4]));
    expect(BigInt(hashed)).to.equal(expected.batchHash);
  });

  it("Should not take data that is not the aggregate S and whole transfers, empty, or beyond the batch size, nor a batchHash beyond the field", async function () {
    const size = transferBytes(4);
    for (const length of [32 + size + 1, size, 31, 0]) {
      await expect(harness.commit(1n, new Uint8Array(length), 1n, 2, 4), `${length} bytes`)
        .to.be.revertedWithCustomError(harness, "BatchDataNotWholeTransfers")
        .withArgs(length, size);
    }
    await expect(harness.commit(1n, new Uint8Array(32), 1n, 2, 4))
      .to.be.revertedWithCustomError(harness, "BatchSizeOutOfRange")
      .withArgs(0, 2);
    await expect(harness.commit(1n, random(3, 4), 1n, 2, 4))
      .to.be.revertedWithCustomError(harness, "BatchSizeOutOfRange")
      .withArgs(3, 2);
    await expect(harness.commit(1n, random(1, 4), SNARK_SCALAR_FIELD, 2, 4))
      .to.be.revertedWithCustomError(harness, "InvalidBatchHash")
      .withArgs(SNARK_SCALAR_FIELD);
  });
});
