import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { sendJson } from "../../http/respond.js";
import type { HostLogger } from "../invoke/logger.js";
import {
  BufferedRequest,
  CollectedResponse,
  type FrontAnswer,
  type HostRequest,
  type HostResponse,
} from "./host-exchange.js";

/** The real host's default request body limit (100 MB); the front refuses a larger body with 413. */
export const MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024;

/** One area of the host's URL space (admin API, durable APIs, functions…). */
export interface HostArea {
  name: string;
  /** Returns true when this area owns the path. */
  claims(url: URL): boolean;
  handle(req: HostRequest, res: HostResponse, url: URL): Promise<void>;
}

/** One listening address of the host and the areas it serves. */
export interface HostListener {
  name: string;
  host: string;
  /** 0: a free port. */
  port: number;
  areas: () => readonly HostArea[];
}

export interface RunningHostServer {
  /** The port each listener got, by name. */
  ports: Readonly<Record<string, number>>;
  /** Stops one listener (its connections are closed); the others keep serving. */
  closeListener(name: string): Promise<void>;
  /** Stops every listener and the front. */
  close(): Promise<void>;
}

type FrontMessage =
  | { type: "listening"; ports: Record<string, number> }
  | { type: "listen-failed"; message: string; code?: string }
  | { type: "closed"; name: string }
  | {
      type: "request";
      id: number;
      server: string;
      method: string;
      url: string;
      headers: HostRequest["headers"];
      body: Uint8Array;
    };

/**
 * The devhost's HTTP server. Connections and parsing run on a worker thread (front-worker.mjs), as the real Functions
 * host terminates HTTP in a process of its own and hands each request to the language worker; here, on the thread the
 * app's functions run on, the first area that claims a path serves it, nothing claims it → 404. A failure inside an
 * area is logged and answered with 500 instead of escaping, so the host keeps serving.
 */
export async function startHostServer(
  listeners: readonly HostListener[],
  logger: HostLogger,
): Promise<RunningHostServer> {
  const byName = new Map(listeners.map((listener) => [listener.name, listener]));
  const worker = new Worker(frontWorkerUrl(), {
    workerData: {
      servers: listeners.map(({ name, host, port }) => ({ name, host, port })),
      maxBodyBytes: MAX_REQUEST_BODY_BYTES,
    },
  });
  let stopped = false;
  // Copied, never transferred: a body may be a buffer the app keeps and answers with again (a cached page).
  const send = (answer: FrontAnswer) => {
    if (!stopped) worker.postMessage(answer);
  };

  const onClosed = new Map<string, () => void>();
  let closing: Promise<void> | undefined;
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    worker.on("error", (error) => {
      logger.error("Host", `The HTTP front failed: ${error.stack ?? error.message}`);
      reject(error);
    });
    worker.on("exit", (code) => {
      stopped = true;
      for (const resolveClosed of onClosed.values()) resolveClosed();
      if (!closing) logger.error("Host", `The HTTP front exited with ${code}: the host no longer answers HTTP.`);
      reject(new Error(`the HTTP front exited with ${code} before it listened`));
    });
    worker.on("message", (message: FrontMessage) => {
      switch (message.type) {
        case "listening":
          resolve(message.ports);
          return;
        case "listen-failed":
          reject(Object.assign(new Error(message.message), { code: message.code }));
          return;
        case "closed":
          onClosed.get(message.name)?.();
          onClosed.delete(message.name);
          return;
        case "request": {
          const listener = byName.get(message.server);
          const body = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
          const req = new BufferedRequest(message.method, message.url, message.headers, body);
          const res = new CollectedResponse(message.id, send);
          void serve(req, res, listener ? listener.areas() : [], logger);
        }
      }
    });
  }).catch(async (error: unknown) => {
    stopped = true;
    await worker.terminate();
    throw error;
  });
  const closeListener = (name: string) =>
    stopped
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          onClosed.set(name, resolve);
          worker.postMessage({ type: "close", name });
        });
  return {
    ports,
    closeListener,
    close: () =>
      (closing ??= (async () => {
        await Promise.all(listeners.map((listener) => closeListener(listener.name)));
        stopped = true;
        await worker.terminate();
      })()),
  };
}

/** Next to this module in the sources; under dist (tsc does not copy .mjs files) in the sources beside it. */
function frontWorkerUrl(): URL {
  const sibling = new URL("./front-worker.mjs", import.meta.url);
  if (existsSync(sibling)) return sibling;
  return new URL("../../../../local/devhost/http/front-worker.mjs", import.meta.url);
}

async function serve(
  req: HostRequest,
  res: HostResponse,
  areas: readonly HostArea[],
  logger: HostLogger,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url, `http://${req.headers.host ?? "127.0.0.1"}`);
  } catch {
    sendJson(res, 400, { error: "malformed request URL" });
    return;
  }
  try {
    const area = areas.find((a) => a.claims(url));
    if (!area) {
      res.writeHead(404, { "Content-Length": "0" });
      res.end();
      return;
    }
    await area.handle(req, res, url);
    if (!res.ended) {
      logger.error("Host", `${req.method} ${url.pathname}: the ${area.name} area finished without an answer`);
      if (!res.headersSent) sendJson(res, 500, { error: "internal host error" });
      else res.destroy();
    }
  } catch (error) {
    logger.error(
      "Host",
      `Unhandled error serving ${req.method} ${url.pathname}: ${(error as Error).stack ?? String(error)}`,
    );
    if (!res.headersSent) sendJson(res, 500, { error: "internal host error" });
    else res.destroy();
  }
}
