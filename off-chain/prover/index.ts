export * from "./errors.js";
export * from "./prover.js";
export * from "./types.js";
export * from "./worker-pool.js";
export * from "./solidity.js";
export * from "./sequence-proof.js";
