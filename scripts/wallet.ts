// The L2 wallet: a key file, and a client of the rollup's sequencer.
//
//   npm run wallet -- create --key alice.json        a new key; prints what the genesis needs
//   npm run wallet -- show --account 2               balance and nonce (pending and verified)
//   npm run wallet -- send --key alice.json --account 2 --to 0 --amount 100
//   npm run wallet -- wait <transfer id> [--timeout 10m]
//
// The key file can also come from L2_WALLET_KEY, the account from L2_WALLET_ACCOUNT, and the sequencer's URL
// from --sequencer or SEQUENCER_URL (default http://127.0.0.1:8600). Accounts exist only in the genesis: a
// wallet's account index is its place there.
import { parseArgs } from "node:util";

import parseDuration from "parse-duration";

import { loadL2Crypto, signTransfer, transferMessage } from "../off-chain/l2/index.js";
import { transferId } from "../off-chain/sequencer/wire.js";
import {
  createKeyFile,
  KeyFileError,
  readKeyFile,
  SequencerApiError,
  SequencerClient,
} from "../off-chain/wallet/index.js";

const USAGE = `usage: npm run wallet -- <command> [flags]
  create --key FILE                                 write a new L2 key to FILE (refuses to overwrite)
  show --account N                                  an account's balance and nonce, pending and verified
  send --key FILE --account N --to N --amount N     sign a transfer with the next nonce and submit it
  wait ID [--timeout 10m]                           wait until the transfer is verified on chain
flags: --sequencer URL (or SEQUENCER_URL; default http://127.0.0.1:8600); --key (or L2_WALLET_KEY);
       --account (or L2_WALLET_ACCOUNT)`;

class UsageError extends Error {}

function whole(value: string | undefined, what: string): number {
  if (value === undefined) throw new UsageError(`${what} is required`);
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0)
    throw new UsageError(`${what} must be a whole number, got "${value}"`);
  return number;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      key: { type: "string" },
      account: { type: "string" },
      to: { type: "string" },
      amount: { type: "string" },
      timeout: { type: "string", default: "10m" },
      sequencer: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  const keyFile = values.key ?? process.env.L2_WALLET_KEY;
  const accountFlag = values.account ?? process.env.L2_WALLET_ACCOUNT;
  const client = new SequencerClient(values.sequencer ?? process.env.SEQUENCER_URL ?? "http://127.0.0.1:8600");
  switch (command) {
    case "create": {
      if (keyFile === undefined) throw new UsageError("--key FILE (or L2_WALLET_KEY) names the file to write");
      const key = await createKeyFile(keyFile);
      console.log(`wrote a new L2 key to ${keyFile} (keep it secret: it signs for the account)`);
      console.log("a genesis account for it:");
      console.log(
        JSON.stringify(
          { publicKey: { x: key.publicKey.x.toString(), y: key.publicKey.y.toString() }, balance: "0" },
          null,
          2,
        ),
      );
      return;
    }
    case "show": {
      const account = await client.account(whole(accountFlag, "--account"));
      console.log(JSON.stringify(account, null, 2));
      return;
    }
    case "send": {
      if (keyFile === undefined) throw new UsageError("--key FILE (or L2_WALLET_KEY) is required to sign");
      const from = whole(accountFlag, "--account");
      const to = whole(values.to, "--to");
      if (values.amount === undefined || !/^\d+$/.test(values.amount)) {
        throw new UsageError(`--amount must be a whole number of L2 units, got "${values.amount ?? ""}"`);
      }
      const key = await readKeyFile(keyFile);
      const [account, state] = await Promise.all([client.account(from), client.state()]);
      if (account.publicKey.x !== key.publicKey.x.toString() || account.publicKey.y !== key.publicKey.y.toString()) {
        throw new UsageError(`account ${from}'s public key is not the one in ${keyFile}: check --account`);
      }
      const crypto = await loadL2Crypto();
      const chainId = BigInt(state.rollupChainId);
      const transfer = signTransfer(crypto.poseidon, key, chainId, {
        from,
        to,
        amount: BigInt(values.amount),
        nonce: BigInt(account.pending.nonce),
      });
      const submitted = await client.submitTransfer(transfer);
      if (submitted.id !== transferId(transferMessage(crypto.poseidon, chainId, transfer))) {
        throw new Error(`the sequencer answered id ${submitted.id}, not the signed transfer's`);
      }
      console.log(submitted.id);
      return;
    }
    case "wait": {
      const id = rest[0];
      if (id === undefined) throw new UsageError("wait needs a transfer id");
      const timeout = parseDuration(values.timeout);
      if (timeout === null || timeout <= 0) {
        throw new UsageError(`--timeout must be a duration such as 90s or 10m, got "${values.timeout}"`);
      }
      const transfer = await client.waitVerified(id, timeout);
      console.log(JSON.stringify(transfer, null, 2));
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

try {
  await main();
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`wallet: ${error.message}`);
    console.error(USAGE);
    process.exit(2);
  }
  if (error instanceof SequencerApiError || error instanceof KeyFileError || error instanceof Error) {
    console.error(`wallet: ${error.message}`);
    process.exit(1);
  }
  console.error(`wallet: ${String(error)}`);
  process.exit(1);
}
