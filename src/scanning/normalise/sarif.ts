import { countBySeverity, type Cvss, type Finding, type NormalisedReport, type Severity } from "../findings.js";
import { ReportError } from "./errors.js";
import { isSeverityName, severityFromCvssScore, severityFromName } from "./severity.js";
import { assertReportShape, compileReportSchema } from "./validate.js";

interface SarifRule {
  id: string;
  properties?: Record<string, unknown>;
}

interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  message: { text: string };
  locations?: {
    physicalLocation?: { artifactLocation?: { uri?: string } };
    message?: { text?: string };
  }[];
}

interface SarifRun {
  tool: { driver: { name: string; version?: string; rules?: SarifRule[] } };
  results: SarifResult[];
  properties?: { imageName?: string; repoDigests?: string[] | null };
}

interface SarifLog {
  version: string;
  runs: SarifRun[];
}

const validateSarif = compileReportSchema<SarifLog>({
  type: "object",
  required: ["version", "runs"],
  properties: {
    version: { type: "string" },
    runs: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        // SARIF leaves `results` out when a tool did not run to completion; that is no evidence of a clean image.
        required: ["tool", "results"],
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
                  rules: {
                    type: "array",
                    items: {
                      type: "object",
                      required: ["id"],
                      properties: { id: { type: "string" }, properties: { type: "object" } },
                    },
                  },
                },
              },
            },
          },
          results: {
            type: "array",
            items: {
              type: "object",
              required: ["ruleId", "message"],
              properties: {
                ruleId: { type: "string", minLength: 1 },
                ruleIndex: { type: "integer" },
                message: { type: "object", required: ["text"], properties: { text: { type: "string" } } },
                locations: { type: "array" },
              },
            },
          },
          properties: { type: "object" },
        },
      },
    },
  },
});

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
function packageFromLocation(result: SarifResult): { name: string; version: string } | undefined {
  const text = result.locations?.[0]?.message?.text;
  const separator = text?.lastIndexOf(": ") ?? -1;
  if (text === undefined || separator < 0) return undefined;
  const reference = text.slice(separator + 2);
  const at = reference.lastIndexOf("@");
  return at > 0 ? { name: reference.slice(0, at), version: reference.slice(at + 1) } : undefined;
}

function ruleFor(run: SarifRun, result: SarifResult): SarifRule | undefined {
  const rules = run.tool.driver.rules ?? [];
  const indexed = result.ruleIndex === undefined ? undefined : rules[result.ruleIndex];
  return indexed?.id === result.ruleId ? indexed : rules.find((rule) => rule.id === result.ruleId);
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

function toFinding(run: SarifRun, result: SarifResult, where: string): Finding {
  const fields = messageFields(result.message.text);
  const fromLocation = packageFromLocation(result);
  const name = fields.get("package") || fromLocation?.name;
  const installedVersion = fields.get("installed version") ?? fromLocation?.version;
  if (!name || installedVersion === undefined) {
    throw new ReportError("report-invalid", "The SARIF report does not have the expected shape", [
      `${where}: names no package (only SARIF vulnerability results as Trivy writes them are supported)`,
    ]);
  }
  const rule = ruleFor(run, result);
  const fixedVersion = fields.get("fixed version") ?? "";
  const finding: Finding = {
    vulnerabilityId: result.ruleId,
    aliases: [],
    package: { name, installedVersion },
    severity: severityOf(fields, rule),
    target: result.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? run.properties?.imageName ?? "",
    fixable: fixedVersion !== "",
  };
  if (fixedVersion !== "") finding.package.fixedVersion = fixedVersion;
  const cvss = cvssOf(rule);
  if (cvss !== undefined) finding.cvss = cvss;
  return finding;
}

/** Normalises a SARIF 2.1.0 log as `trivy image -f sarif` writes it. Throws ReportError. */
export function normaliseSarif(document: unknown): NormalisedReport {
  const version = (document as { version?: unknown } | null)?.version;
  if (version !== "2.1.0") {
    throw new ReportError(
      "report-version-unsupported",
      `SARIF version ${JSON.stringify(version)} is not supported; only 2.1.0 is`,
    );
  }
  assertReportShape(validateSarif, document, "SARIF");
  const findings: Finding[] = [];
  document.runs.forEach((run, runIndex) => {
    run.results.forEach((result, resultIndex) =>
      findings.push(toFinding(run, result, `/runs/${runIndex}/results/${resultIndex}`)),
    );
  });
  const firstRun = document.runs[0];
  const driver = firstRun?.tool.driver;
  const repoDigest = firstRun?.properties?.repoDigests?.[0];
  const artifact: NormalisedReport["artifact"] = {};
  const imageName = firstRun?.properties?.imageName;
  if (typeof imageName === "string") artifact.name = imageName;
  if (typeof repoDigest === "string" && repoDigest.includes("@"))
    artifact.digest = repoDigest.slice(repoDigest.lastIndexOf("@") + 1);
  return {
    format: "sarif",
    scanner:
      driver?.version === undefined
        ? { name: driver?.name ?? "unknown" }
        : { name: driver.name, version: driver.version },
    artifact,
    findings,
    counts: countBySeverity(findings),
  };
}
