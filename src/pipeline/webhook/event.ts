import { Ajv, type ErrorObject } from "ajv";

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

const DIGEST = "^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$";
const REPOSITORY = "^[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*$";

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
            repository: { type: "string", maxLength: 255, pattern: REPOSITORY },
            digest: { type: "string", pattern: DIGEST },
            tag: { type: "string", maxLength: 128 },
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

export class WebhookPayloadError extends Error {
  override readonly name = "WebhookPayloadError";
  constructor(readonly problems: string[]) {
    super(`invalid ACR webhook payload: ${problems.join("; ")}`);
  }
}

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
