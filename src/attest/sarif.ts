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

const REASON = /^(?<id>[A-Za-z][A-Za-z0-9._:-]*) \((?<severity>[A-Za-z]+)\)/;

export interface SarifSubject {
  image: string;
  digest: string;
}

export function verdictToSarif(verdict: VerdictSummary | undefined, subject: SarifSubject): SarifLog {
  const rules = new Map<string, SarifRule>();
  const results: SarifRun["results"] = [];
  let other = 0;
  for (const platform of verdict?.platforms ?? []) {
    for (const reason of platform.reasons) {
      const match = REASON.exec(reason);
      const id = match?.groups?.id ?? `acr-quarantine-gate/reason-${++other}`;
      const severity = (match?.groups?.severity ?? "unknown").toLowerCase();
      if (!rules.has(id))
        rules.set(id, {
          id,
          shortDescription: { text: id },
          help: { text: `Severity: ${severity}` },
          properties: { severity },
        });
      results.push({ ruleId: id, level: levelOf(severity, platform.decision), message: { text: reason } });
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
          image: subject.image,
          digest: subject.digest,
          decision: verdict?.decision ?? "none",
          severityCounts: verdict?.severityCounts ?? {},
          findings: verdict?.findings ?? 0,
          policyVersion: verdict?.policyVersion ?? null,
          evaluatedAt: verdict?.evaluatedAt ?? null,
          ...(verdict?.vex ? { vex: verdict.vex } : {}),
        },
      },
    ],
  };
}

function levelOf(severity: string, decision: string): "error" | "warning" | "note" {
  if (severity === "critical" || severity === "high") return "error";
  if (decision === "pass" && severity === "unknown") return "note";
  return severity === "low" || severity === "negligible" ? "note" : "warning";
}
