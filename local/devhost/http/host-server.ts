import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "../../http/respond.js";
import { listen, type RunningServer } from "../../http/server.js";
import type { HostLogger } from "../invoke/logger.js";

/** One area of the host's URL space (admin API, durable APIs, functions…). */
export interface HostArea {
  name: string;
  /** Returns true when this area owns the path. */
  claims(url: URL): boolean;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
}

/**
 * The devhost's HTTP server: the first area that claims a path serves it; nothing claims it → 404. A failure inside an
 * area is logged and answered with 500 instead of escaping, so the host keeps serving.
 */
export async function startHostServer(
  areas: () => readonly HostArea[],
  options: { port: number; host: string; logger: HostLogger },
): Promise<RunningServer> {
  return listen((req, res) => void serve(req, res, areas(), options.logger), {
    port: options.port,
    host: options.host,
  });
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  areas: readonly HostArea[],
  logger: HostLogger,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
  } catch {
    req.resume();
    sendJson(res, 400, { error: "malformed request URL" });
    return;
  }
  try {
    const area = areas.find((a) => a.claims(url));
    if (!area) {
      req.resume();
      res.writeHead(404, { "Content-Length": "0" });
      res.end();
      return;
    }
    await area.handle(req, res, url);
  } catch (error) {
    logger.error(
      "Host",
      `Unhandled error serving ${req.method} ${url.pathname}: ${(error as Error).stack ?? String(error)}`,
    );
    if (!res.headersSent) sendJson(res, 500, { error: "internal host error" });
    else res.destroy();
  }
}
