import {
  countBySeverity,
  type Cvss,
  type Finding,
  type NormalisedReport,
  type Severity,
  type Unscanned,
} from "../findings.js";
import { ReportError } from "./errors.js";
import { digestOfRepoDigest } from "./identity.js";
import type { SchemaNode } from "./keys.js";
import { preview } from "./preview.js";
import { isSeverityName, severityFromCvssScore, severityFromName } from "./severity.js";
import { listOf, reportReader } from "./validate.js";

interface SarifRule {
  id: string;
  properties?: Record<string, unknown>;
}

interface SarifLocation {
  physicalLocation?: { artifactLocation?: { uri?: string } };
  message?: { text?: string };
}

interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  message: { text: string };
  locations?: SarifLocation[] | null;
}

interface SarifRun {
  tool: { driver: { name: string; version?: string; rules?: SarifRule[] | null } };
  results?: SarifResult[] | null;
  invocations?: { executionSuccessful: boolean }[] | null;
  properties?: { imageName?: string; repoDigests?: string[] | null };
}

interface SarifLog {
  version: string;
  runs?: SarifRun[] | null;
}

const result: SchemaNode = {
  type: "object",
  required: ["ruleId", "message"],
  properties: {
    ruleId: { type: "string", minLength: 1 },
    ruleIndex: { type: "integer" },
    message: { type: "object", required: ["text"], properties: { text: { type: "string" } } },
    locations: listOf({
      type: "object",
      properties: {
        physicalLocation: {
          type: "object",
          properties: { artifactLocation: { type: "object", properties: { uri: { type: "string" } } } },
        },
        message: { type: "object", properties: { text: { type: "string" } } },
      },
    }),
  },
};

// SARIF 2.1.0 (OASIS), the parts the gate reads. Property names are matched exactly (keys.ts, mode "exact").
const reader = reportReader<SarifLog>(
  {
    type: "object",
    required: ["version"],
    properties: {
      version: { type: "string" },
      runs: listOf({
        type: "object",
        required: ["tool"],
        properties: {
          tool: {
            type: "object",
            required: ["driver"],
            properties: {
              driver: {
                type: "object",
                required: ["name"],
                properties: {
                  name: { type: "string" },
                  version: { type: "string" },
                  rules: listOf({
                    type: "object",
                    required: ["id"],
                    properties: { id: { type: "string" }, properties: { type: "object" } },
                  }),
                },
              },
            },
          },
          results: listOf(result),
          // SARIF §3.20.14: executionSuccessful is required in an invocation and false when the tool failed.
          invocations: listOf({
            type: "object",
            required: ["executionSuccessful"],
            properties: { executionSuccessful: { type: "boolean" } },
          }),
          // Trivy's run properties: the image it scanned and its repository digests.
          properties: {
            type: "object",
            properties: { imageName: { type: "string" }, repoDigests: listOf({ type: "string" }) },
          },
        },
      }),
    },
  },
  "exact",
  "SARIF",
);

/** Trivy writes each result's facts as "Key: value" lines in the message text; this reads them. */
function messageFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return fields;
}

/** Trivy's location message is "<target>: <package>@<version>". */
function packageFromLocation(location: SarifLocation | undefined): { name: string; version: string } | undefined {
  const text = location?.message?.text;
  if (text === undefined) return undefined;
  const separator = text.lastIndexOf(": ");
  if (separator < 0) return undefined;
  const reference = text.slice(separator + 2);
  const at = reference.lastIndexOf("@");
  return at > 0 ? { name: reference.slice(0, at), version: reference.slice(at + 1) } : undefined;
}

/** Rules of one run, found by index when the result's ruleIndex agrees, else by id through a map built once. */
class RuleLookup {
  private byId: Map<string, SarifRule> | undefined;

  constructor(private readonly rules: readonly SarifRule[]) {}

  find(result: SarifResult): SarifRule | undefined {
    const indexed = result.ruleIndex === undefined ? undefined : this.rules[result.ruleIndex];
    if (indexed?.id === result.ruleId) return indexed;
    if (this.byId === undefined) {
      this.byId = new Map();
      for (const rule of this.rules) if (!this.byId.has(rule.id)) this.byId.set(rule.id, rule);
    }
    return this.byId.get(result.ruleId);
  }
}

function numberProperty(properties: Record<string, unknown> | undefined, key: string): number | undefined {
  const value = properties?.[key];
  const number = typeof value === "string" ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) ? number : undefined;
}

function stringProperty(properties: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = properties?.[key];
  return typeof value === "string" ? value : undefined;
}

/** The named severity (message, then rule tags) wins; a CVSS-derived rating is the fallback; else Unknown. */
function severityOf(fields: Map<string, string>, rule: SarifRule | undefined): Severity {
  const named = fields.get("severity");
  if (named !== undefined && isSeverityName(named)) return severityFromName(named);
  const tags = rule?.properties?.["tags"];
  const tag = Array.isArray(tags)
    ? tags.find((value): value is string => typeof value === "string" && isSeverityName(value))
    : undefined;
  if (tag !== undefined) return severityFromName(tag);
  const score = numberProperty(rule?.properties, "security-severity");
  return score === undefined ? "Unknown" : severityFromCvssScore(score);
}

