import type { HttpResponseInit } from "@azure/functions";
import { STORAGE_RETRY_AFTER_SECONDS } from "./storage-unavailable.js";

/** One dependency's reachability, as /api/health shows it: never a key, a connection string or a token. */
export interface Reachability {
  reachable: boolean;
  /** The answer's HTTP status when there was one (a registry's 401 challenge means it is there). */
  httpStatus?: number;
  /** Why it is not reachable: an error code or a short phrase ("timeout", "not configured"), never a secret. */
  problem?: string;
}

export interface HealthProbes {
  storage(): Promise<Reachability>;
  /** Every gated registry (GATE_REGISTRIES), by login server. */
  registries(): Promise<Array<Reachability & { loginServer: string }>>;
}

export type HealthState =
  /** Storage and every gated registry answer. */
  | "ok"
  /** Storage answers, a registry does not: webhooks are taken and pipelines wait (activities retry). */
  | "degraded"
  /** Storage does not answer: nothing durable can happen, webhooks are refused with 503. */
  | "unavailable";

/**
 * The health answer: 200 while storage answers ("ok", or "degraded" when a registry does not), 503 with Retry-After
 * when storage does not — the app can then start no pipeline and record no decision.
 */
export async function healthAnswer(probes: HealthProbes, version: string): Promise<HttpResponseInit> {
  const [storage, registries] = await Promise.all([
    probes.storage().catch((error: unknown) => unreachable(error)),
    probes.registries().catch((error: unknown) => [{ loginServer: "(settings)", ...unreachable(error) }]),
  ]);
  const status: HealthState = !storage.reachable
    ? "unavailable"
    : registries.every((r) => r.reachable)
      ? "ok"
      : "degraded";
  return {
    status: storage.reachable ? 200 : 503,
    ...(storage.reachable ? {} : { headers: { "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS) } }),
    jsonBody: { status, version, storage, registries },
  };
}

/** An error as a reachability problem: its code or name only (messages may hold URLs with query strings). */
export function unreachable(error: unknown): Reachability {
  const code = (error as { code?: unknown })?.code;
  const name = (error as Error)?.name;
  const problem =
    name === "AbortError" || name === "TimeoutError"
      ? "timeout"
      : typeof code === "string"
        ? code
        : typeof name === "string"
          ? name
          : "error";
  return { reachable: false, problem };
}
