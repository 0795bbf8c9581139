import { isAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import type { ZkPowRollup } from "../../types/ethers-contracts/index.js";
import { openRollup, RollupTaskError, runTask, type RollupTaskArguments } from "./shared.js";

export interface RolesTaskArguments extends RollupTaskArguments {
  readonly action: string;
  readonly role: string;
  readonly account: string;
}

/** ZkPowRollup's AccessControl roles, by the name the task takes. */
export const ROLE_NAMES = ["admin", "parameters", "sequencer"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

async function roleId(rollup: ZkPowRollup, role: RoleName): Promise<string> {
  switch (role) {
    case "admin":
      return rollup.DEFAULT_ADMIN_ROLE();
    case "parameters":
      return rollup.PARAMETERS_ROLE();
    case "sequencer":
      return rollup.SEQUENCER_ROLE();
  }
}

function isRoleName(role: string): role is RoleName {
  return (ROLE_NAMES as readonly string[]).includes(role);
}

/**
 * `npx hardhat rollup:roles <show|grant|revoke> --role <admin|parameters|sequencer> --account <address>`:
 * shows which roles an account holds, or grants or revokes one (from an
 * account holding the role's admin role, DEFAULT_ADMIN_ROLE for all three).
 */
export default async function rolesTask(args: RolesTaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask("rollup:roles", async () => {
    if (!["show", "grant", "revoke"].includes(args.action)) {
      throw new RollupTaskError(`unknown action ${JSON.stringify(args.action)}: show, grant or revoke`);
    }
    if (args.account !== "" && !isAddress(args.account)) {
      throw new RollupTaskError(`--account ${JSON.stringify(args.account)} is not an address`);
    }
    const { rollup, signer } = await openRollup(hre, args);
    const account = args.account === "" ? signer.address : args.account;
    if (args.action === "show") {
      for (const role of ROLE_NAMES) {
        console.log(
          `${account} ${(await rollup.hasRole(await roleId(rollup, role), account)) ? "holds" : "does not hold"} ${role}`,
        );
      }
      return;
    }
    if (!isRoleName(args.role)) {
      throw new RollupTaskError(`--role ${JSON.stringify(args.role)} must be one of ${ROLE_NAMES.join(", ")}`);
    }
    if (args.account === "") throw new RollupTaskError(`--account is required to ${args.action} a role`);
    const id = await roleId(rollup, args.role);
    const adminRole = await rollup.getRoleAdmin(id);
    if (!(await rollup.hasRole(adminRole, signer.address))) {
      throw new RollupTaskError(
        `${signer.address} does not hold the admin role of ${args.role}: it cannot ${args.action} it`,
      );
    }
    const holds = await rollup.hasRole(id, account);
    if (args.action === "grant" && holds) throw new RollupTaskError(`${account} already holds ${args.role}`);
    if (args.action === "revoke" && !holds) throw new RollupTaskError(`${account} does not hold ${args.role}`);
    await (await (args.action === "grant" ? rollup.grantRole(id, account) : rollup.revokeRole(id, account))).wait();
    console.log(
      `${args.action === "grant" ? "granted" : "revoked"} ${args.role} ${args.action === "grant" ? "to" : "from"} ${account}`,
    );
  });
}
