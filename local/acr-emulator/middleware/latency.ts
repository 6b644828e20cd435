import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Latency the tests ask for: requests matching method and path prefix are held `delayMs`.
 * - `hold: "response"` (the default): the request is handled at once — its effects are recorded, webhooks fire — and
 *   only the answer is held, as when a client's connection is slow or the client times out while the registry has
 *   already acted (the case idempotent clients must survive).
 * - `hold: "request"`: the request waits before it is handled, as a slow or overloaded registry would; nothing
 *   happens until the delay has passed.
 * `times` limits how many requests a rule holds; without it the rule holds every match until the rules are replaced.
 */
export interface LatencyRule {
  method: string;
  pathPrefix: string;
  delayMs: number;
  hold?: "response" | "request";
  times?: number;
}

export class Latency {
  private rules: LatencyRule[] = [];

  set(rules: LatencyRule[]): void {
    this.rules = rules.map((r) => ({ hold: "response", ...r }));
  }

  list(): LatencyRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Applies the first matching rule: waits (request hold) or arranges for the answer to be held (response hold). */
  async apply(method: string, path: string, res: ServerResponse): Promise<void> {
    const rule = this.rules.find(
      (r) =>
        (r.times === undefined || r.times > 0) &&
        (r.method === "*" || r.method === method) &&
        path.startsWith(r.pathPrefix),
    );
    if (!rule) return;
    if (rule.times !== undefined) rule.times -= 1;
    if (rule.hold === "request") await sleep(rule.delayMs);
    else holdResponse(res, rule.delayMs);
  }
}

type Deferred = "writeHead" | "write" | "end" | "flushHeaders";

/**
 * Holds everything a handler sends on `res` (status line, headers, body) for `delayMs`, then sends it in order. The
 * handler runs unchanged: its calls are queued and replayed. Bodies are buffered meanwhile (test responses are small).
 */
export function holdResponse(res: ServerResponse, delayMs: number): void {
  const queued: Array<() => void> = [];
  const originals = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  };
  const defer = (name: Deferred) =>
    function (this: ServerResponse, ...args: unknown[]) {
      queued.push(() => (originals[name] as (...a: unknown[]) => unknown).apply(res, args));
      // write() reports "keep writing"; the others return the response for chaining, as Node's do.
      return name === "write" ? true : res;
    };
  res.writeHead = defer("writeHead") as ServerResponse["writeHead"];
  res.write = defer("write") as ServerResponse["write"];
  res.end = defer("end") as ServerResponse["end"];
  res.flushHeaders = defer("flushHeaders") as ServerResponse["flushHeaders"];
  const timer = setTimeout(() => {
    Object.assign(res, originals);
    try {
      for (const call of queued) call();
    } catch {
      // The client went away meanwhile, or the handler answered twice: nothing more can be sent.
      res.destroy();
    }
  }, delayMs);
  // A client that hangs up while its answer is held needs no answer (before the answer is sent, "close" means that).
  res.once("close", () => clearTimeout(timer));
}
