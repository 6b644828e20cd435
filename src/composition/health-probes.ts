import { isRestError } from "@azure/core-rest-pipeline";
import { AcrTransport } from "../acr/http/transport.js";
import type { HealthProbes, PolicyHealth, Reachability } from "../http/health.js";
import type { GatePolicy } from "../pipeline/gate-policy.js";
import { unreachable } from "../http/health.js";
import { isStorageUnavailable } from "../http/storage-unavailable.js";
import { tableClient, type StorageConnection } from "../storage/clients.js";

/** How long one probe may take: a health check that hangs tells a load balancer nothing. */
const PROBE_TIMEOUT_MS = 3_000;

/**
 * The probes behind /api/health, with the app's own clients and without credentials:
 * - storage: a point read of a row that does not exist in the approval ledger's table; an answer from the table
 *   service (404 included) means it is reachable; no answer, 503 ServerBusy, or 401/403 (the app may not use it)
 *   means it is not;
 * - registries: `GET /v2/` without a token on every gated registry; ACR answers 401 with its Bearer challenge
 *   (acr-protocol.md §1.2), which is enough to know it is there. No token is asked for or sent.
 */
export function healthProbes(parts: {
  storage: () => StorageConnection;
  table: () => string;
  registries: () => readonly string[];
  /** The loaded policy; throws ConfigError or PolicyError when it does not load. */
  policy: () => GatePolicy;
}): HealthProbes {
  const transport = new AcrTransport({
    retry: { maxRetries: 0 },
    timeoutMs: PROBE_TIMEOUT_MS,
    userAgent: "acr-quarantine-gate-health",
  });
  return {
    policy(): PolicyHealth {
      const { version, warnings } = parts.policy();
      return { loaded: true, version, warnings: warnings.length };
    },
    async storage(): Promise<Reachability> {
      try {
        await tableClient(parts.storage(), parts.table()).getEntity("health", "probe", {
          abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        });
        return { reachable: true, httpStatus: 200 };
      } catch (error) {
        if (!isRestError(error) || error.statusCode === undefined || isStorageUnavailable(error))
          return unreachable(error);
        // Storage answers but refuses this app (missing role, wrong key): as good as unreachable for the gate.
        if (error.statusCode === 401 || error.statusCode === 403)
          return { reachable: false, httpStatus: error.statusCode, problem: error.code ?? "forbidden" };
        return { reachable: true, httpStatus: error.statusCode };
      }
    },
    async registries() {
      return Promise.all(
        parts.registries().map(async (loginServer) => {
          try {
            const response = await transport.send({
              method: "GET",
              url: new URL(`https://${loginServer}/v2/`),
              registry: loginServer,
            });
            // 401 is the registry's challenge (it is there and speaks the protocol); 403 is a network rule refusing
            // this app, 5xx a registry in trouble.
            const reachable = response.status === 401 || (response.status >= 200 && response.status < 300);
            return reachable
              ? { loginServer, reachable, httpStatus: response.status }
              : { loginServer, reachable, httpStatus: response.status, problem: `HTTP ${response.status}` };
          } catch {
            return { loginServer, reachable: false, problem: "no answer" };
          }
        }),
      );
    },
  };
}
