import { acrError } from "../errors.js";

/**
 * The registry error code an injected status carries: the distribution spec's codes for the statuses it names
 * (UNAUTHORIZED 401, DENIED 403, TOOMANYREQUESTS 429; opencontainers/distribution-spec spec.md, "Error Codes"),
 * UNKNOWN for the rest (which code ACR sends with a 5xx is not documented).
 */
const FAULT_CODES: Readonly<Record<number, string>> = { 401: "UNAUTHORIZED", 403: "DENIED", 429: "TOOMANYREQUESTS" };

/** A failure the tests ask for: the next `times` requests matching method and path prefix get `status`. */
export interface FaultRule {
  method: string;
  pathPrefix: string;
  status: number;
  times: number;
}

/** Injected upstream failures (5xx, 429 without Retry-After), so clients' retry paths can be tested against real HTTP. */
export class Faults {
  private rules: FaultRule[] = [];

  set(rules: FaultRule[]): void {
    this.rules = rules.map((r) => ({ ...r }));
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  apply(method: string, path: string): void {
    const rule = this.rules.find(
      (r) => r.times > 0 && (r.method === "*" || r.method === method) && path.startsWith(r.pathPrefix),
    );
    if (!rule) return;
    rule.times -= 1;
    throw acrError(rule.status, FAULT_CODES[rule.status] ?? "UNKNOWN", `injected fault (${rule.status})`);
  }
}
