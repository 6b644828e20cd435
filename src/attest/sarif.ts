import type { VerdictSummary } from "../pipeline/contract/index.js";

/**
 * The scan report of a decision as SARIF 2.1.0 (OASIS SARIF v2.1.0), in the shape Ratify's vulnerability-report
 * verifier reads (ratify-project/ratify @ b3b34361, plugins/verifier/vulnerabilityreport/vulnerability_report.go): it
 * validates the document against the SARIF 2.1.0 schema, reads runs[0].tool.driver.name (severity rules only for
 * "trivy" and "grype"), requires a ruleId on every result, matches denylisted CVEs on ruleId, and takes a rule's
 * severity from its help text "Severity: <level>".
 *
 * What it is built from: the verdict the pipeline carries through durable history (counts, scanner, policy, and the
 * first decisive reasons, each "<id> (<SEVERITY>) in <package> …"), because reports are judged where they arrive and
 * are not kept (docs/design.md "Reports are judged where they arrive"). So results are the decisive findings the
 * verdict names, not every finding of the scanner; run.properties carries the full severity counts. This limit is
 * written in docs/attestations.md.
 */
export interface SarifLog {
  version: "2.1.0";
  $schema: string;
  runs: SarifRun[];
}

interface SarifRule {
  id: string;
  shortDescription: { text: string };
  help: { text: string };
  properties?: Record<string, unknown>;
}

interface SarifRun {
  tool: { driver: { name: string; informationUri?: string; rules: SarifRule[] } };
  results: Array<{ ruleId: string; level: "error" | "warning" | "note" | "none"; message: { text: string } }>;
  properties: Record<string, unknown>;
}

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** describeReason's finding lines (src/pipeline/reasons.ts): "<id> (<SEVERITY>) in <package>[ <version>] blocks|needs approval …". */
const FINDING_REASON =
  /^(?<id>[A-Za-z][A-Za-z0-9._:-]*) \((?<severity>[A-Za-z]+)\) in (?<pkg>\S+)(?: (?<version>\S+))? (?:blocks|needs approval)/;

export interface SarifSubject {
  image: string;
  digest: string;
}

/**
 * Results are written as Trivy writes them (its message lines "Package:", "Installed Version:", "Vulnerability",
 * "Severity:"; its rule help "Vulnerability <id>\nSeverity: <SEVERITY>"), so the readers of Trivy SARIF, this gate's
 * own included (src/scanning/normalise/sarif.ts), read them. Reasons that are not findings (an unusable report, a
 * policy that wants a person for every image) are not vulnerability results: they go to run.properties.gateReasons.
 */
export function verdictToSarif(verdict: VerdictSummary | undefined, subject: SarifSubject): SarifLog {
  const rules = new Map<string, SarifRule>();
  const results: SarifRun["results"] = [];
  const gateReasons: string[] = [];
  for (const platform of verdict?.platforms ?? []) {
    for (const reason of platform.reasons) {
      const match = FINDING_REASON.exec(reason)?.groups;
      if (!match) {
        gateReasons.push(reason);
        continue;
      }
      const id = match.id!;
      const severity = match.severity!.toUpperCase();
      if (!rules.has(id))
        rules.set(id, {
          id,
          shortDescription: { text: id },
          help: { text: `Vulnerability ${id}\nSeverity: ${severity}` },
          properties: { tags: ["vulnerability", "security", severity] },
        });
      results.push({
        ruleId: id,
        level: levelOf(severity.toLowerCase()),
        message: {
          text: [
            `Package: ${match.pkg}`,
            `Installed Version: ${match.version ?? "unknown"}`,
            `Vulnerability ${id}`,
            `Severity: ${severity}`,
            `Gate: ${reason}`,
          ].join("\n"),
        },
      });
    }
  }
  return {
    version: "2.1.0",
    $schema: SARIF_SCHEMA,
    runs: [
      {
        tool: { driver: { name: verdict?.scanner ?? "acr-quarantine-gate", rules: [...rules.values()] } },
        results,
        properties: {
          // Trivy's own SARIF names the image so (imageName, repoDigests): readers of Trivy SARIF find the subject.
          imageName: subject.image,
          repoDigests: [`${subject.image}@${subject.digest}`],
          decision: verdict?.decision ?? "none",
          severityCounts: verdict?.severityCounts ?? {},
          findings: verdict?.findings ?? 0,
          policyVersion: verdict?.policyVersion ?? null,
          evaluatedAt: verdict?.evaluatedAt ?? null,
          ...(gateReasons.length > 0 ? { gateReasons } : {}),
          ...(verdict?.vex ? { vex: verdict.vex } : {}),
        },
      },
    ],
  };
}

/** Trivy's mapping (CRITICAL/HIGH → error, MEDIUM → warning, LOW/UNKNOWN → note). */
function levelOf(severity: string): "error" | "warning" | "note" {
  if (severity === "critical" || severity === "high") return "error";
  return severity === "medium" ? "warning" : "note";
}
