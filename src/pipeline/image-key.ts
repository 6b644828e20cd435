/**
 * Kept for bench/sweep.bench.ts, which imports the instance id from here; everything in src/ imports the contract
 * (./contract/index.js) instead. Remove once the bench does too.
 */
export { imageReference, pipelineInstanceId, type ImageKey } from "./contract/index.js";
