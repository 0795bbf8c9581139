import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

import { expect } from "chai";

import type { Miner } from "../../off-chain/miner/miner.js";
import {
  logged,
  minerConfig,
  readLog,
  startMiner,
  startMinerNetwork,
  waitFor,
  type MinerNetwork,
} from "../helpers/miner.js";
import { planSequences } from "../helpers/rollup.js";

interface JsonRpcRequest {
  readonly jsonrpc: string;
  readonly id: number | string;
  readonly method: string;
  readonly params?: unknown[];
}

/**
 * An RPC in front of the simulated chain that can turn into a node lagging
 * behind (no block by number: what one node of a load-balanced RPC answers
 * when it is behind the others) or a failing one (HTTP 503).
 */
class FaultyRpc {
  mode: "ok" | "lagging" | "down" = "ok";
  private readonly server: Server;

  constructor(private readonly upstream: string) {
    this.server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on("end", () => {
        void this.answer(body).then(
          (reply) => {
            if (reply === undefined) {
              response.writeHead(503).end("unavailable");
              return;
            }
            response.writeHead(200, { "content-type": "application/json" }).end(reply);
          },
          (error: unknown) => response.writeHead(500).end(String(error)),
        );
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const address = this.server.address() as AddressInfo | null;
    return `http://127.0.0.1:${address?.port ?? 0}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private async answer(body: string): Promise<string | undefined> {
    if (this.mode === "down") return undefined;
    const parsed = JSON.parse(body) as JsonRpcRequest | JsonRpcRequest[];
    const requests = Array.isArray(parsed) ? parsed : [parsed];
    const replies = await Promise.all(
      requests.map(async (request) => {
        if (this.mode === "lagging" && request.method === "eth_getBlockByNumber") {
          return { jsonrpc: "2.0", id: request.id, result: null };
        }
        const upstream = await fetch(this.upstream, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(request),
        });
        const reply: unknown = await upstream.json();
        return reply;
      }),
    );
    return JSON.stringify(Array.isArray(parsed) ? replies : replies[0]);
  }
}

/** Bad answers from the RPC cost retries, never what the miner stored (a lagging node is not a reorg). */
describe("miner: a faulty RPC", function () {
  let net: MinerNetwork | undefined;
  let rpc: FaultyRpc | undefined;
  let miner: Miner | undefined;

  after(async function () {
    await miner?.stop();
    await rpc?.close();
    await net?.close();
  });

  it("retries through a lagging node and an outage, keeps its proofs, and verifies once the RPC is back", async function () {
    net = await startMinerNetwork({ windowBlocks: 8, intervalMs: 250 });
    rpc = new FaultyRpc(net.url);
    const url = await rpc.listen();
    const { rollup, sequencer, l2 } = net.fixture;
    const [plan] = planSequences(l2, [[[[0, 1, 300n]]]]);
    if (plan === undefined) throw new Error("no plan");

    const config = minerConfig([{ ...net, url }], { dataDir: join(net.dir, "miner"), confirmations: 1 });
    const log = join(net.dir, "miner.log");
    miner = await startMiner(config, 3, log);
    // The miner reads the chain, then its RPC starts answering like a node that is behind.
    await waitFor(
      "the follower to read a block",
      async () => ((await miner?.status())?.chains[0]?.confirmedBlock ?? 0n) > 0n,
    );
    rpc.mode = "lagging";
    await rollup.connect(sequencer).sequenceBatches([...plan.data], [...plan.batchHashes]);
    const lagging = await waitFor("the lag to show in the status", async () => {
      const chain = (await miner?.status())?.chains[0];
      return chain !== undefined && chain.rpcErrors > 0 ? chain : undefined;
    });
    expect(lagging.lastRpcError).to.match(/does not have block/);
    expect(lagging.reorgs).to.equal(0);

    // Back to normal: the sequence is read and proven; then the RPC goes down for a while.
    rpc.mode = "ok";
    await logged(log, "final proof stored");
    rpc.mode = "down";
    await waitFor("the outage to show in the status", async () => {
      const chain = (await miner?.status())?.chains[0];
      return chain !== undefined && chain.rpcErrors > lagging.rpcErrors;
    });
    const during = await miner.status();
    expect(during.chains[0]?.sequences.seen).to.equal(1);
    rpc.mode = "ok";

    await waitFor("sequence 1 verified", async () => (await rollup.lastVerifiedBatch()) === 1n);
    const verified = await rollup.queryFilter(rollup.filters.SequenceVerified(1n));
    expect(verified[0]?.args.miner).to.equal(net.fixture.miners[0]?.address);
    const after = await miner.status();
    expect(after.chains[0]?.reorgs).to.equal(0);
    expect(after.chains[0]?.lastRpcError).to.equal(null);
    // Nothing was lost or redone: one batch proof, one final proof.
    const lines = await readLog(log);
    expect(lines.filter((line) => line.msg === "proved a batch")).to.have.length(1);
    expect(lines.filter((line) => line.msg === "final proof stored")).to.have.length(1);
  });
});
