import type { IncomingMessage, ServerResponse } from "node:http";
import { readJson } from "../../http/body.js";
import { HttpError } from "../../http/errors.js";
import { sendEmpty, sendJson } from "../../http/respond.js";
import type { FunctionRegistry, RegisteredFunction } from "../app/registry.js";
import type { InvocationOutcome, Invoker } from "../invoke/invoker.js";
import type { HostLogger } from "../invoke/logger.js";
import type { TimerScheduler } from "../timers/timer-scheduler.js";
import { keyMatches, presentedKey, type HostKeys } from "./auth-keys.js";

export interface AdminApiOptions {
  registry: FunctionRegistry;
  invoker: Invoker;
  timers: TimerScheduler;
  keys: HostKeys;
  logger: HostLogger;
  hostId: string;
}

const INVOKE = /^\/admin\/functions\/([^/]+)\/?$/i;

/**
 * The host's admin surface that local work needs: `POST /admin/functions/{name}` runs any non-HTTP function now (body
 * `{"input": "..."}`, answered 202 before the function finishes, like the real host), `GET /admin/functions` lists the
 * registrations, `GET /admin/host/status` reports the host. All of them require the master key.
 */
export class AdminApi {
  readonly #options: AdminApiOptions;
  readonly #running = new Set<Promise<InvocationOutcome>>();

  constructor(options: AdminApiOptions) {
    this.#options = options;
  }

  handles(pathname: string): boolean {
    return pathname.toLowerCase().startsWith("/admin/");
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!keyMatches(presentedKey(req.headers, url.searchParams), this.#options.keys.masterKey)) {
      req.resume();
      sendEmpty(res, 401);
      return;
    }
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname;
    const invoke = INVOKE.exec(path);
    if (invoke && method === "POST") return this.#invoke(req, res, decodeURIComponent(invoke[1]!));
    req.resume();
    if (invoke && method === "GET") return this.#describe(res, decodeURIComponent(invoke[1]!));
    if (/^\/admin\/functions\/?$/i.test(path) && method === "GET") {
      sendJson(res, 200, this.#options.registry.all().map(describe));
      return;
    }
    if (/^\/admin\/host\/status\/?$/i.test(path) && method === "GET") {
      sendJson(res, 200, {
        id: this.#options.hostId,
        state: "Running",
        version: "devhost",
        processUptime: Math.round(process.uptime() * 1000),
      });
      return;
    }
    sendEmpty(res, 404);
  }

  /** Waits for admin-started invocations that are still running (used on shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }

  #describe(res: ServerResponse, name: string): void {
    const fn = this.#options.registry.get(name);
    if (!fn) sendEmpty(res, 404);
    else sendJson(res, 200, describe(fn));
  }

  async #invoke(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const fn = this.#options.registry.get(name);
    if (!fn) {
      req.resume();
      sendJson(res, 404, { error: `No function named '${name}'.` });
      return;
    }
    let input: string | undefined;
    try {
      input = parseInvokeBody(await readJson(req));
    } catch (error) {
      if (error instanceof HttpError) {
        sendJson(res, error.status, { error: error.message });
        return;
      }
      throw error;
    }
    const refusal = refusalFor(fn);
    if (refusal) {
      sendJson(res, 400, { error: refusal });
      return;
    }
    const run =
      fn.kind === "timer"
        ? this.#options.timers.runNow(fn)
        : this.#options.invoker.invoke({
            fn,
            trigger: { string: input ?? "" },
            reason: "This function was programmatically called via the host APIs.",
          });
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
    sendEmpty(res, 202);
  }
}

function parseInvokeBody(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "BODY_INVALID", 'expected a JSON object like {"input": "..."}');
  }
  const input = (body as { input?: unknown }).input;
  if (input !== undefined && input !== null && typeof input !== "string") {
    throw new HttpError(400, "BODY_INVALID", '"input" must be a string');
  }
  return input ?? undefined;
}

function refusalFor(fn: RegisteredFunction): string | undefined {
  switch (fn.kind) {
    case "http":
      return `'${fn.name}' is an HTTP function; call its route instead.`;
    case "orchestration":
    case "activity":
    case "entity":
      return `'${fn.name}' is a durable ${fn.kind} function; start orchestrations through the durable client API.`;
    default:
      return undefined;
  }
}

function describe(fn: RegisteredFunction): Record<string, unknown> {
  return {
    name: fn.name,
    kind: fn.kind,
    trigger: { ...fn.trigger, name: fn.triggerName },
    bindings: fn.metadata.bindings,
  };
}
