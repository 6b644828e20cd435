import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { HarborArtifact } from "./harbor-report.js";
import type { ScanOutcome } from "./scans.js";

/**
 * Findings for `npm start`: `<dir>/<repository with "/" as "__">.json` if present, else `<dir>/default.json`, else a
 * clean report. The files are Trivy JSON reports, e.g. copies of test/fixtures/trivy.
 */
export function reportsFromDirectory(dir: string): (artifact: HarborArtifact) => ScanOutcome {
  return (artifact) => {
    for (const name of [`${artifact.repository.replaceAll("/", "__")}.json`, "default.json"]) {
      const path = join(dir, name);
      if (existsSync(path)) return { trivy: JSON.parse(readFileSync(path, "utf8")) as object };
    }
    return { trivy: { Results: [{ Target: `${artifact.repository}@${artifact.digest}`, Vulnerabilities: [] }] } };
  };
}
