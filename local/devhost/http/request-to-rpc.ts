import type { IncomingHttpHeaders } from "node:http";
import type { RpcHttpData } from "../app/core-types.js";

export interface IncomingRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Converts an incoming request into the RPC shape the Functions host sends to the Node worker: header names lower-case,
 * repeated headers and query values joined with "," (ASP.NET's StringValues.ToString()), route parameters as strings,
 * and the body as bytes. `@azure/functions` then builds its HttpRequest from exactly this.
 */
export function toRpcHttpRequest(request: IncomingRequest, params: Record<string, string>): RpcHttpData {
  const headers: Record<string, string> = {};
  for (const name in request.headers) {
    const value = request.headers[name];
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  // Most requests (every webhook delivery) have no query string: nothing to walk.
  if (request.url.search !== "") {
    for (const key of new Set(request.url.searchParams.keys())) {
      query[key] = request.url.searchParams.getAll(key).join(",");
    }
  }
  return {
    method: request.method.toUpperCase(),
    url: request.url.href,
    headers,
    query,
    params: { ...params },
    body: request.body.length > 0 ? { bytes: request.body } : undefined,
  };
}
