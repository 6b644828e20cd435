import type { ServerResponse } from "node:http";
import type { RpcHttpData, RpcTypedData } from "../app/core-types.js";
import { serializeSetCookie } from "./set-cookie.js";

/** Headers Node computes itself; copying a function's value could contradict the bytes actually sent. */
const COMPUTED_HEADERS = new Set(["content-length", "transfer-encoding", "connection"]);

/**
 * Writes a function's HTTP output (the RPC `http` data `@azure/functions` produced) to the client: status, headers,
 * cookies as Set-Cookie, and the body bytes. No response at all (a handler that returned nothing) becomes 204.
 */
export function writeRpcHttpResponse(res: ServerResponse, http: RpcHttpData | null | undefined, method: string): void {
  if (!http) {
    res.writeHead(204, { "Content-Length": "0" });
    res.end();
    return;
  }
  const status =
    http.statusCode === undefined || http.statusCode === null || http.statusCode === "" ? 200 : Number(http.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new Error(`The function returned an invalid HTTP status "${http.statusCode}".`);
  }
  const headers: Record<string, string | string[]> = {};
  const given = http.headers ?? {};
  for (const name in given) {
    if (COMPUTED_HEADERS.has(name.toLowerCase())) continue;
    headers[name] = given[name]!;
  }
  if (http.cookies && http.cookies.length > 0) {
    const cookies = http.cookies.map(serializeSetCookie);
    const existing = headers["set-cookie"];
    headers["set-cookie"] = [
      ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
      ...cookies,
    ];
  }
  const body = bodyBytes(http.body);
  const bodyAllowed = method.toUpperCase() !== "HEAD" && status !== 204 && status !== 304;
  headers["content-length"] = String(bodyAllowed ? body.length : 0);
  res.writeHead(status, headers);
  res.end(bodyAllowed ? body : undefined);
}

function bodyBytes(body: RpcTypedData | null | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  if (body.bytes) return Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
  if (typeof body.string === "string") return Buffer.from(body.string, "utf8");
  if (typeof body.json === "string") return Buffer.from(body.json, "utf8");
  if (typeof body.int === "number" || typeof body.double === "number")
    return Buffer.from(String(body.int ?? body.double));
  return Buffer.alloc(0);
}
