import type { IncomingMessage, ServerResponse } from "node:http";
import { readJson } from "../../http/body.js";
import { HttpError } from "../../http/errors.js";
import { sendEmpty, sendJson } from "../../http/respond.js";
import type { FunctionRegistry, RegisteredFunction } from "../app/registry.js";
import type { InvocationOutcome, Invoker } from "../invoke/invoker.js";
import type { HostLogger } from "../invoke/logger.js";
import type { TimerScheduler } from "../timers/timer-scheduler.js";
import { HostClockError, type HostClock } from "../util/host-clock.js";
import { keyMatches, presentedKey, type HostKeys } from "./auth-keys.js";

export interface AdminApiOptions {
  registry: FunctionRegistry;
  invoker: Invoker;
  timers: TimerScheduler;
  keys: HostKeys;
  logger: HostLogger;
  hostId: string;
  clock: HostClock;
}

const INVOKE = /^\/admin\/functions\/([^/]+)\/?$/i;
const CLOCK = /^\/admin\/host\/clock\/?$/i;

/**
 * The host's admin surface that local work needs: `POST /admin/functions/{name}` runs any non-HTTP function now (body
 * `{"input": "..."}`, answered 202 before the function finishes, like the real host), `GET /admin/functions` lists the
 * registrations, `GET /admin/host/status` reports the host. All of them require the master key.
 *
 * Only when the host runs with the adjustable clock (DEVHOST_ADJUSTABLE_CLOCK=1, tests): `GET /admin/host/clock` reads
 * it and `POST /admin/host/clock` with `{"advanceMs": n}` moves it forward. Otherwise that route does not exist (404),
 * so a host started the ordinary way has no way to change its time. A devhost route, not one of the real host's.
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
    if (CLOCK.test(path) && this.#options.clock.adjustable) return this.#clock(req, res, method);
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

  async #clock(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const { clock, logger } = this.#options;
    const reading = (): Record<string, unknown> => ({
      now: clock.now().toISOString(),
      offsetMs: clock.offsetMs,
      adjustable: clock.adjustable,
    });
    if (method === "GET") {
      req.resume();
      sendJson(res, 200, reading());
      return;
    }
    if (method !== "POST") {
      req.resume();
      sendEmpty(res, 405, { Allow: "GET, POST" });
      return;
    }
    try {
      const advanceMs = parseAdvanceBody(await readJson(req));
      clock.advance(advanceMs);
    } catch (error) {
      if (error instanceof HttpError) {
        sendJson(res, error.status, { error: error.message, code: error.code });
        return;
      }
      if (error instanceof HostClockError) {
        sendJson(res, 400, { error: error.message, code: error.code });
        return;
      }
      throw error;
    }
    logger.info("Host.Clock", `Host clock advanced: now ${clock.now().toISOString()} (${clock.offsetMs} ms ahead).`);
    const { now, offsetMs } = reading();
    sendJson(res, 200, { now, offsetMs });
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

/** `{"advanceMs": <positive integer>}` and nothing else: a misspelt or extra field is refused, not ignored. */
function parseAdvanceBody(body: unknown): number {
  const shape = '{"advanceMs": <positive integer of milliseconds>}';
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "BODY_INVALID", `expected a JSON object like ${shape}`);
  }
  const extra = Object.keys(body).filter((key) => key !== "advanceMs");
  if (extra.length > 0) {
    throw new HttpError(400, "BODY_INVALID", `unknown field(s) ${extra.join(", ")}; expected ${shape}`);
  }
  const advanceMs = (body as { advanceMs?: unknown }).advanceMs;
  if (typeof advanceMs !== "number" || !Number.isSafeInteger(advanceMs) || advanceMs <= 0) {
    throw new HttpError(
      400,
      "CLOCK_ADVANCE_INVALID",
      `"advanceMs" must be a positive integer number of milliseconds (the clock never goes backward); expected ${shape}`,
    );
  }
  return advanceMs;
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
