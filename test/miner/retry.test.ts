import { expect } from "chai";

import { isTransientRpcError, retryTransient } from "../../off-chain/miner/chain.js";
import { MinerConfigError } from "../../off-chain/miner/config.js";

function failure(code: string, message = `connect ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

/** Start-up calls to the RPC are asked again when the connection failed on the way, and only then. */
describe("miner: transient RPC failures", function () {
  this.timeout(20_000);
  it("tells a connection reset or timeout from a refused connection and from an answer", function () {
    expect(isTransientRpcError(failure("ECONNRESET"))).to.equal(true);
    expect(isTransientRpcError(failure("TIMEOUT"))).to.equal(true);
    expect(isTransientRpcError(new Error("socket hang up"))).to.equal(true);
    expect(isTransientRpcError(failure("ECONNREFUSED"))).to.equal(false);
    expect(isTransientRpcError(failure("CALL_EXCEPTION", "execution reverted"))).to.equal(false);
    expect(isTransientRpcError(new MinerConfigError("chain a: wrong chain id"))).to.equal(false);
    expect(isTransientRpcError("ECONNRESET")).to.equal(false);
  });

  it("asks again after a reset, and gives up after the last attempt with the last error", async function () {
    let calls = 0;
    const value = await retryTransient(() => {
      calls += 1;
      return calls < 3 ? Promise.reject(failure("ECONNRESET")) : Promise.resolve("answer");
    });
    expect(value).to.equal("answer");
    expect(calls).to.equal(3);

    calls = 0;
    const error = await retryTransient(() => {
      calls += 1;
      return Promise.reject(failure("ECONNRESET", `reset ${calls}`));
    }, 2).catch((e: unknown) => e);
    expect(calls).to.equal(2);
    expect((error as Error).message).to.equal("reset 2");
  });

  it("does not ask again when nothing listens or the answer is a refusal", async function () {
    for (const refusal of [failure("ECONNREFUSED"), new MinerConfigError("chain a: no stake")]) {
      let calls = 0;
      const error = await retryTransient(() => {
        calls += 1;
        return Promise.reject(refusal);
      }).catch((e: unknown) => e);
      expect(error).to.equal(refusal);
      expect(calls).to.equal(1);
    }
  });
});
