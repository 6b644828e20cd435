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

/**
 * Whether the policy loads, as the anonymous health answer may show it: its version and how many load warnings or
 * problems it has, never the document or its text (that goes to the operator's log and the `npm start` banner).
 */
export type PolicyHealth =
  { loaded: true; version: string; warnings: number } | { loaded: false; code: string; problems: number };

export interface HealthProbes {
  storage(): Promise<Reachability>;
  /** Loads POLICY_DOCUMENT as the pipeline will (once per process). */
  policy(): PolicyHealth;
  /** Every gated registry (GATE_REGISTRIES), by login server. */
  registries(): Promise<Array<Reachability & { loginServer: string }>>;
}

export type HealthState =
  /** Storage and every gated registry answer. */
  | "ok"
  /**
   * Storage answers, but a registry does not (webhooks are taken and pipelines wait: activities retry), or the policy
   * does not load (webhooks are taken and every image stays quarantined until it does).
   */
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
  const policy = policyHealth(probes);
  const status: HealthState = !storage.reachable
    ? "unavailable"
    : registries.every((r) => r.reachable) && policy.loaded
      ? "ok"
      : "degraded";
  return {
    status: storage.reachable ? 200 : 503,
    ...(storage.reachable ? {} : { headers: { "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS) } }),
    jsonBody: { status, version, storage, registries, policy },
  };
}

function policyHealth(probes: HealthProbes): PolicyHealth {
  try {
    return probes.policy();
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    const problems = (error as { problems?: unknown })?.problems;
    return {
      loaded: false,
      code: typeof code === "string" ? code : "error",
      problems: Array.isArray(problems) ? problems.length : 1,
    };
  }
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
