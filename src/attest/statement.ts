import type { PipelineOutcome } from "../pipeline/contract/index.js";

/**
 * The gate's decision as an in-toto Statement v1 (in-toto/attestation, spec/v1/statement.md: `_type`
 * https://in-toto.io/Statement/v1, `subject` [{name, digest}], `predicateType`, `predicate`) with the SLSA
 * Verification Summary predicate (slsa-framework/slsa, docs/spec/v1.0/verification_summary.md; predicateType
 * https://slsa.dev/verification_summary/v1): `verifier.id` (+ `version`), `timeVerified`, `resourceUri`,
 * `policy` {uri, digest}, `inputAttestations` [{uri, digest}], `verificationResult` PASSED | FAILED,
 * `verifiedLevels`, `slsaVersion`. What VSA has no field for (who decided, an override and its reason, the verdict in
 * brief) is in `gateDecision`; VSA's parsing rules have consumers ignore fields they do not know.
 */
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const VSA_PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1";

export interface DecisionStatement {
  _type: typeof STATEMENT_TYPE;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: typeof VSA_PREDICATE_TYPE;
  predicate: {
    verifier: { id: string; version: Record<string, string> };
    timeVerified: string;
    resourceUri: string;
    policy: { uri: string; digest?: { sha256: string } };
    inputAttestations: Array<{ uri: string; digest: { sha256: string }; mediaType: string }>;
    verificationResult: "PASSED" | "FAILED";
    verifiedLevels: string[];
    slsaVersion: "1.0";
    gateDecision: {
      state: "Passed" | "Failed";
      decidedBy: string;
      reason: string;
      override: boolean;
      verdict?: {
        decision: string;
        severityCounts: Record<string, number>;
        findings: number;
        scanner: string;
        policyVersion: string;
        evaluatedAt: string;
      };
    };
  };
}

export interface StatementFacts {
  loginServer: string;
  repository: string;
  digest: string;
  outcome: PipelineOutcome & { result: "Passed" | "Failed" };
  verifierId: string;
  gateVersion: string;
  at: string;
  policy: { version: string; sha256?: string };
  report: { uri: string; sha256: string; mediaType: string };
}

/** Custom levels (VSA allows them; SLSA_ is reserved for SLSA's tracks): the gate checks its policy, not a build track. */
export const LEVEL_PASSED = "ACR_QUARANTINE_GATE_POLICY_PASSED";
export const LEVEL_OVERRIDDEN = "ACR_QUARANTINE_GATE_OVERRIDDEN";

export function decisionStatement(facts: StatementFacts): DecisionStatement {
  const { outcome } = facts;
  const passed = outcome.result === "Passed";
  const hex = facts.digest.replace(/^sha256:/, "");
  const verdict = outcome.verdict;
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: `${facts.loginServer}/${facts.repository}`, digest: { sha256: hex } }],
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: facts.verifierId, version: { "acr-quarantine-gate": facts.gateVersion } },
      timeVerified: facts.at,
      resourceUri: `oci://${facts.loginServer}/${facts.repository}@${facts.digest}`,
      policy: {
        uri: `${facts.verifierId}/policy/${facts.policy.version}`,
        ...(facts.policy.sha256 ? { digest: { sha256: facts.policy.sha256 } } : {}),
      },
      inputAttestations: [
        { uri: facts.report.uri, digest: { sha256: facts.report.sha256 }, mediaType: facts.report.mediaType },
      ],
      verificationResult: passed ? "PASSED" : "FAILED",
      verifiedLevels: passed ? [outcome.override ? LEVEL_OVERRIDDEN : LEVEL_PASSED] : [],
      slsaVersion: "1.0",
      gateDecision: {
        state: outcome.result,
        decidedBy: outcome.decidedBy,
        reason: outcome.reason,
        override: outcome.override === true,
        ...(verdict
          ? {
              verdict: {
                decision: verdict.decision,
                severityCounts: verdict.severityCounts,
                findings: verdict.findings,
                scanner: verdict.scanner,
                policyVersion: verdict.policyVersion,
                evaluatedAt: verdict.evaluatedAt,
              },
            }
          : {}),
      },
    },
  };
}
