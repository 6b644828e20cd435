import { readFileSync } from "node:fs";

/** This gate's version (package.json), as the VSA's verifier.version says it; "unknown" if the file is not there. */
export function gateVersion(): string {
  // src/attest/version.ts runs as dist/src/attest/version.js: package.json is three folders up (two from src/).
  for (const relative of ["../../../package.json", "../../package.json"]) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (parsed.name === "acr-quarantine-gate" && typeof parsed.version === "string") return parsed.version;
    } catch {
      // try the next place
    }
  }
  return "unknown";
}
