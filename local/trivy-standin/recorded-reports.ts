import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import picomatch from "picomatch";
import { projectRoot } from "../stack/paths.js";

/** How the stand-in behaves for one image, by repository name or by TRIVY_STANDIN_MODE. */
export type StandInBehaviour =
  | { kind: "report"; file: string }
  /** Pulls, then fails the way Trivy does (FATAL on stderr) with this exit code. */
  | { kind: "exit"; code: number }
  /** Pulls, then never finishes (until killed): a scan that hangs. */
  | { kind: "hang" }
  /** Pulls, waits, then reports: a slow scan. */
  | { kind: "slow"; ms: number; file: string }
  /** Exits 0 with output that is not JSON: a scanner bug. */
  | { kind: "garbage" };

/**
 * Recorded real Trivy reports (copied unchanged from aquasecurity/trivy, integration/testdata; see
 * test/fixtures/trivy/README.md), chosen by repository like the scanner emulator's advisories (local/stack/advisories.ts),
 * so that the queue path shows the same outcomes under the stack's policy (Critical blocks, High and Unknown need a
 * person): `*vulnerable*` → debian-buster.json (a fixable Critical: fails), `*risky*` → gomod.json (Unknown
 * severities: needs approval), everything else → alpine-distroless.json (one Medium: passes). `*broken*` makes the
 * scan exit 1, `*hang*` makes it hang, `*slow*` makes it take a few seconds.
 */
const RULES: Array<{ match: string[]; behaviour: (reports: string) => StandInBehaviour }> = [
  {
    match: ["**/vulnerable*", "vulnerable*"],
    behaviour: (dir) => ({ kind: "report", file: join(dir, "debian-buster.json") }),
  },
  { match: ["**/risky*", "risky*"], behaviour: (dir) => ({ kind: "report", file: join(dir, "gomod.json") }) },
  { match: ["**/broken*", "broken*"], behaviour: () => ({ kind: "exit", code: 1 }) },
  { match: ["**/hang*", "hang*"], behaviour: () => ({ kind: "hang" }) },
  {
    match: ["**/slow*", "slow*"],
    behaviour: (dir) => ({ kind: "slow", ms: 3000, file: join(dir, "alpine-distroless.json") }),
  },
];

export function defaultReportsDir(): string {
  return join(projectRoot(import.meta.dirname), "test", "fixtures", "trivy");
}

/**
 * TRIVY_STANDIN_MODE (tests) wins: `exit:<code>`, `hang`, `slow:<ms>`, `garbage` or `report:<file>`. Then
 * TRIVY_STANDIN_REPORTS, a folder of Trivy JSON reports named `<repository with / as __>.json` (or `default.json`),
 * as GATE_LOCAL_ADVISORIES is for the scanner emulator. Then the built-in rules.
 */
export function behaviourFor(repository: string, env: NodeJS.ProcessEnv = process.env): StandInBehaviour {
  const reports = defaultReportsDir();
  const mode = env.TRIVY_STANDIN_MODE;
  if (mode) {
    const [kind, value = ""] = mode.split(/:(.*)/s);
    if (kind === "exit" && /^\d+$/.test(value)) return { kind: "exit", code: Number(value) };
    if (kind === "hang") return { kind: "hang" };
    if (kind === "slow" && /^\d+$/.test(value))
      return { kind: "slow", ms: Number(value), file: join(reports, "alpine-distroless.json") };
    if (kind === "garbage") return { kind: "garbage" };
    if (kind === "report" && value) return { kind: "report", file: value };
    throw new Error(
      `TRIVY_STANDIN_MODE ${JSON.stringify(mode)} is not exit:<code>, hang, slow:<ms>, garbage or report:<file>`,
    );
  }
  const folder = env.TRIVY_STANDIN_REPORTS;
  if (folder) {
    for (const name of [`${repository.replaceAll("/", "__")}.json`, "default.json"]) {
      if (existsSync(join(folder, name))) return { kind: "report", file: join(folder, name) };
    }
  }
  const rule = RULES.find((r) => picomatch.isMatch(repository, r.match));
  return rule ? rule.behaviour(reports) : { kind: "report", file: join(reports, "alpine-distroless.json") };
}

/**
 * The recorded report, about the image actually scanned: its findings (Results) unchanged, its ArtifactName and
 * RepoDigests those of this image, as Trivy itself writes them for a remote image.
 */
export function recordedReport(file: string, reference: string, repoDigest: string, imageId?: string): string {
  const report = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const metadata = (report.Metadata ?? {}) as Record<string, unknown>;
  report.ArtifactName = reference;
  report.Metadata = { ...metadata, RepoDigests: [repoDigest], ...(imageId ? { ImageID: imageId } : {}) };
  return `${JSON.stringify(report, null, 2)}\n`;
}
