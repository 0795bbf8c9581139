export { SequencerClient, SequencerApiError, type SubmittedTransfer } from "./client.js";
export { createKeyFile, readKeyFile, KeyFileError, type KeyFile } from "./keystore.js";
