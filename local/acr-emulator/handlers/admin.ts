import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "../context.js";
import { HttpError } from "../../http/errors.js";
import { readJson } from "../../http/body.js";
import { sendEmpty, sendJson } from "../../http/respond.js";
import type { RoleName } from "../roles.js";
import type { FaultRule } from "../middleware/faults.js";
import type { LatencyRule } from "../middleware/latency.js";
import type { RegistrySettings, ThrottleSettings, WebhookAction, WebhookRetrySettings } from "../model.js";
import type { TokenLifetimes } from "../tokens.js";
import { pingEvent } from "../webhooks/events.js";
import { seedManifests } from "../seed.js";
import { deliveryView, includeSecrets, principalView, webhookView } from "./admin-secrets.js";
import {
  check,
  DRAIN_TIMEOUT,
  faultsSchema,
  latencySchema,
  policySchema,
  principalSchema,
  seedSchema,
  throttlingSchema,
  tokensSchema,
  webhookRetrySchema,
  webhookSchema,
} from "./admin-schemas.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

/**
 * The emulator's own admin API, on a separate loopback port and never part of the ACR surface: principals and roles,
 * the quarantine policy, webhooks and their delivery log, throttling, token lifetimes, injected faults, counters and
 * token grants (requested versus granted scopes), seeding. Reads never show a secret (webhook header values and URI
 * keys, principals' passwords) unless asked for with `?includeSecrets=true`; the token-signing secret is never shown.
 */
