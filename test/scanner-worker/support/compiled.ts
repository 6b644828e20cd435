import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../support/paths.js";

/** The stand-in `trivy` executable (a shell shim that runs dist/local/trivy-standin/cli.js). */
export const TRIVY_STANDIN = join(projectRoot, "local", "trivy-standin", "trivy");
/** The worker's compiled entry point, which the process-level tests start. */
export const WORKER_MAIN = join(projectRoot, "dist", "scanner-worker", "main.js");

/**
 * The process-level tests run compiled code, as the devhost tests do: `npm test` builds first. Run on their own, they
 * need `npm run build` (and, until the root build includes scanner-worker/, `npx tsc -p scanner-worker/tsconfig.json`).
 * A missing or older-than-source build fails loudly instead of testing stale code.
 */
export function requireCompiled(...pairs: Array<[source: string, compiled: string]>): void {
  for (const [source, compiled] of pairs) {
    const sourcePath = join(projectRoot, source);
    const compiledPath = join(projectRoot, compiled);
    if (!existsSync(compiledPath)) throw new Error(`${compiled} is missing: run npm run build first`);
    if (statSync(compiledPath).mtimeMs < statSync(sourcePath).mtimeMs)
      throw new Error(`${compiled} is older than ${source}: run npm run build first`);
  }
}

export function requireStandIn(): void {
  requireCompiled(
    ["local/trivy-standin/cli.ts", "dist/local/trivy-standin/cli.js"],
    ["local/trivy-standin/registry-pull.ts", "dist/local/trivy-standin/registry-pull.js"],
    ["local/trivy-standin/recorded-reports.ts", "dist/local/trivy-standin/recorded-reports.js"],
  );
}
