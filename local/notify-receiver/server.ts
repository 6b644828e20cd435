import type { IncomingMessage, ServerResponse } from "node:http";
import { Webhook } from "standardwebhooks";
import { listen, type RunningServer } from "../http/server.js";
import { readBody } from "../http/body.js";

/**
 * The local notification receiver: stands in for a webhook endpoint, a Teams Workflows webhook and a Slack incoming
 * webhook, and shows what the gate would have sent. POST `/hooks/<sink>` records the request; GET `/` lists what
 * arrived (newest last) as JSON, GET `/view` as a plain page. Webhook deliveries are checked with the Standard
 * Webhooks library's own verifier (the receiver knows the local secret), and the result is shown with each.
 */
export interface ReceivedDelivery {
  sink: string;
  at: string;
  headers: Record<string, string>;
  body: unknown;
  /** Webhooks only: whether standardwebhooks' Webhook.verify accepted the signature. */
  signature?: "valid" | "invalid";
  raw: string;
}

export interface NotifyReceiver {
  url: string;
  /** The URL a sink posts to. */
  hookUrl(sink: string): string;
  readonly deliveries: ReceivedDelivery[];
  /** Every POST, taken or refused: which sink, the webhook-id when there is one, the status answered. */
  readonly attempts: Array<{ sink: string; id: string | undefined; status: number }>;
  /** The Standard Webhooks secret the receiver verifies with (the app signs with the same, local only). */
  webhookSecret: string | undefined;
  /** While set, every POST is answered with this status (a sink that is down). */
  failWith: number | undefined;
  stop(): Promise<void>;
}

const SHOWN_HEADERS = ["content-type", "webhook-id", "webhook-timestamp", "webhook-signature"];

export async function startNotifyReceiver(
  options: { webhookSecret?: string; port?: number } = {},
): Promise<NotifyReceiver> {
  const deliveries: ReceivedDelivery[] = [];
  const attempts: NotifyReceiver["attempts"] = [];
  const state: { failWith: number | undefined } = { failWith: undefined };
  const verifier = options.webhookSecret ? new Webhook(options.webhookSecret) : undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/")
      return json(
        res,
        200,
        deliveries.map(({ raw: _raw, ...d }) => d),
      );
    if (req.method === "GET" && url.pathname === "/view") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      res.end(
        deliveries.length === 0
          ? "nothing sent yet\n"
          : deliveries
              .map((d) => `${d.at} ${d.sink} ${d.signature ?? ""}\n${JSON.stringify(d.body, null, 2)}\n`)
              .join("\n"),
      );
      return;
    }
    const hook = /^\/hooks\/([a-z0-9-]{1,63})$/.exec(url.pathname);
    if (req.method !== "POST" || !hook) return json(res, 404, { error: "POST /hooks/<sink>" });
    const raw = (await readBody(req, 1024 * 1024)).toString("utf8");
    const id = typeof req.headers["webhook-id"] === "string" ? req.headers["webhook-id"] : undefined;
    attempts.push({ sink: hook[1]!, id, status: state.failWith ?? 200 });
    if (state.failWith !== undefined) return json(res, state.failWith, { error: "the receiver is down (injected)" });
    const headers: Record<string, string> = {};
    for (const name of SHOWN_HEADERS) if (typeof req.headers[name] === "string") headers[name] = req.headers[name];
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return json(res, 400, { error: "not JSON" });
    }
    const delivery: ReceivedDelivery = { sink: hook[1]!, at: new Date().toISOString(), headers, body, raw };
    if (headers["webhook-id"] && verifier) {
      try {
        verifier.verify(raw, headers);
        delivery.signature = "valid";
      } catch {
        delivery.signature = "invalid";
      }
    }
    deliveries.push(delivery);
    json(res, 200, { ok: true });
  }

  const server: RunningServer = await listen(
    (req, res) => {
      handle(req, res).catch((error: Error) => json(res, 500, { error: error.message }));
    },
    { port: options.port ?? 0 },
  );
  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    hookUrl: (sink) => `${url}/hooks/${sink}`,
    deliveries,
    attempts,
    webhookSecret: options.webhookSecret,
    get failWith() {
      return state.failWith;
    },
    set failWith(value) {
      state.failWith = value;
    },
    stop: () => server.close(),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
