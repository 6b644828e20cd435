import { Duration } from "luxon";
import { NotifySettingsError } from "./errors.js";
import { parseSubscriptions, type Router, type SinkKind } from "./subscriptions.js";
import { DEFAULT_DELIVERY_LIMITS, type DeliveryLimits } from "./sinks/sink.js";

/** The environment the settings are read from (the composition root passes the app's). */
export type NotifyEnv = Readonly<Record<string, string | undefined>>;

/** A sink as configured: its URL and secret resolved from the settings the subscription document names. */
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

/** Where the Event Grid topic's endpoint is, unless a sink names another setting (the Bicep sets this one). */
export const DEFAULT_EVENTGRID_SETTING = "NOTIFY_EVENTGRID_ENDPOINT";

/**
 * Reads the notification settings: NOTIFY_SUBSCRIPTIONS (the subscription document; unset → notifications off),
 * the URL and secret settings it names, NOTIFY_DELIVERY_BUDGET (ISO 8601 duration, default PT15S: all attempts of
 * one delivery) and NOTIFY_MAX_RETRIES (default 2). In Azure the URL and secret settings are Key Vault references
 * (`@Microsoft.KeyVault(SecretUri=…)`), which App Service resolves before the app reads them; one still in that form
 * was not resolved (the identity lacks Key Vault Secrets User, or the secret is missing) and is refused. Errors name
 * settings, never their values.
 */
export function notifySettings(env: NotifyEnv): NotifySettings | undefined {
  const text = env.NOTIFY_SUBSCRIPTIONS;
  if (text === undefined || text.trim() === "") return undefined;
  const router = parseSubscriptions(text);
  const problems: string[] = [];
  const value = (setting: string, what: string): string | undefined => {
    const raw = env[setting]?.trim();
    if (!raw) problems.push(`${setting} (${what}) is not set`);
    else if (raw.startsWith("@Microsoft.KeyVault("))
      problems.push(`${setting} (${what}) is a Key Vault reference the platform did not resolve`);
    else return raw;
    return undefined;
  };
  const sinks: SinkSettings[] = [];
  for (const [name, definition] of Object.entries(router.document.sinks)) {
    const urlSetting = definition.urlSetting ?? DEFAULT_EVENTGRID_SETTING;
    const url = value(urlSetting, `URL of sink ${name}`);
    if (url !== undefined && !usableUrl(url)) problems.push(`${urlSetting} (URL of sink ${name}) must be an https URL`);
    const secret = definition.secretSetting ? value(definition.secretSetting, `secret of sink ${name}`) : undefined;
    if (url !== undefined) sinks.push({ name, kind: definition.kind, url, ...(secret ? { secret } : {}) });
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
    if (!Number.isInteger(retries) || retries < 0 || retries > 5) problems.push("NOTIFY_MAX_RETRIES must be 0 to 5");
    else limits.maxRetries = retries;
  }
  if (problems.length > 0) throw new NotifySettingsError(`invalid notification settings:\n- ${problems.join("\n- ")}`);
  return { router, sinks, limits };
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
