import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../../http/body.js";
import { HttpError } from "../../http/errors.js";
import { sendEmpty, sendJson } from "../../http/respond.js";
import type { InvocationOutcome, Invoker } from "../invoke/invoker.js";
import type { HostLogger } from "../invoke/logger.js";
import type { Semaphore } from "../util/semaphore.js";
import { HostKeyCheck, presentedKey, type HostKeys } from "./auth-keys.js";
import { toRpcHttpRequest } from "./request-to-rpc.js";
import type { RouteTable } from "./route-table.js";
import { writeRpcHttpResponse } from "./rpc-to-response.js";

/** The real host's default request body limit (100 MB). */
const MAX_BODY_BYTES = 100 * 1024 * 1024;
const HTTP_REASON = "This function was programmatically called via the host APIs.";

export interface HttpDispatchOptions {
  routes: RouteTable;
  routePrefix: string;
  invoker: Invoker;
  keys: HostKeys;
  logger: HostLogger;
  /** host.json http.maxConcurrentRequests; undefined when unbounded (no semaphore to pass on every request). */
  concurrency?: Semaphore;
}

/** Serves HTTP-triggered functions under the route prefix: routing, 404/405, keys, conversion, 500 on failure. */
export class HttpFunctionDispatcher {
  readonly #options: HttpDispatchOptions;
  readonly #keys: HostKeyCheck;

  constructor(options: HttpDispatchOptions) {
    this.#options = options;
    this.#keys = new HostKeyCheck(options.keys);
  }

  /** The part of `pathname` under the route prefix, or undefined when the path is outside it. */
  relativePath(pathname: string): string | undefined {
    const prefix = this.#options.routePrefix;
    if (prefix === "") return pathname.replace(/^\/+/, "");
    const lower = pathname.toLowerCase();
    const base = `/${prefix.toLowerCase()}`;
    if (lower === base || lower === `${base}/`) return "";
    return lower.startsWith(`${base}/`) ? pathname.slice(base.length + 1) : undefined;
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, relativePath: string): Promise<void> {
    const { routes, invoker, concurrency } = this.#options;
    const method = (req.method ?? "GET").toUpperCase();
    const lookup = routes.lookup(method, relativePath);
    if (lookup.kind === "not-found") {
      req.resume();
      sendEmpty(res, 404);
      return;
    }
    if (lookup.kind === "method-not-allowed") {
      req.resume();
      sendEmpty(res, 405, { Allow: lookup.allowed.join(", ") });
      return;
    }
    const { route, params } = lookup;
    if (!this.#keys.authorizes(route.authLevel, presentedKey(req.headers, url))) {
      req.resume();
      sendEmpty(res, 401);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof HttpError) {
        sendJson(res, error.status, { error: error.message });
        return;
      }
      throw error;
    }
    const invoke = () =>
      invoker.invoke({
        fn: route.fn,
        reason: HTTP_REASON,
        trigger: { http: toRpcHttpRequest({ method, url, headers: req.headers, body }, params) },
      });
    const outcome = await (concurrency ? concurrency.run(invoke) : invoke());
    this.#respond(res, outcome, method, route.fn.name);
  }

  #respond(res: ServerResponse, outcome: InvocationOutcome, method: string, functionName: string): void {
    if (!outcome.ok) {
      this.#fail(res, outcome.invocationId, functionName);
      return;
    }
    try {
      writeRpcHttpResponse(res, outcome.response.returnValue?.http, method);
    } catch (error) {
      this.#options.logger.error(
        `Function.${functionName}`,
        `Invalid HTTP response from '${functionName}' (Id=${outcome.invocationId}): ${(error as Error).message}`,
        outcome.invocationId,
      );
      if (!res.headersSent) this.#fail(res, outcome.invocationId, functionName);
      else res.destroy();
    }
  }

  #fail(res: ServerResponse, invocationId: string, functionName: string): void {
    sendJson(
      res,
      500,
      { error: `Function '${functionName}' failed; see the host log for details.`, invocationId },
      { "x-ms-invocation-id": invocationId },
    );
  }
}
