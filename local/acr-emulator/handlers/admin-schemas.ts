import { Ajv, type ValidateFunction } from "ajv";
import { ROLE_NAMES } from "../roles.js";
import { WEBHOOK_ACTIONS } from "../model.js";
import { HttpError } from "../../http/errors.js";

const ajv = new Ajv({ allErrors: true });

const positiveInt = { type: "integer", minimum: 1 };

export const principalSchema = ajv.compile({
  type: "object",
  additionalProperties: false,
  required: ["roles"],
  properties: {
    displayName: { type: "string", maxLength: 256 },
    roles: { type: "array", items: { enum: [...ROLE_NAMES] }, uniqueItems: true },
    password: { type: "string", minLength: 8, maxLength: 256 },
  },
});

export const policySchema = ajv.compile({
  type: "object",
  additionalProperties: false,
  required: ["quarantine"],
  properties: { quarantine: { enum: ["enabled", "disabled"] } },
});

export const webhookSchema = ajv.compile({
  type: "object",
  additionalProperties: false,
  required: ["serviceUri", "actions"],
  properties: {
    serviceUri: { type: "string", pattern: "^https?://", maxLength: 2048 },
    customHeaders: { type: "object", additionalProperties: { type: "string", maxLength: 4096 }, maxProperties: 32 },
    actions: { type: "array", items: { enum: [...WEBHOOK_ACTIONS] }, minItems: 1, uniqueItems: true },
    scope: { type: "string", maxLength: 512 },
    status: { enum: ["enabled", "disabled"] },
  },
});

export const throttlingSchema = ajv.compile({
  anyOf: [
    { type: "null" },
    {
      type: "object",
      additionalProperties: false,
      required: ["readOpsPerMinute", "writeOpsPerMinute"],
      properties: {
        readOpsPerMinute: positiveInt,
        writeOpsPerMinute: positiveInt,
        burstSeconds: { type: "number", exclusiveMinimum: 0, maximum: 3600 },
      },
    },
  ],
});

export const tokensSchema = ajv.compile({
  type: "object",
  additionalProperties: false,
  properties: { accessTokenSeconds: positiveInt, refreshTokenSeconds: positiveInt },
});

export const webhookRetrySchema = ajv.compile({
  type: "object",
  additionalProperties: false,
  properties: {
    maxAttempts: { type: "integer", minimum: 1, maximum: 20 },
    initialDelayMs: { type: "integer", minimum: 0, maximum: 600_000 },
    timeoutMs: positiveInt,
  },
});

export const faultsSchema = ajv.compile({
  type: "array",
  maxItems: 100,
  items: {
    type: "object",
    additionalProperties: false,
    required: ["method", "pathPrefix", "status", "times"],
    properties: {
      method: { type: "string", pattern: "^(\\*|GET|HEAD|PUT|POST|PATCH|DELETE)$" },
      pathPrefix: { type: "string", pattern: "^/" },
      status: { type: "integer", minimum: 400, maximum: 599 },
      times: { type: "integer", minimum: 1, maximum: 100_000 },
    },
  },
});

/** PUT /latency: rules like the faults' (method, path prefix), holding matches `delayMs` instead of failing them. */
export const latencySchema = ajv.compile({
  type: "array",
  maxItems: 100,
  items: {
    type: "object",
    additionalProperties: false,
    required: ["method", "pathPrefix", "delayMs"],
    properties: {
      method: { type: "string", pattern: "^(\\*|GET|HEAD|PUT|POST|PATCH|DELETE)$" },
      pathPrefix: { type: "string", pattern: "^/" },
      delayMs: { type: "integer", minimum: 1, maximum: 600_000 },
      hold: { enum: ["response", "request"] },
      times: { type: "integer", minimum: 1, maximum: 100_000 },
    },
  },
});

/** POST /deliveries/drain?timeoutMs=: how long to wait for the webhook dispatcher to have nothing in flight. */
export const DRAIN_TIMEOUT = { defaultMs: 30_000, maxMs: 600_000 } as const;

export const seedSchema = ajv.compile({
  type: "object",
  additionalProperties: false,
  required: ["repositories", "manifestsPerRepository"],
  properties: {
    repositories: { type: "integer", minimum: 1, maximum: 100_000 },
    manifestsPerRepository: { type: "integer", minimum: 1, maximum: 1_000 },
    prefix: { type: "string", pattern: "^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$" },
    quarantineState: { type: "string", maxLength: 64 },
  },
});

/** Validates an admin body, turning schema errors into one clear 400. */
export function check<T>(validate: ValidateFunction, body: unknown): T {
  if (validate(body)) return body as T;
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message ?? "is invalid"}`);
  throw new HttpError(400, "BODY_INVALID", `invalid request body: ${problems.join("; ")}`, { problems });
}
