import { QuarantineDetailsBuilder } from "../../acr/index.js";
import { buildQuarantineSummary } from "../../scanning/quarantine-summary.js";
import { SEVERITIES, type SeverityCounts } from "../../scanning/findings.js";
import type { GateServices } from "../services.js";
import type { RegistryDecisionRequest, RegistryDecisionResult } from "../contract/index.js";

/**
 * Writes the decision to ACR — Passed or Failed with quarantineDetails in ACR's schema — and confirms it by reading
 * it back (the client fails the write when the registry does not show the new state).
 */
export async function writeRegistryDecision(
  services: Pick<GateServices, "acr">,
  request: RegistryDecisionRequest,
): Promise<RegistryDecisionResult> {
  const builder = new QuarantineDetailsBuilder()
    .scanner(request.verdict?.scanner ?? "acr-quarantine-gate")
    .state(`${request.state === "Passed" ? "released" : "failed"}: ${request.reason}`.slice(0, 200));
  if (request.statusUrl) builder.link(request.statusUrl);
  if (request.verdict) {
    // A verdict on an unusable report has no counts; ACR's schema still wants a number for every severity.
    const counts = Object.fromEntries(
      SEVERITIES.map((s) => [s, request.verdict!.severityCounts[s] ?? 0]),
    ) as SeverityCounts;
    const summary = buildQuarantineSummary(counts, `policy ${request.verdict.policyVersion}`);
    builder.result({ ...summary, version: request.verdict.evaluatedAt });
  }
  const written = await services.acr
    .registry(request.image.loginServer)
    .setQuarantineState(request.image.repository, request.image.digest, {
      state: request.state,
      details: builder.build(),
    });
  return { confirmedState: written.quarantine.state ?? "" };
}
