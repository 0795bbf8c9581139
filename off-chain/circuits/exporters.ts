import { groth16VerifierExporter, verificationKeyExporter, type Exporter } from "./export.js";
import { sequenceVerifierExporter } from "./export-sequence-verifier.js";

/**
 * What the build exports for every configuration, in this order. Its own
 * file so that an exporter module can import export.ts (for its types and
 * helpers) and be listed here without an import cycle.
 */
export const EXPORTERS: readonly Exporter[] = [
  groth16VerifierExporter,
  verificationKeyExporter,
  sequenceVerifierExporter,
];
