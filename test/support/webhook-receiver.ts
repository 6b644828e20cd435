import { listen } from "../../local/http/server.js";
import { readBody } from "../../local/http/body.js";

export interface ReceivedWebhook {
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status codes to answer with, in order; when exhausted, 200. */
  respondWith: number[];
  /** Resolves once `count` deliveries matching `predicate` have arrived (or rejects after `timeoutMs`). */
  waitFor(predicate: (w: ReceivedWebhook) => boolean, count?: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/** A real HTTP endpoint that records what the emulator delivers, standing in for the app's webhook function. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const respondWith: number[] = [];
  const running = await listen(async (req, res) => {
    const raw = await readBody(req, 1024 * 1024);
    received.push({ headers: req.headers, body: JSON.parse(raw.toString("utf8")) as Record<string, unknown> });
    res.writeHead(respondWith.shift() ?? 200).end();
  }, {});
  return {
    url: `http://127.0.0.1:${running.port}/api/acr/events`,
    received,
    respondWith,
    async waitFor(predicate, count = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matches = received.filter(predicate);
        if (matches.length >= count) return matches;
        if (Date.now() > deadline)
          throw new Error(`expected ${count} matching webhook(s), got ${matches.length} of ${received.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: running.close,
  };
}
