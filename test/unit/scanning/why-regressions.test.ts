/**
 * One named test per finding of the hostile-input review (issue 13, "Why"), reports side. Each one failed on the code
 * before the fix; they stay so that none of these comes back. They use only the long-standing entry points
 * (tryNormaliseReport, evaluatePolicy), so they judge behaviour, not a new API.
 */
import { describe, expect, it } from "vitest";
import { evaluatePolicy, parsePolicy, type ReportOutcome } from "../../../src/policy/index.js";
import { normaliseSarif, tryNormaliseReport } from "../../../src/scanning/normalise/index.js";
import { fixtureJson, harborReport } from "./fixtures.js";

const DIGEST = "sha256:" + "1".repeat(64);
const OTHER = "sha256:" + "2".repeat(64);

// Nothing blocks on severity, unfixed and unknown findings are ignored: only a report that proves nothing can fail.
const permissive = parsePolicy({
  version: 1,
  defaultRule: { blockAt: "none", requireApprovalAt: "none", ignoreUnfixed: true, unknownSeverity: "ignore" },
});
const strict = parsePolicy({ version: 1 });

function decision(body: string, policy = strict, digest = DIGEST): string {
  const report = tryNormaliseReport(body) as ReportOutcome;
  return evaluatePolicy({ policy, image: { repository: "team-a/api", digest }, report, now: "2025-03-01T00:00:00Z" })
    .decision;
}

interface TrivyLike {
  Metadata?: Record<string, unknown>;
  Results: Record<string, unknown>[];
}
const debian = (): TrivyLike => fixtureJson<TrivyLike>("debian-buster.json");
const sarif = (): { runs: Record<string, unknown>[] } => fixtureJson("alpine-310.sarif.json");

/** Renames one key of an object in place, keeping the key order (Go reads keys in document order). */
function renameKey(object: Record<string, unknown>, from: string, to: string): void {
  const entries = Object.entries(object).map(([key, value]) => [key === from ? to : key, value] as const);
  for (const key of Object.keys(object)) delete object[key];
  for (const [key, value] of entries) object[key] = value;
}

describe("fail-open: a report that should not pass, passes", () => {
  it("a SARIF run whose tool says it failed (executionSuccessful false, results []) is not a pass", () => {
    const log = sarif();
    log.runs[0]!["results"] = [];
    log.runs[0]!["invocations"] = [{ executionSuccessful: false, exitCode: 1 }];
    expect(decision(JSON.stringify(log), permissive)).not.toBe("pass");
  });

  it("Trivy `Results: []` is not a pass, and is judged exactly like an absent Results", () => {
    const empty = { SchemaVersion: 2, ArtifactName: "registry.example/app", Results: [] };
    const absent = { SchemaVersion: 2, ArtifactName: "registry.example/app" };
    expect(decision(JSON.stringify(empty), permissive)).not.toBe("pass");
    expect(decision(JSON.stringify(empty), permissive)).toBe(decision(JSON.stringify(absent), permissive));
  });

  it("Trivy keys that differ only in case are read as Go reads them (`vulnerabilities`, `Vulnerabilitieſ`)", () => {
    for (const variant of ["vulnerabilities", "VULNERABILITIES", "Vulnerabilitieſ"]) {
      const report = debian();
      renameKey(report.Results[0]!, "Vulnerabilities", variant);
      expect(decision(JSON.stringify(report)), variant).toBe("fail");
    }
  });

  it("Harbor `Fix_version` is the fix version (Go decoding), so ignoreUnfixed cannot drop a fixable finding", () => {
    const policy = parsePolicy({ version: 1, defaultRule: { blockAt: "High", ignoreUnfixed: true } });
    const report = harborReport([
      { id: "CVE-2024-1", package: "openssl", version: "3.0.1", Fix_version: "3.0.2", severity: "Critical" },
    ]);
    (report["artifact"] as Record<string, unknown>)["digest"] = DIGEST;
    expect(decision(JSON.stringify(report), policy)).toBe("fail");
  });

  it("the same-image check is not skipped when a RepoDigests entry has no '@'", () => {
    const report = debian();
    report.Results[0]!["Vulnerabilities"] = [];
    report.Metadata = { ...report.Metadata, RepoDigests: [OTHER] };
    expect(decision(JSON.stringify(report), permissive)).not.toBe("pass");
  });

  it("the same-image check is not skipped when SARIF `repoDigests` is a string", () => {
    const log = sarif();
    log.runs[0]!["results"] = [];
    log.runs[0]!["properties"] = { imageName: "registry.example/app", repoDigests: `registry.example/app@${OTHER}` };
    expect(decision(JSON.stringify(log), permissive)).not.toBe("pass");
  });

  it("a CRITICAL leaked key in Trivy `Secrets` blocks", () => {
    const report = debian();
    report.Results[0]!["Vulnerabilities"] = [];
    report.Results.push({
      Target: "/app/config/settings.yaml",
      Class: "secret",
      Secrets: [
        {
          RuleID: "aws-access-key-id",
          Category: "AWS",
          Severity: "CRITICAL",
          Title: "AWS Access Key ID",
          StartLine: 3,
          EndLine: 3,
          Match: "aws_access_key_id: ********************",
        },
      ],
    });
    expect(decision(JSON.stringify(report))).toBe("fail");
  });
});

describe("untyped crashes: every bad report is a typed ReportError", () => {
  it("a non-string SARIF location message is a report-invalid outcome, not a TypeError", () => {
    const log = sarif();
    const results = log.runs[0]!["results"] as { locations: { message: unknown }[] }[];
    results[0]!.locations[0]!.message = { text: 42 };
    const outcome = tryNormaliseReport(JSON.stringify(log));
    expect(outcome).toMatchObject({ ok: false, error: { code: "report-invalid" } });
  });

  it("a deeply nested version value is a typed outcome with a short message, not a RangeError", () => {
    for (const body of [
      `{"SchemaVersion":${"[".repeat(50_000)}${"]".repeat(50_000)},"ArtifactName":"x","Results":[]}`,
      `{"version":${"[".repeat(50_000)}${"]".repeat(50_000)},"runs":[]}`,
    ]) {
      const outcome = tryNormaliseReport(body);
      expect(outcome).toMatchObject({ ok: false, error: { code: "report-version-unsupported" } });
      expect(outcome.ok ? "" : outcome.error.message.length).toBeLessThan(300);
    }
  });
});

describe("slow inputs", () => {
  it("SARIF rules are looked up by index or map, not searched once per result", () => {
    const count = 1_000;
    const rules = Array.from({ length: count }, (_, index) => ({ id: `CVE-2024-${10_000 + index}` }));
    let reads = 0;
    const counted = new Proxy(rules, {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads += 1;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const results = Array.from({ length: count }, (_, index) => ({
      ruleId: `CVE-2024-${10_000 + (count - 1 - index)}`,
      message: { text: `Package: pkg-${index}\nInstalled Version: 1.0\nSeverity: LOW` },
    }));
    normaliseSarif({ version: "2.1.0", runs: [{ tool: { driver: { name: "Trivy", rules: counted } }, results }] });
    // A linear lookup reads each rule a bounded number of times; a search per result reads ~count²/2 times.
    expect(reads).toBeLessThan(20 * count);
  });
});
