import type { AttestDecisionInput, AttestDecisionResult } from "../pipeline/contract/index.js";
import { attestDecision, decisionIdOf } from "./attest-decision.js";
import type { AttestationServices } from "./services.js";

/**
 * The attestDecision activity's work: reads the subject's descriptor (media type and size, from the manifest by
 * digest with the gate's own pull right) and pushes the two referrers. Throws on failure (the activity is retried).
 */
export async function attestDecisionStep(
  services: AttestationServices | undefined,
  input: AttestDecisionInput,
): Promise<AttestDecisionResult> {
  const { outcome } = input;
  if (outcome.result !== "Passed" && outcome.result !== "Failed") return { state: "not-final" };
  if (!services) return { state: "disabled" };
  const ctx = await services.context();
  const registry = services.registry(input.image.loginServer);
  const manifest = await registry.manifest(input.image.repository, input.image.digest);
  const mediaType =
    (JSON.parse(manifest.toString("utf8")) as { mediaType?: string }).mediaType ??
    "application/vnd.oci.image.manifest.v1+json";
  const key = input.decisionKey ?? { scope: input.instanceId, identity: input.at };
  return attestDecision(ctx, {
    image: input.image,
    subject: { mediaType, size: manifest.length },
    outcome: { ...outcome, result: outcome.result },
    decisionId: decisionIdOf(key.scope, key.identity),
    at: input.at,
  });
}
