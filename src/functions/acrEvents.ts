import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { parseWebhookEvent, WebhookPayloadError } from "../pipeline/webhook-event.js";
import { startPipeline, findInstance } from "../pipeline/start.js";
import { pipelineInput, statusLink } from "../pipeline/input.js";
import { pipelineInstanceId } from "../pipeline/image-key.js";
import { gateConfig, registryConfig, statusConfig } from "../config.js";
import { readJsonBody, problem } from "../http/json.js";

const MAX_BODY_BYTES = 64 * 1024;

/**
 * ACR's webhook. The Functions host authenticates it by the function key ACR sends as the `x-functions-key` custom
 * header; this handler checks the registry is one we gate, validates the payload and starts (at most) one pipeline
 * per digest.
 */
export async function acrEvents(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const body = await readJsonBody(request, MAX_BODY_BYTES);
  if ("error" in body) return body.error;
  let event;
  try {
    event = parseWebhookEvent(body.value);
  } catch (error) {
    if (error instanceof WebhookPayloadError) return problem(400, error.message, { problems: error.problems });
    throw error;
  }
  if (event.action === "ping") return { status: 200, jsonBody: { ok: true, action: "ping" } };
  const host = event.request?.host;
  if (!host) return problem(400, "the event names no registry (request.host is missing)");
  const allowed = registryConfig().allowedRegistries.map((r) => r.toLowerCase());
  if (!allowed.includes(host.toLowerCase())) return problem(403, `registry ${host} is not gated by this app`);
  const image = { loginServer: host.toLowerCase(), repository: event.target.repository, digest: event.target.digest };
  const client = df.getClient(context);
  const base = statusConfig().baseUrl;
  const link = base ? statusLink(base, image) : undefined;

  switch (event.action) {
    case "quarantine": {
      const started = await startPipeline(client, pipelineInput(image, "webhook", event.target.tag));
      context.log(
        `${event.action} ${image.repository}@${image.digest}: ${started.started ? "started" : `already ${started.runtimeStatus}`} ${started.instanceId}`,
      );
      return { status: started.started ? 202 : 200, jsonBody: { ...started, statusUrl: link } };
    }
    case "push": {
      // With quarantine on, ACR sends `push` after a release; in shadow mode the gate evaluates pushes instead.
      if (gateConfig().mode === "shadow") {
        const started = await startPipeline(client, pipelineInput(image, "push-shadow", event.target.tag));
        return { status: started.started ? 202 : 200, jsonBody: { ...started, statusUrl: link } };
      }
      context.log(`push recorded: ${image.repository}@${image.digest}`);
      return { status: 200, jsonBody: { recorded: true } };
    }
    case "delete": {
      const instanceId = pipelineInstanceId(image);
      const existing = await findInstance(client, instanceId);
      const live = existing && ["Pending", "Running", "Suspended"].includes(String(existing.runtimeStatus));
      if (live) await client.terminate(instanceId, "the manifest was deleted from the registry");
      return { status: 200, jsonBody: { instanceId, terminated: Boolean(live) } };
    }
    default:
      return { status: 200, jsonBody: { ignored: event.action } };
  }
}

app.http("acrEvents", {
  methods: ["POST"],
  authLevel: "function",
  route: "acr/events",
  extraInputs: [df.input.durableClient()],
  handler: acrEvents,
});
