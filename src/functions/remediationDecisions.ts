import { app, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import { Ajv } from "ajv";
import { APPROVER_ROLE, requireRole } from "../auth/approver-token.js";
import { approverVerifier } from "../auth/approver-settings.js";
import { compositionRoot } from "../composition/root.js";
import { answeringErrors } from "../http/errors.js";
import { problem, readJsonBody } from "../http/json.js";
import { parseImageReference } from "../pipeline/contract/index.js";
import { decideRemediation, RemediationDecisionError, type RemediationDecision } from "../reevaluate/decide.js";
import { reevaluationLine } from "../reevaluate/log-line.js";
import { observeHttp } from "../observability/triggers.js";

const validate = new Ajv({ allErrors: true }).compile<{
  image: string;
  action: RemediationDecision["action"];
  reason: string;
}>({
  type: "object",
  additionalProperties: false,
  required: ["image", "action", "reason"],
  properties: {
    image: { type: "string", maxLength: 600 },
    action: { enum: ["release", "block", "keep"] },
    reason: { type: "string", minLength: 3, maxLength: 2000 },
  },
});

/**
 * POST api/remediation/decisions {image, action: release|block|keep, reason}: a person's decision about a
 * re-evaluated image (docs/reevaluation.md) — re-open an image the gate blocked, or approve (or decline) the block a
 * protected repository asked for. A verified Entra ID bearer token with Quarantine.Approver; 409 when the image is not
 * in the state the decision is for.
 */
export async function remediationDecisions(request: HttpRequest): Promise<HttpResponseInit> {
  return answeringErrors(async () => {
    const approver = await approverVerifier().verify(request.headers.get("authorization"));
    requireRole(approver, APPROVER_ROLE);
    const body = await readJsonBody(request, 16 * 1024);
    if ("error" in body) return body.error;
    if (!validate(body.value))
      return problem(400, "invalid decision", {
        problems: (validate.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message ?? ""}`),
      });
    const image = parseImageReference(body.value.image);
    if (!image) return problem(400, "image must be <loginServer>/<repository>@sha256:<digest>");
    const root = compositionRoot();
    const services = root.reevaluationServices();
    const log = (fields: Record<string, unknown>) => console.info(reevaluationLine(fields));
    try {
      const result = await decideRemediation(
        { store: services.store, enforce: { ...services.enforce, log } },
        {
          image,
          action: body.value.action,
          reason: body.value.reason,
          approver: { objectId: approver.objectId, name: approver.name },
          now: root.clock().toISOString(),
        },
      );
      return { status: 200, jsonBody: { ...result, by: approver.name } };
    } catch (error) {
      if (error instanceof RemediationDecisionError) return problem(409, error.message, { code: error.code });
      throw error;
    }
  });
}

app.http("remediationDecisions", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "remediation/decisions",
  handler: observeHttp("remediation-decision", remediationDecisions),
});
