import { QuarantineDetailsBuilder, type QuarantineDetails } from "../../acr/index.js";
import { buildQuarantineSummary } from "../../scanning/quarantine-summary.js";
import { SEVERITIES, type SeverityCounts } from "../../scanning/findings.js";
import type { GateServices } from "../services.js";
import type { RegistryDecisionRequest, RegistryDecisionResult } from "../contract/index.js";
import { describeVex } from "./judge-report.js";

/**
 * Writes the decision to ACR — Passed or Failed with quarantineDetails in ACR's schema — idempotently: the manifest is
 * read first and the PATCH is sent only when quarantineState or quarantineDetails differ from what this decision
 * writes, so a second delivery of the same activity (Durable runs activities at least once) sends no second PATCH.
 * The details are built only from the request (no clock), so every delivery builds the same ones. Either way the
 * result is what the registry showed afterwards: the read, or the PATCH's read-back (the client fails the write when
 * it does not show the new state).
 */
export async function writeRegistryDecision(
  services: Pick<GateServices, "acr">,
  request: RegistryDecisionRequest,
): Promise<RegistryDecisionResult> {
  const { attributes, written } = await services.acr
    .registry(request.image.loginServer)
    .ensureQuarantineState(request.image.repository, request.image.digest, {
      state: request.state,
      details: decisionDetails(request),
    });
  return { confirmedState: attributes.quarantine.state ?? "", written };
}

/** quarantineDetails for a decision: a function of the request alone. */
export function decisionDetails(request: RegistryDecisionRequest): QuarantineDetails {
  const builder = new QuarantineDetailsBuilder()
    .scanner(request.verdict?.scanner ?? "acr-quarantine-gate")
    .state(`${request.state === "Passed" ? "released" : "failed"}: ${request.reason}`.slice(0, 200));
  if (request.statusUrl) builder.link(request.statusUrl);
  if (request.verdict) {
    // A verdict on an unusable report has no counts; ACR's schema still wants a number for every severity.
    const counts = Object.fromEntries(
      SEVERITIES.map((s) => [s, request.verdict!.severityCounts[s] ?? 0]),
    ) as SeverityCounts;
    // The description (≤ 1024 characters, cut by the builder) says which policy judged, and what VEX suppressed.
    const vex = request.verdict.vex ? `; ${describeVex(request.verdict.vex)}` : "";
    const summary = buildQuarantineSummary(counts, `policy ${request.verdict.policyVersion}${vex}`);
    builder.result({ ...summary, version: request.verdict.evaluatedAt });
  }
  return builder.build();
}
