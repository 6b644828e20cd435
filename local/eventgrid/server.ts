import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { listen, type RunningServer } from "../http/server.js";
import { readBody } from "../http/body.js";
import { HttpError } from "../http/errors.js";
import { ensureLocalCa, ensureServerCertificate } from "../tls/ca.js";

/**
 * A local stand-in for an Azure Event Grid custom topic with the CloudEvents 1.0 input schema and local auth
 * disabled. It checks what Event Grid checks, from Microsoft's documentation rather than from our client:
 * - Microsoft Entra auth only (disableLocalAuth): a bearer token, signed by the tenant's keys (here the local identity
 *   endpoint's JWKS), not expired, whose audience is Event Grid, `https://eventgrid.azure.net` ("the audience (the
 *   intended recipient of the token) is confirmed to be Event Grid (https://eventgrid.azure.net)", Microsoft Learn,
 *   event-grid/authenticate-with-microsoft-entra-id.md). A key header (`aeg-sas-key`) is refused: local auth is off.
 *   (Event Grid also checks the EventGrid Data Sender role; that is RBAC, granted by the Bicep, not emulated.)
 * - POST `/api/events` (topic endpoint `https://<topic>.<region>-1.eventgrid.azure.net/api/events`, same article),
 *   with `api-version`.
 * - The CloudEvents batch: `content-type: application/cloudevents-batch+json` (what @azure/eventgrid sends for the
 *   CloudEvent schema, generated/models/parameters.ts), a JSON array of events in the CloudEvents 1.0 JSON format
 *   (Microsoft Learn, event-grid/cloud-event-schema.md): each with `specversion` "1.0" and non-empty string `id`,
 *   `source` and `type`; the array at most 1 MB and each event at most 1 MB, else 413 (Microsoft Learn, Azure Event
 *   Grid event schemas: "the array can have a total size of up to 1 MB. Each event in the array is limited to 1 MB").
 * Unconfirmed details (exact error bodies) are listed in docs/local-stack.md, "Notifications".
 */
export const EVENT_GRID_AUDIENCE = "https://eventgrid.azure.net";
const MAX_BATCH_BYTES = 1024 * 1024;

export interface ReceivedCloudEvent {
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  data?: unknown;
  [attribute: string]: unknown;
}

export interface EventGridStandIn {
  /** The topic endpoint, as the Bicep outputs it: `<base>/api/events`. */
  endpoint: string;
  /** Every event accepted, in order. */
  readonly events: ReceivedCloudEvent[];
  /** Every refused request: status and why. */
  readonly refused: Array<{ status: number; reason: string }>;
  /** Publish requests that passed every check, including those answered with `failWith`. */
  readonly attempts: number;
  /** Answer every publish with this status instead (fault injection); undefined to accept again. */
  failWith: number | undefined;
  stop(): Promise<void>;
}

export async function startEventGridStandIn(options: {
  caDir: string;
  /** The identity endpoint's issuer and keys (the local Entra stand-in). */
  identity: { issuer: string; jwksUri: string };
  port?: number;
}): Promise<EventGridStandIn> {
  const ca = await ensureLocalCa(options.caDir);
  const certificate = await ensureServerCertificate(ca, join(options.caDir, "eventgrid"));
  const keys = createRemoteJWKSet(new URL(options.identity.jwksUri));
  const events: ReceivedCloudEvent[] = [];
  const refused: EventGridStandIn["refused"] = [];
  const state: { failWith: number | undefined; attempts: number } = { failWith: undefined, attempts: 0 };

  async function publish(req: IncomingMessage): Promise<number> {
    const url = new URL(req.url ?? "/", "https://localhost");
    if (req.method !== "POST" || url.pathname !== "/api/events")
      throw new HttpError(404, "NotFound", "no such endpoint");
    if (!url.searchParams.get("api-version")) throw new HttpError(400, "BadRequest", "api-version is required");
    if (req.headers["aeg-sas-key"] || req.headers["aeg-sas-token"])
      throw new HttpError(401, "Unauthorized", "local authentication is disabled for this topic");
    const authorization = String(req.headers.authorization ?? "");
    if (!authorization.startsWith("Bearer ")) throw new HttpError(401, "Unauthorized", "a bearer token is required");
    try {
      await jwtVerify(authorization.slice(7), keys, { issuer: options.identity.issuer, audience: EVENT_GRID_AUDIENCE });
    } catch (error) {
      throw new HttpError(401, "Unauthorized", `token refused: ${(error as { code?: string }).code ?? "invalid"}`);
    }
    const contentType = String(req.headers["content-type"] ?? "")
      .split(";")[0]!
      .trim()
      .toLowerCase();
    if (contentType !== "application/cloudevents-batch+json")
      throw new HttpError(
        400,
        "BadRequest",
        `content-type ${contentType || "(none)"} is not application/cloudevents-batch+json`,
      );
    const body = await readBody(req, MAX_BATCH_BYTES);
    let batch: unknown;
    try {
      batch = JSON.parse(body.toString("utf8"));
    } catch {
      throw new HttpError(400, "BadRequest", "the body is not JSON");
    }
    if (!Array.isArray(batch) || batch.length === 0)
      throw new HttpError(400, "BadRequest", "the body must be a non-empty array");
    batch.forEach((event, index) => checkEvent(event, index));
    state.attempts += 1;
    if (state.failWith !== undefined) return state.failWith;
    events.push(...(batch as ReceivedCloudEvent[]));
    return 200;
  }

  const server: RunningServer = await listen(
    (req, res: ServerResponse) => {
      publish(req).then(
        (status) => {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(
            status === 200 ? "" : JSON.stringify({ error: { code: String(status), message: "injected failure" } }),
          );
        },
        (error: unknown) => {
          const status = error instanceof HttpError ? error.status : 500;
          const reason = error instanceof Error ? error.message : String(error);
          refused.push({ status, reason });
          res.writeHead(status, { "content-type": "application/json" });
          res.end(
            JSON.stringify({
              error: { code: error instanceof HttpError ? error.code : "InternalServerError", message: reason },
            }),
          );
        },
      );
    },
    { port: options.port ?? 0, tls: { key: certificate.key, cert: certificate.cert } },
  );
  return {
    endpoint: `https://localhost:${server.port}/api/events`,
    events,
    refused,
    get attempts() {
      return state.attempts;
    },
    get failWith() {
      return state.failWith;
    },
    set failWith(value) {
      state.failWith = value;
    },
    stop: () => server.close(),
  };
}

function checkEvent(event: unknown, index: number): void {
  const where = `event ${index}`;
  if (typeof event !== "object" || event === null || Array.isArray(event))
    throw new HttpError(400, "BadRequest", `${where} is not an object`);
  const e = event as Record<string, unknown>;
  if (e.specversion !== "1.0") throw new HttpError(400, "BadRequest", `${where}: specversion must be "1.0"`);
  for (const attribute of ["id", "source", "type"])
    if (typeof e[attribute] !== "string" || (e[attribute] as string).length === 0)
      throw new HttpError(400, "BadRequest", `${where}: ${attribute} is required (a non-empty string)`);
  if (Buffer.byteLength(JSON.stringify(event)) > MAX_BATCH_BYTES)
    throw new HttpError(413, "PayloadTooLarge", `${where} exceeds 1 MB`);
}