function cvssOf(rule: SarifRule | undefined): Cvss | undefined {
  const properties = rule?.properties;
  const cvss: Cvss = {};
  const v3Score = numberProperty(properties, "cvssv3_baseScore");
  const v3Vector = stringProperty(properties, "cvssv3_vector");
  const v2Score = numberProperty(properties, "cvssv2_score");
  const v2Vector = stringProperty(properties, "cvssv2_vector");
  if (v3Score !== undefined) cvss.v3Score = v3Score;
  if (v3Vector !== undefined) cvss.v3Vector = v3Vector;
  if (v2Score !== undefined) cvss.v2Score = v2Score;
  if (v2Vector !== undefined) cvss.v2Vector = v2Vector;
  return Object.keys(cvss).length > 0 ? cvss : undefined;
}

function toFinding(run: SarifRun, rules: RuleLookup, result: SarifResult, where: string, withCvss: boolean): Finding {
  const fields = messageFields(result.message.text);
  const location = result.locations?.[0];
  const fromLocation = packageFromLocation(location);
  const name = fields.get("package") || fromLocation?.name;
  const installedVersion = fields.get("installed version") ?? fromLocation?.version;
  if (!name || installedVersion === undefined) {
    throw new ReportError("report-invalid", "The SARIF report does not have the expected shape", [
      `${where}: names no package (only SARIF vulnerability results as Trivy writes them are supported)`,
    ]);
  }
  const rule = rules.find(result);
  const fixedVersion = fields.get("fixed version") ?? "";
  const finding: Finding = {
    vulnerabilityId: result.ruleId,
    aliases: [],
    package: { name, installedVersion },
    severity: severityOf(fields, rule),
    target: location?.physicalLocation?.artifactLocation?.uri ?? run.properties?.imageName ?? "",
    fixable: fixedVersion !== "",
  };
  if (fixedVersion !== "") finding.package.fixedVersion = fixedVersion;
  const cvss = withCvss ? cvssOf(rule) : undefined;
  if (cvss !== undefined) finding.cvss = cvss;
  return finding;
}

/**
 * Whether the log shows a completed scan. SARIF §3.14.23: `results` may be absent only when the tool failed to start
 * or to begin its analysis, and "If the tool did not detect any results, results SHALL be present and SHALL be empty";
 * §3.20.14: an invocation's executionSuccessful is false when the tool failed. A log without runs scanned nothing.
 */
function unscannedOf(runs: readonly SarifRun[]): Unscanned | undefined {
  if (runs.length === 0) return { code: "nothing-scanned", message: "The SARIF log has no runs: nothing was scanned" };
  for (let index = 0; index < runs.length; index += 1) {
    const run = runs[index] as SarifRun;
    if (run.invocations?.some((invocation) => !invocation.executionSuccessful)) {
      return {
        code: "scan-failed",
        message: `SARIF run ${index} says its tool failed (invocations[].executionSuccessful is false)`,
      };
    }
    if (run.results === undefined) {
      return {
        code: "scan-failed",
        message: `SARIF run ${index} has no results: the tool did not run to completion`,
      };
    }
  }
  return undefined;
}

function digestsOf(runs: readonly SarifRun[]): string[] {
  const digests: string[] = [];
  runs.forEach((run, runIndex) => {
    (run.properties?.repoDigests ?? []).forEach((entry, index) => {
      const digest = digestOfRepoDigest(entry, `/runs/${runIndex}/properties/repoDigests/${index}`, "SARIF");
      if (!digests.includes(digest)) digests.push(digest);
    });
  });
  return digests;
}

/**
 * Normalises a SARIF 2.1.0 log as `trivy image -f sarif` writes it. A log that does not show a completed scan is
 * `unscanned` (never clean); its findings, if any, still count. Throws ReportError.
 */
export function normaliseSarif(document: unknown, options: { cvss?: boolean } = {}): NormalisedReport {
  const canonical = reader.canonical(document);
  const version = (canonical as { version?: unknown } | null)?.version;
  if (version !== "2.1.0") {
    throw new ReportError(
      "report-version-unsupported",
      `SARIF version ${preview(version)} is not supported; only 2.1.0 is`,
    );
  }
  const log = reader.validate(canonical);
  const runs = log.runs ?? [];
  const findings: Finding[] = [];
  runs.forEach((run, runIndex) => {
    const rules = new RuleLookup(run.tool.driver.rules ?? []);
    (run.results ?? []).forEach((item, resultIndex) =>
      findings.push(toFinding(run, rules, item, `/runs/${runIndex}/results/${resultIndex}`, options.cvss !== false)),
    );
  });
  const firstRun = runs[0];
  const driver = firstRun?.tool.driver;
  const artifact: NormalisedReport["artifact"] = {};
  const imageName = firstRun?.properties?.imageName;
  if (imageName !== undefined) artifact.name = imageName;
  const digests = digestsOf(runs);
  if (digests.length > 0) {
    artifact.digest = digests[0] as string;
    artifact.digests = digests;
  }
  const normalised: NormalisedReport = {
    format: "sarif",
    scanner:
      driver?.version === undefined
        ? { name: driver?.name ?? "unknown" }
        : { name: driver.name, version: driver.version },
    artifact,
    findings,
    counts: countBySeverity(findings),
  };
  const unscanned = unscannedOf(runs);
  if (unscanned !== undefined) normalised.unscanned = unscanned;
  return normalised;
}
