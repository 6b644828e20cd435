import {
  createHttpHeaders,
  RestError,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { UnsecuredJWT } from "jose";
import type { TokenCredential } from "@azure/identity";

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface SeenRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * An in-memory HttpClient for unit tests of one module: answers from a handler, records what was sent. A handler
 * may throw a RestError (a transport failure) or return "hang" to never answer until the request is aborted.
 */
export function fakeHttp(
  handler: (request: SeenRequest, index: number) => FakeAnswer | "hang" | Error,
): HttpClient & { seen: SeenRequest[] } {
  const seen: SeenRequest[] = [];
  return {
    seen,
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const entry: SeenRequest = {
        method: request.method,
        url: new URL(request.url),
        headers: Object.fromEntries([...request.headers].map(([k, v]) => [k.toLowerCase(), v])),
        body: typeof request.body === "string" ? request.body : undefined,
      };
      seen.push(entry);
      const answer = handler(entry, seen.length - 1);
      if (answer instanceof Error)
        throw answer instanceof RestError
          ? answer
          : new RestError(answer.message, { code: (answer as NodeJS.ErrnoException).code, request });
      if (answer === "hang") {
        // Like the Node client: an abort (the timeout) rejects with an AbortError.
        return new Promise((_, reject) => {
          const timer = setTimeout(() => reject(new Error("the fake never answers")), 10_000);
          const abort = () => {
            clearTimeout(timer);
            const error = new Error("The operation was aborted.");
            error.name = "AbortError";
            reject(error);
          };
          if (request.timeout > 0) setTimeout(abort, request.timeout);
        });
      }
      const body =
        answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
      return { status: answer.status, headers: createHttpHeaders(answer.headers ?? {}), request, bodyAsText: body };
    },
  };
}

/** An unsigned JWT with iat/exp, as ACR tokens look to a client that only reads `exp`. */
export function fakeJwt(lifetimeSeconds: number, now = Date.now(), claims: Record<string, unknown> = {}): string {
  const iat = Math.floor(now / 1000);
  return new UnsecuredJWT(claims)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetimeSeconds)
    .encode();
}

export function fakeCredential(): TokenCredential & { calls: number } {
  const credential = {
    calls: 0,
    async getToken() {
      credential.calls++;
      return { token: "aad-token-value", expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  return credential;
}

export const SERVER = "registry.example.io";
export const CHALLENGE = { "WWW-Authenticate": `Bearer realm="https://${SERVER}/oauth2/token",service="${SERVER}"` };

/**
 * A minimal registry for client unit tests: challenge, exchange and token endpoints issuing fake JWTs, then
 * `data` for everything else. Counts what it issued.
 */
export function fakeRegistry(
  data: (request: SeenRequest, index: number) => FakeAnswer | "hang" | Error,
  lifetimes = { refresh: 10_800, access: 4_500 },
) {
  const issued = { exchanges: 0, tokens: 0, scopes: [] as string[][] };
  const http = fakeHttp((request, index) => {
    const path = request.url.pathname;
    if (path === "/v2/" && !request.headers.authorization)
      return {
        status: 401,
        headers: CHALLENGE,
        body: { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] },
      };
    if (path === "/oauth2/exchange") {
      issued.exchanges++;
      return { status: 200, body: { refresh_token: fakeJwt(lifetimes.refresh) } };
    }
    if (path === "/oauth2/token") {
      issued.tokens++;
      issued.scopes.push(new URLSearchParams(request.body).getAll("scope"));
      return { status: 200, body: { access_token: fakeJwt(lifetimes.access) } };
    }
    return data(request, index);
  });
  return { http, issued };
}

export function manifestBody(
  digest: string,
  changeable: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  return {
    registry: SERVER,
    imageName: "team/app",
    manifest: {
      digest,
      createdTime: "2026-01-01T00:00:00Z",
      lastUpdateTime: "2026-01-01T00:00:00Z",
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      tags: ["v1"],
      changeableAttributes: {
        deleteEnabled: true,
        writeEnabled: true,
        readEnabled: true,
        listEnabled: true,
        ...changeable,
      },
      ...extra,
    },
  };
}
