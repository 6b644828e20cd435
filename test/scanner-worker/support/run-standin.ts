import { execFile } from "node:child_process";
import { TRIVY_STANDIN } from "./compiled.js";

export interface StandInResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the stand-in `trivy` as the worker would (a real process), with the given extra environment. */
export function runStandIn(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<StandInResult> {
  return new Promise((resolve) => {
    execFile(
      TRIVY_STANDIN,
      args,
      { env: { ...process.env, TRIVY_STANDIN_NODE: process.execPath, ...env }, timeout: timeoutMs, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}
