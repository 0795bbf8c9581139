import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

// Only Hardhat is imported here: hardhat.config.ts loads this file, and the actions' imports (the typechain
// bindings among them) exist only after a compile.
const ROLLUP_OPTION_DESCRIPTIONS = {
  rollup: "The rollup's address (default: ignition/deployments/<deployment id>/deployed_addresses.json)",
  deploymentId: "The Ignition deployment id the rollup is recorded under (default: zkpow-<network>)",
  from: "The account to send from, one of the network's accounts (default: its first)",
} as const;

// The rollup tasks, registered in hardhat.config.ts. Each connects to --network, checks the chain id its RPC
// reports, and (but rollup:deploy) finds the rollup in ignition/deployments/<id>/ unless given --rollup.

function withRollupOptions(builder: ReturnType<typeof task>) {
  return builder
    .addOption({ name: "rollup", description: ROLLUP_OPTION_DESCRIPTIONS.rollup, defaultValue: "" })
    .addOption({ name: "deploymentId", description: ROLLUP_OPTION_DESCRIPTIONS.deploymentId, defaultValue: "" })
    .addOption({ name: "from", description: ROLLUP_OPTION_DESCRIPTIONS.from, defaultValue: "" });
}

const deploy = task(
  "rollup:deploy",
  "Deploy the rollup through its Ignition module (PoseidonT3, the sequence verifier, ZkPowRollup) and publish its genesis",
)
  .addOption({
    name: "genesis",
    description:
      "The L2 genesis file (rollup chain id, tree depth, accounts; off-chain/l2/genesis.ts): its root is the rollup's genesis state root",
    defaultValue: "",
  })
  .addOption({
    name: "parameters",
    description:
      "The parameter file: windows in seconds, amounts in token base units (default: ignition/parameters/<network>.json)",
    defaultValue: "",
  })
  .addOption({
    name: "verifier",
    description:
      "The sequence verifier's contract name (default: the circuit's development verifier, refused off development chains; a ceremony's is <Name>Production)",
    defaultValue: "",
  })
  .addOption({
    name: "zkey",
    description:
      "The final zkey of the circuit's ceremony (required off development chains): the verifier must hold its verification key, checked before and after deploying",
    defaultValue: "",
  })
  .addOption({
    name: "deploymentId",
    description: "The Ignition deployment id (default: zkpow-<network>): the folder ignition/deployments/<id>",
    defaultValue: "",
  })
  .addOption({ name: "from", description: ROLLUP_OPTION_DESCRIPTIONS.from, defaultValue: "" })
  .addFlag({
    name: "allowBlockTimeMismatch",
    description:
      "Deploy even when the chain's recent blocks differ by more than 25 % from the block time the windows are converted with",
  })
  .setAction(() => import("./deploy.js"))
  .build();

const status = withRollupOptions(
  task(
    "rollup:status",
    "Show the rollup's configuration, last batch, last verified batch, open sequences with their windows, and the carry",
  ),
)
  .addOption({
    name: "limit",
    description: "Show at most this many open sequences",
    type: ArgumentType.INT,
    defaultValue: 20,
  })
  .addOption({
    name: "blockTime",
    description: "Seconds per block to show windows in seconds with (default: the chain's, from viem)",
    type: ArgumentType.FLOAT,
    defaultValue: 0,
  })
  .setAction(() => import("./status.js"))
  .build();

const stake = withRollupOptions(
  task("rollup:stake", "Stake tokens for the sending miner (approving the rollup first if needed)"),
)
  .addOption({ name: "amount", description: "The amount in token base units", defaultValue: "" })
  .setAction(() => import("./stake.js"))
  .build();

const withdraw = withRollupOptions(
  task(
    "rollup:withdraw",
    "With --amount, request a withdrawal of stake (it unbonds); without, withdraw the stake whose unbonding delay has passed",
  ),
)
  .addOption({
    name: "amount",
    description: "The stake to start unbonding, in token base units (omit to withdraw what has unbonded)",
    defaultValue: "",
  })
  .setAction(() => import("./withdraw.js"))
  .build();

const economics = withRollupOptions(
  task("rollup:economics", "Set the economics (setEconomics, PARAMETERS_ROLE); options not given keep their value"),
)
  .addOption({
    name: "minimumStake",
    description: "The stake a miner needs to commit (token base units)",
    defaultValue: "",
  })
  .addOption({
    name: "missedProofPenalty",
    description: "Taken from a committer who delivers no valid proof (token base units, above zero)",
    defaultValue: "",
  })
  .addOption({
    name: "invalidProofPenalty",
    description: "Taken from a committer who reveals an invalid proof (token base units, at least the missed one)",
    defaultValue: "",
  })
  .addOption({ name: "batchFee", description: "Paid by the sequencer per batch (token base units)", defaultValue: "" })
  .setAction(() => import("./economics.js"))
  .build();

const pause = withRollupOptions(
  task(
    "rollup:pause",
    "Pause the rollup (DEFAULT_ADMIN_ROLE): no posting and no commits; reveals and withdrawals go on",
  ),
)
  .setAction(() => import("./pause.js"))
  .build();

const unpause = withRollupOptions(task("rollup:unpause", "Unpause the rollup (DEFAULT_ADMIN_ROLE)"))
  .setAction(() => import("./unpause.js"))
  .build();

const roles = withRollupOptions(
  task("rollup:roles", "Show, grant or revoke ZkPowRollup's roles (admin, parameters, sequencer)"),
)
  .addPositionalArgument({ name: "action", description: "show, grant or revoke", defaultValue: "show" })
  .addOption({
    name: "role",
    description: "The role to grant or revoke: admin, parameters or sequencer",
    defaultValue: "",
  })
  .addOption({
    name: "account",
    description:
      "The account to grant the role to, revoke it from, or show the roles of (default for show: the sender)",
    defaultValue: "",
  })
  .setAction(() => import("./roles.js"))
  .build();

export const ROLLUP_TASKS = [deploy, status, stake, withdraw, economics, pause, unpause, roles];
