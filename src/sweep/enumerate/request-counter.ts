import { createDefaultHttpClient, type HttpClient, type PipelineRequest } from "@azure/core-rest-pipeline";

export type RequestKind =
  "catalog" | "manifestList" | "manifestGet" | "manifestPatch" | "token" | "exchange" | "challenge" | "arm" | "other";

export type RequestCounts = Record<RequestKind, number>;

export type RequestReport = RequestCounts & { total: number; readOps: number; budgetPerMinute: number };

const ZERO: RequestCounts = {
  catalog: 0,
  manifestList: 0,
  manifestGet: 0,
  manifestPatch: 0,
  token: 0,
  exchange: 0,
  challenge: 0,
  arm: 0,
  other: 0,
};

/** What a request to a registry or ARM is, by method and path. Retries are separate requests: each one costs. */
export function requestKind(method: string, url: string): RequestKind {
  const path = new URL(url).pathname;
  if (path.startsWith("/subscriptions/")) return "arm";
  if (path === "/oauth2/exchange") return "exchange";
  if (path === "/oauth2/token") return "token";
  if (path === "/v2/" || path === "/v2") return "challenge";
  if (path === "/acr/v1/_catalog") return "catalog";
  if (/^\/acr\/v1\/.+\/_manifests$/.test(path)) return "manifestList";
  if (/^\/acr\/v1\/.+\/_manifests\/[^/]+$/.test(path)) return method === "PATCH" ? "manifestPatch" : "manifestGet";
  return "other";
}

/**
 * Counts every request that leaves the process through the HttpClient it hands out (the SDK's default Node client
 * underneath), so a report can say exactly what a sweep cost the registry: ReadOps, WriteOps and token requests.
 */
export class RequestCounter {
  private readonly counts: RequestCounts = { ...ZERO };

  httpClient(inner: HttpClient = createDefaultHttpClient()): HttpClient {
    return {
      sendRequest: (request: PipelineRequest) => {
        this.counts[requestKind(request.method, request.url)] += 1;
        return inner.sendRequest(request);
      },
    };
  }

  snapshot(): RequestCounts {
    return { ...this.counts };
  }

  /** GET requests on the registry that count against its ReadOps (catalog, manifest lists and gets, the challenge). */
  readOps(): number {
    return this.counts.catalog + this.counts.manifestList + this.counts.manifestGet + this.counts.challenge;
  }

  total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  /** What a run's report says about its requests: each kind, the total, the ReadOps, and the budget they had. */
  report(budgetPerMinute: number): RequestReport {
    return { ...this.snapshot(), total: this.total(), readOps: this.readOps(), budgetPerMinute };
  }
}
