import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { Ajv } from "ajv";
import { APPROVER_ROLE, READ_ROLES, requireAnyRole, requireRole } from "../auth/approver-token.js";
import { approverVerifier } from "../auth/approver-settings.js";
import { compositionRoot } from "../composition/root.js";
import { answeringErrors } from "../http/errors.js";
import { problem, readJsonBody } from "../http/json.js";
import { DecisionNotCountedError } from "../pipeline/approval-ledger-errors.js";
import { decide, listPendingApprovals, type DecisionRequest } from "../pipeline/approvals.js";
import { isPipelineInstanceId } from "../pipeline/contract/index.js";
import { observeHttp } from "../observability/triggers.js";

const validateDecision = new Ajv({ allErrors: true }).compile<DecisionRequest>({
  type: "object",
  additionalProperties: false,
  required: ["approve", "reason"],
  properties: {
    approve: { type: "boolean" },
    reason: { type: "string", minLength: 3, maxLength: 2000 },
    justification: { type: "string", maxLength: 4000 },
    verdictId: { type: "string", minLength: 1, maxLength: 100 },
    // ISO 8601 duration, checked against the policy by the domain (400 ERR_BREAK_GLASS_EXPIRY_*).
    expiresIn: { type: "string", minLength: 1, maxLength: 40 },
  },
});

/**
 * Approvals by people. Identity comes only from a verified Entra ID bearer token (roles Quarantine.Approver and, for
 * break-glass, Quarantine.Override); headers such as x-ms-client-principal are never trusted.
 */
export async function approvals(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return answeringErrors(async () => {
    const approver = await approverVerifier().verify(request.headers.get("authorization"));
    const client = df.getClient(context);
    const instanceId = request.params.instanceId;
    // Reading the queue is for every gate role (Quarantine.Reader included); deciding needs Quarantine.Approver.
    if (request.method === "GET") {
      requireAnyRole(approver, READ_ROLES);
      return { status: 200, jsonBody: { pending: await listPendingApprovals(client) } };
    }
    requireRole(approver, APPROVER_ROLE);
    if (!isPipelineInstanceId(instanceId))
      return problem(400, "POST approvals/{instanceId} with a pipeline instance id");
    const body = await readJsonBody(request, 16 * 1024);
    if ("error" in body) return body.error;
    if (!validateDecision(body.value)) {
      return problem(400, "invalid decision", {
        problems: (validateDecision.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message ?? ""}`),
      });
    }
    const root = compositionRoot();
    const deps = {
      client,
      ledger: root.approvalLedger(),
      audit: root.audit(),
      now: root.clock(),
      policy: root.policy().policy,
    };
    const choice = body.value.approve ? "approved" : "rejected";
    try {
      const result = await decide(deps, instanceId, approver, body.value);
      context.log(`approval: ${approver.name} (${approver.objectId}) ${choice} ${instanceId}: ${result.kind}`);
      // 202 only for a decision that counts: it claimed the outcome, or (N-of-M) it counts towards the required
      // approvals (`approvals: { required, given }`); a repeat by the same person is a 409 (approver-already-decided).
      return { status: 202, jsonBody: { ...result, counted: true, approve: body.value.approve, by: approver.name } };
    } catch (error) {
      if (error instanceof DecisionNotCountedError)
        context.log(
          `approval: ${approver.name} (${approver.objectId}) ${choice} ${instanceId}: not counted (${error.reason})`,
        );
      throw error;
    }
  });
}

app.http("approvals", {
  methods: ["GET", "POST"],
  authLevel: "anonymous",
  route: "approvals/{instanceId?}",
  extraInputs: [df.input.durableClient()],
  handler: observeHttp("approval", approvals),
});