export async function handleAdmin(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  onThrottling: (s: ThrottleSettings | null) => void,
): Promise<void> {
  const method = req.method ?? "GET";
  const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const [root, id, sub] = segments;
  const key = `${method} /${root ?? ""}${id !== undefined ? "/:id" : ""}${sub !== undefined ? `/${sub}` : ""}`;
  if (id !== undefined && !NAME.test(id)) throw new HttpError(400, "NAME_INVALID", "invalid name in path");
  const store = ctx.store;
  const secrets = method === "GET" ? includeSecrets(url) : false;
  switch (key) {
    case "GET /state":
      return sendJson(res, 200, {
        loginServer: ctx.loginServer,
        settings: store.settings(),
        principals: store.allPrincipals().map((p) => principalView(p, secrets)),
        webhooks: store.allWebhooks().map((w) => webhookView(w, secrets)),
        repositories: store.repositories().length,
        manifests: store.manifestCount(),
      });
    case "PUT /principals/:id": {
      const body = check<{ displayName?: string; roles: RoleName[]; password?: string }>(
        principalSchema,
        await readJson(req),
      );
      store.putPrincipal({
        id: id!,
        displayName: body.displayName ?? id!,
        roles: body.roles,
        ...(body.password ? { password: body.password } : {}),
      });
      return sendEmpty(res, 204);
    }
    case "DELETE /principals/:id":
      return sendEmpty(res, store.deletePrincipal(id!) ? 204 : 404);
    case "PUT /policy": {
      const body = check<{ quarantine: "enabled" | "disabled" }>(policySchema, await readJson(req));
      store.updateSettings({ quarantinePolicy: body.quarantine });
      return sendEmpty(res, 204);
    }
    case "PUT /webhooks/:id": {
      const body = check<{
        serviceUri: string;
        customHeaders?: Record<string, string>;
        actions: WebhookAction[];
        scope?: string;
        status?: "enabled" | "disabled";
      }>(webhookSchema, await readJson(req));
      store.putWebhook({
        name: id!,
        serviceUri: body.serviceUri,
        customHeaders: body.customHeaders ?? {},
        actions: body.actions,
        scope: body.scope ?? "",
        status: body.status ?? "enabled",
      });
      return sendEmpty(res, 204);
    }
    case "GET /webhooks":
      return sendJson(
        res,
        200,
        store.allWebhooks().map((w) => webhookView(w, secrets)),
      );
    case "DELETE /webhooks/:id":
      return sendEmpty(res, store.deleteWebhook(id!) ? 204 : 404);
    case "POST /webhooks/:id/ping": {
      const webhook = store.webhook(id!);
      if (!webhook) throw new HttpError(404, "NOT_FOUND", `no webhook ${id}`);
      const event = pingEvent();
      await ctx.webhooks.ping(webhook, event);
      return sendJson(res, 200, { id: event.id });
    }
    case "GET /deliveries":
      return sendJson(
        res,
        200,
        ctx.webhooks.deliveries(url.searchParams.get("webhook") ?? undefined).map((d) => deliveryView(d, secrets)),
      );
    case "POST /deliveries/:id": {
      // POST /deliveries/drain[?timeoutMs=]: 200 once nothing is in flight, 504 with what is pending at the timeout.
      if (id !== "drain") throw new HttpError(404, "NOT_FOUND", `no admin endpoint ${method} ${url.pathname}`);
      const timeoutMs = drainTimeout(url);
      const result = await ctx.webhooks.drain(timeoutMs);
      if (!result.drained)
        throw new HttpError(
          504,
          "DRAIN_TIMEOUT",
          `${result.pending} webhook deliveries still in flight after ${timeoutMs} ms`,
          {
            ...result,
            timeoutMs,
          },
        );
      return sendJson(res, 200, result);
    }
    case "PUT /throttling": {
      const body = check<ThrottleSettings | null>(throttlingSchema, await readJson(req));
      const throttling = body ? { ...body, burstSeconds: body.burstSeconds ?? 60 } : null;
      store.updateSettings({ throttling });
      onThrottling(throttling);
      return sendEmpty(res, 204);
    }
    case "PUT /tokens": {
      const body = check<Partial<TokenLifetimes>>(tokensSchema, await readJson(req));
      store.updateSettings({ tokens: { ...store.settings().tokens, ...body } });
      return sendEmpty(res, 204);
    }
    case "PUT /webhook-retry": {
      const body = check<Partial<WebhookRetrySettings>>(webhookRetrySchema, await readJson(req));
      const change: Partial<RegistrySettings> = { webhookRetry: { ...store.settings().webhookRetry, ...body } };
      store.updateSettings(change);
      return sendEmpty(res, 204);
    }
    case "PUT /faults":
      ctx.faults.set(check<FaultRule[]>(faultsSchema, await readJson(req)));
      return sendEmpty(res, 204);
    case "GET /faults":
      return sendJson(res, 200, ctx.faults.list());
    case "PUT /latency":
      ctx.latency.set(check<LatencyRule[]>(latencySchema, await readJson(req)));
      return sendEmpty(res, 204);
    case "GET /latency":
      return sendJson(res, 200, ctx.latency.list());
    case "GET /stats":
      return sendJson(res, 200, ctx.stats.snapshot());
    case "DELETE /stats":
      ctx.stats.reset();
      ctx.grants.reset();
      return sendEmpty(res, 204);
    case "GET /stats/:id":
      // Requested versus granted scopes of the tokens issued since the last reset (?principal= narrows to one).
      if (id !== "token-grants") throw new HttpError(404, "NOT_FOUND", `no admin endpoint ${method} ${url.pathname}`);
      return sendJson(res, 200, ctx.grants.list(url.searchParams.get("principal") ?? undefined));
    case "POST /seed": {
      const body = check<{
        repositories: number;
        manifestsPerRepository: number;
        prefix?: string;
        quarantineState?: string;
      }>(seedSchema, await readJson(req));
      return sendJson(res, 200, seedManifests(ctx, body));
    }
    default:
      throw new HttpError(404, "NOT_FOUND", `no admin endpoint ${method} ${url.pathname}`);
  }
}

function drainTimeout(url: URL): number {
  const given = url.searchParams.get("timeoutMs");
  if (given === null) return DRAIN_TIMEOUT.defaultMs;
  const value = Number(given);
  if (!/^\d+$/.test(given) || value < 1 || value > DRAIN_TIMEOUT.maxMs)
    throw new HttpError(400, "QUERY_INVALID", `timeoutMs must be an integer from 1 to ${DRAIN_TIMEOUT.maxMs}`);
  return value;
}
