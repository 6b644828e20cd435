import { Ajv, type ErrorObject } from "ajv";
import { MAX_REPOSITORY_LENGTH, PATTERN } from "../../oci/grammar.js";
import { WebhookPayloadError } from "../errors.js";

/** An ACR webhook delivery, after validation (acr-protocol.md §4.2). */
export type AcrWebhookEvent =
  | { action: "ping"; id?: string; timestamp?: string }
  | {
      action: "push" | "quarantine" | "delete" | "chart_push" | "chart_delete";
      id: string;
      timestamp: string;
      target: { repository: string; digest: string; tag?: string; mediaType?: string; size?: number };
      request?: { id?: string; host?: string; method?: string; useragent?: string };
    };

const ajv = new Ajv({ allErrors: true });
const validateEvent = ajv.compile({
  oneOf: [
    {
      type: "object",
      required: ["action"],
      properties: { action: { const: "ping" }, id: { type: "string" }, timestamp: { type: "string" } },
    },
    {
      type: "object",
      required: ["id", "timestamp", "action", "target"],
      properties: {
        id: { type: "string", minLength: 1, maxLength: 128 },
        timestamp: { type: "string", minLength: 1, maxLength: 64 },
        action: { enum: ["push", "quarantine", "delete", "chart_push", "chart_delete"] },
        target: {
          type: "object",
          required: ["repository", "digest"],
          properties: {
            repository: { type: "string", maxLength: MAX_REPOSITORY_LENGTH, pattern: PATTERN.repository },
            digest: { type: "string", pattern: PATTERN.digest },
            tag: { type: "string", pattern: PATTERN.tag },
            mediaType: { type: "string", maxLength: 255 },
            size: { type: "integer", minimum: 0 },
          },
        },
        request: {
          type: "object",
          properties: {
            id: { type: "string" },
            host: { type: "string", maxLength: 255 },
            method: { type: "string" },
            useragent: { type: "string" },
          },
        },
      },
    },
  ],
});

function describe(errors: ErrorObject[] | null | undefined): string[] {
  const problems = (errors ?? [])
    .filter((e) => e.keyword !== "oneOf" && e.keyword !== "const")
    .map((e) => `${e.instancePath || "(payload)"} ${e.message ?? "is invalid"}`);
  return [...new Set(problems)].slice(0, 10);
}

/** Validates an ACR webhook body: a ping, or an image event with a valid repository name and digest. */
export function parseWebhookEvent(body: unknown): AcrWebhookEvent {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new WebhookPayloadError(["payload must be a JSON object"]);
  if (validateEvent(body)) return body as AcrWebhookEvent;
  const problems = describe(validateEvent.errors);
  throw new WebhookPayloadError(problems.length ? problems : ["payload is not an ACR webhook event"]);
}
