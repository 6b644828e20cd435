import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { compositionRoot } from "../composition/root.js";
import { answeringErrors } from "../http/errors.js";
import { readJsonBody } from "../http/json.js";
import { statusLink } from "../pipeline/input.js";
import { terminateIfLive } from "../pipeline/instances.js";
import { parseWebhookEvent } from "../pipeline/webhook/event.js";
import { handleWebhookEvent, type WebhookDeps, type WebhookResult } from "../pipeline/webhook/handle.js";
import { observeHttp } from "../observability/triggers.js";

const MAX_BODY_BYTES = 64 * 1024;

/**
 * ACR's webhook. The Functions host authenticates it by the function key ACR sends as the `x-functions-key` custom
 * header; this handler parses the payload, lets the pipeline decide what the event means, and answers 202 as soon as
 * the delivery is committed to the webhook inbox (group commit: a burst shares blobs of up to 100 deliveries). The pipelines are started from the inbox afterwards (drainInbox, then the inboxDrain timer for anything
 * left), so the answer never waits on the Durable host. Storage out of reach answers 503 with Retry-After, so the
 * registry delivers again later.
 */
export async function acrEvents(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return answeringErrors(async () => {
    const body = await readJsonBody(request, MAX_BODY_BYTES);
    if ("error" in body) return body.error;
    const event = parseWebhookEvent(body.value);
    const root = compositionRoot();
    // Built only when used: the durable client validates every management URL of the binding on construction, which
    // was two thirds of this handler's own time under a burst of deliveries, and a kept delivery does not need it.
    const client = () => df.getClient(context);
    // Getters: a ping answers without reading any setting.
    const deps: WebhookDeps = {
      get allowlist() {
        return root.allowlist();
      },
      get mode() {
        return root.pipelineSettings().mode;
      },
      accept: async (image, source, tag) => {
        const schedule = root.inboxDrainSchedule();
        // Kept under the schedule's eye: no drain starts while deliveries of a burst are still being committed.
        await schedule.keep(() =>
          root
            .webhookInbox()
            .accept({ image, source, ...(tag ? { tag } : {}), receivedAt: root.clock().toISOString() }),
        );
        schedule.kick(() => root.drainWebhookInbox(client(), context));
      },
      terminateIfLive: (instanceId, reason) => terminateIfLive(client(), instanceId, reason),
    };
    const result = await handleWebhookEvent(deps, event);
    log(context, result);
    return answer(result, () => root.pipelineSettings().statusBaseUrl);
  });
}

function answer(result: WebhookResult, statusBaseUrl: () => string | undefined): HttpResponseInit {
  switch (result.kind) {
    case "pong":
      return { status: 200, jsonBody: { ok: true, action: "ping" } };
    case "accepted": {
      const base = statusBaseUrl();
      const statusUrl = base ? statusLink(base, result.image) : undefined;
      return { status: 202, jsonBody: { accepted: true, instanceId: result.instanceId, statusUrl } };
    }
    case "recorded":
      return { status: 200, jsonBody: { recorded: true } };
    case "deleted":
      return { status: 200, jsonBody: { instanceId: result.instanceId, terminated: result.terminated } };
    case "ignored":
      return { status: 200, jsonBody: { ignored: result.action } };
  }
}

function log(context: InvocationContext, result: WebhookResult): void {
  if (result.kind === "accepted" && result.action === "quarantine") {
    context.log(`quarantine ${result.image.repository}@${result.image.digest}: accepted ${result.instanceId}`);
  } else if (result.kind === "recorded") {
    context.log(`push recorded: ${result.image.repository}@${result.image.digest}`);
  }
}

app.http("acrEvents", {
  methods: ["POST"],
  authLevel: "function",
  route: "acr/events",
  extraInputs: [df.input.durableClient()],
  handler: observeHttp("webhook", acrEvents),
});
