import { Ajv } from "ajv";
import { Duration } from "luxon";
import { NotifySettingsError } from "./errors.js";
import { parseSubscriptions, type Router, type SinkKind } from "./subscriptions.js";
import { DEFAULT_DELIVERY_LIMITS, type DeliveryLimits } from "./sinks/sink.js";

/** The environment the settings are read from (the composition root passes the app's). */
export type NotifyEnv = Readonly<Record<string, string | undefined>>;

/** A sink as configured: its URL (and webhook secret) resolved. */
export interface SinkSettings {
  name: string;
  kind: SinkKind;
  url: string;
  secret?: string;
}

export interface NotifySettings {
  router: Router;
  sinks: SinkSettings[];
  limits: DeliveryLimits;
}

/**
 * NOTIFY_SINK_SECRETS: the URLs and signing secrets of the webhook, Teams and Slack sinks, keyed by sink name:
 * `{"hooks": {"url": "https://…", "secret": "whsec_…"}, "team-a-teams": {"url": "https://…"}}`. Teams Workflows and
 * Slack incoming-webhook URLs carry their own credentials (a signature in the query, a token in the path), so all
 * of them are secrets. In Azure the setting is a Key Vault reference; its value never appears in errors or logs.
 */
const SECRETS_SCHEMA = {
  type: "object",
  additionalProperties: {
    type: "object",
    additionalProperties: false,
    required: ["url"],
    properties: {
      url: { type: "string", minLength: 1, maxLength: 2000 },
      secret: { type: "string", pattern: "^whsec_[A-Za-z0-9+/=]{16,}$" },
    },
  },
} as const;
const validateSecrets = new Ajv({ allErrors: true, strict: true }).compile<
  Record<string, { url: string; secret?: string }>
>(SECRETS_SCHEMA);

const KEY_VAULT_REFERENCE = "@Microsoft.KeyVault(";

/**
 * Reads the notification settings: NOTIFY_SUBSCRIPTIONS (the subscription document; unset → notifications off),
 * NOTIFY_SINK_SECRETS (above), NOTIFY_EVENTGRID_ENDPOINT (the Bicep's topic; for eventgrid sinks without an
 * endpoint of their own), NOTIFY_DELIVERY_BUDGET (ISO 8601 duration, default PT15S: one attempt), NOTIFY_MAX_RETRIES
 * (durable retries after the first attempt, 0–10, default 4) and NOTIFY_RETRY_INTERVAL (ISO 8601, the first wait,
 * doubling up to 5 minutes; default PT10S). A Key Vault reference still in its `@Microsoft.KeyVault(…)` form was not
 * resolved by the platform (the identity cannot read the secret, or it is missing) and is refused. Errors name
 * settings and sinks, never values.
 */
export function notifySettings(env: NotifyEnv): NotifySettings | undefined {
  const text = env.NOTIFY_SUBSCRIPTIONS;
  if (text === undefined || text.trim() === "") return undefined;
  const router = parseSubscriptions(text);
  const problems: string[] = [];
  const secrets = readSecrets(env.NOTIFY_SINK_SECRETS, problems);
  const sinks: SinkSettings[] = [];
  for (const [name, definition] of Object.entries(router.document.sinks)) {
    if (definition.kind === "eventgrid") {
      const endpoint = definition.endpoint ?? env.NOTIFY_EVENTGRID_ENDPOINT?.trim();
      if (!endpoint)
        problems.push(`sink ${name}: NOTIFY_EVENTGRID_ENDPOINT is not set (and the sink names no endpoint)`);
      else if (!usableUrl(endpoint)) problems.push(`sink ${name}: the Event Grid endpoint must be an https URL`);
      else sinks.push({ name, kind: "eventgrid", url: endpoint });
      continue;
    }
    const entry = secrets?.[name];
    if (!entry) {
      if (secrets) problems.push(`sink ${name}: NOTIFY_SINK_SECRETS has no entry for it`);
      continue;
    }
    if (!usableUrl(entry.url)) problems.push(`sink ${name}: its URL in NOTIFY_SINK_SECRETS must be an https URL`);
    else if (definition.kind === "webhook" && !entry.secret)
      problems.push(`sink ${name}: a webhook needs a signing secret (whsec_…) in NOTIFY_SINK_SECRETS`);
    else sinks.push({ name, kind: definition.kind, url: entry.url, ...(entry.secret ? { secret: entry.secret } : {}) });
  }
  const limits = { ...DEFAULT_DELIVERY_LIMITS };
  if (env.NOTIFY_DELIVERY_BUDGET) {
    const budget = Duration.fromISO(env.NOTIFY_DELIVERY_BUDGET);
    if (!budget.isValid || budget.toMillis() < 1_000 || budget.toMillis() > 120_000)
      problems.push("NOTIFY_DELIVERY_BUDGET must be an ISO 8601 duration from PT1S to PT2M");
    else limits.budgetMs = budget.toMillis();
  }
  if (env.NOTIFY_MAX_RETRIES) {
    const retries = Number(env.NOTIFY_MAX_RETRIES);
    if (!Number.isInteger(retries) || retries < 0 || retries > 10) problems.push("NOTIFY_MAX_RETRIES must be 0 to 10");
    else limits.maxRetries = retries;
  }
  if (env.NOTIFY_RETRY_INTERVAL) {
    const interval = Duration.fromISO(env.NOTIFY_RETRY_INTERVAL);
    if (!interval.isValid || interval.toMillis() < 1_000 || interval.toMillis() > 600_000)
      problems.push("NOTIFY_RETRY_INTERVAL must be an ISO 8601 duration from PT1S to PT10M");
    else limits.retryDelayMs = interval.toMillis();
  }
  if (problems.length > 0) throw new NotifySettingsError(`invalid notification settings:\n- ${problems.join("\n- ")}`);
  return { router, sinks, limits };
}

/** The sink secrets, or undefined (with a problem) when they cannot be read; never quotes the value. */
function readSecrets(
  text: string | undefined,
  problems: string[],
): Record<string, { url: string; secret?: string }> | undefined {
  if (text === undefined || text.trim() === "") {
    problems.push("NOTIFY_SINK_SECRETS is not set");
    return undefined;
  }
  if (text.trim().startsWith(KEY_VAULT_REFERENCE)) {
    problems.push("NOTIFY_SINK_SECRETS is a Key Vault reference the platform did not resolve");
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    problems.push("NOTIFY_SINK_SECRETS is not JSON");
    return undefined;
  }
  if (!validateSecrets(value)) {
    // Pointers only: an Ajv message could quote a pattern, never the value, but the value is not shown either way.
    problems.push(
      `NOTIFY_SINK_SECRETS does not have the expected shape at ${(validateSecrets.errors ?? []).map((e) => e.instancePath || "/").join(", ")}`,
    );
    return undefined;
  }
  return value;
}

/** https, or plain http on loopback (the local receiver). */
function usableUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (
      url.protocol === "https:" ||
      (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))
    );
  } catch {
    return false;
  }
}
