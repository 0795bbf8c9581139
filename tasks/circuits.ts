import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

interface CircuitsTaskArguments {
  only: string;
}

export default async function circuitsTask(
  args: CircuitsTaskArguments,
  _hre: HardhatRuntimeEnvironment,
): Promise<void> {
  console.log("circuits task: not built yet", args.only);
}
