import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { READ_ROLES, requireAnyRole } from "../auth/approver-token.js";
import { approverVerifier } from "../auth/approver-settings.js";
import { compositionRoot } from "../composition/root.js";
import { answeringErrors } from "../http/errors.js";
import { problem } from "../http/json.js";
import { parseImageReference } from "../pipeline/contract/index.js";
import { listRecentDecisions } from "../pipeline/views/decisions.js";
import { FINDINGS_CONTAINER, FindingsStore } from "../pipeline/views/findings-store.js";
import { imageView } from "../pipeline/views/image-view.js";
import { blobContainerClient } from "../storage/blobs.js";
import { listPendingViews } from "../pipeline/views/pending.js";
import { observeHttp } from "../observability/triggers.js";

const OUTCOMES = new Set([
  "Passed",
  "Failed",
  "left-quarantined",
  "already-decided",
  "would-pass",
  "would-fail",
  "ended",
]);

/**
 * What the approval page reads, for every gate role (Quarantine.Reader, Approver, Override) with the same Entra ID
 * bearer-token check as the approvals API (src/auth): `views/pending` (what waits, with tag, push time, deadline,
 * verdict and approvals), `views/image?image=<ref>` (status, timeline, quarantineDetails, the longest break-glass
 * expiry the policy allows), `views/decisions?repository=&outcome=` (recent decisions). Reading only: deciding stays
 * with POST approvals/{instanceId}.
 */
export async function approvalViews(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return answeringErrors(async () => {
    const approver = await approverVerifier().verify(request.headers.get("authorization"));
    requireAnyRole(approver, READ_ROLES);
    const client = df.getClient(context);
    const root = compositionRoot();
    const headers = { "Cache-Control": "no-store" };
    switch (request.params.view) {
      case "pending":
        return { status: 200, headers, jsonBody: { pending: await listPendingViews(client) } };
      case "image": {
        const reference = request.query.get("image");
        const image = reference ? parseImageReference(reference) : undefined;
        if (!image) return problem(400, "give ?image=<loginServer>/<repository>@sha256:<digest>");
        const findings = new FindingsStore(blobContainerClient(root.storage(), FINDINGS_CONTAINER));
        // The policy tells the page how long a break-glass release may last (its "Expires after" choices).
        const view = await imageView(client, root.audit(), image, findings, root.policy().policy);
        return { status: view.known ? 200 : 404, headers, jsonBody: view };
      }
      case "decisions": {
        const repository = request.query.get("repository")?.trim() || undefined;
        const outcome = request.query.get("outcome")?.trim() || undefined;
        if (outcome && !OUTCOMES.has(outcome))
          return problem(400, `outcome must be one of ${[...OUTCOMES].join(", ")}`);
        const decisions = await listRecentDecisions(client, { repository, outcome }, root.clock());
        return { status: 200, headers, jsonBody: { decisions } };
      }
      default:
        return problem(404, "views: pending, image or decisions");
    }
  });
}

app.http("approvalViews", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "views/{view}",
  extraInputs: [df.input.durableClient()],
  handler: observeHttp("views", approvalViews),
});
