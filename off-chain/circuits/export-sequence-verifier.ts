import type { VerificationKey } from "snarkjs";

import { PUBLIC_SIGNALS } from "./configurations.js";
import type { ExportContext, Exporter } from "./export.js";
import { provenance } from "./export.js";

/** The contract name of a configuration's batched verifier: SequenceVerifierB2D4 for BatchVerifierB2D4. */
export function sequenceVerifierName(verifierName: string): string {
  return verifierName.replace(/^BatchVerifier/, "SequenceVerifier");
}

type G1 = readonly string[];
type G2 = readonly (readonly string[])[];

const g1 = (point: G1 | undefined, what: string): string[] => {
  const [x, y] = point ?? [];
  if (x === undefined || y === undefined) throw new Error(`verification key: ${what} is not a G1 point`);
  return [x, y];
};

/** snarkjs writes G2 coordinates [c0, c1]; the pairing precompile reads [c1, c0]. */
const g2 = (point: G2 | undefined, what: string): string[] => {
  const [x, y] = point ?? [];
  if (x?.[0] === undefined || x[1] === undefined || y?.[0] === undefined || y[1] === undefined) {
    throw new Error(`verification key: ${what} is not a G2 point`);
  }
  return [x[1], x[0], y[1], y[0]];
};

/**
 * The verifying key as a contract inheriting Groth16BatchVerifier, which checks
 * all batch proofs of a sequence in one pairing check (the rollup's verifier).
 */
export const sequenceVerifierExporter: Exporter = {
  id: "sequence-verifier-v3",
  cacheKeyParts() {
    return Promise.resolve([]);
  },
  generate(context: ExportContext) {
    const key: VerificationKey = context.setup.verificationKey;
    const inputs = PUBLIC_SIGNALS.length;
    if (key.nPublic !== inputs || key.IC.length !== inputs + 1) {
      throw new Error(
        `verification key of ${context.config.name}: expected ${inputs} public signals, got ${key.nPublic}`,
      );
    }
    const name = sequenceVerifierName(context.config.verifierName);
    // The flat layout of Groth16BatchVerifier: alpha1, beta2, gamma2, delta2, IC_0 … IC_n.
    const words = [
      ...g1(key.vk_alpha_1, "vk_alpha_1"),
      ...g2(key.vk_beta_2, "vk_beta_2"),
      ...g2(key.vk_gamma_2, "vk_gamma_2"),
      ...g2(key.vk_delta_2, "vk_delta_2"),
      ...key.IC.flatMap((point, i) => g1(point, `IC[${i}]`)),
    ];
    const content = [
      "// SPDX-License-Identifier: MIT",
      ...provenance(context),
      "pragma solidity ^0.8.28;",
      "",
      `import {Groth16BatchVerifier} from "${context.librariesImport ?? "../libraries/"}Groth16BatchVerifier.sol";`,
      "",
      `/// @title ${name}`,
      `/// @notice Checks the batch proofs of a sequence for Batch(${context.config.batchSize}, ${context.config.treeDepth}) in one call.`,
      `contract ${name} is Groth16BatchVerifier {`,
      "    /// @dev The verifying key of the zkey named above.",
      `    function _verifyingKey() internal pure override returns (uint256[${words.length}] memory vk) {`,
      ...words.map((word, i) => `        vk[${i}] = ${word};`),
      "    }",
      "}",
      "",
    ].join("\n");
    return Promise.resolve([{ fileName: `${name}.sol`, content }]);
  },
};
