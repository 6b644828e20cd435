import { describe, expect, it } from "vitest";
import { RestError, createHttpHeaders } from "@azure/core-rest-pipeline";
import { AcrTransport } from "../../../src/acr/http/transport.js";
import { retryAfterMs } from "../../../src/acr/http/retry.js";
import { errorFromResponse } from "../../../src/acr/http/responses.js";
import {
  AcrAuthError,
  AcrInvalidInputError,
  AcrNotFoundError,
  AcrQuarantinedError,
  AcrRequestError,
  AcrThrottledError,
} from "../../../src/acr/index.js";
import { fakeHttp } from "./fake-http.js";

const URL_ = new URL("https://r.example.io/acr/v1/team/app/_manifests");
const FAST = { retryDelayMs: 1, maxRetryDelayMs: 5, maxRetries: 3 };

function transport(
  handler: Parameters<typeof fakeHttp>[0],
  options: ConstructorParameters<typeof AcrTransport>[0] = {},
) {
  const http = fakeHttp(handler);
  return { http, transport: new AcrTransport({ httpClient: http, retry: FAST, ...options }) };
}

describe("Retry-After", () => {
  it("reads retry-after-ms, x-ms-retry-after-ms, seconds and HTTP dates", () => {
    expect(retryAfterMs(createHttpHeaders({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(retryAfterMs(createHttpHeaders({ "x-ms-retry-after-ms": "40" }))).toBe(40);
    expect(retryAfterMs(createHttpHeaders({ "retry-after": "3" }))).toBe(3000);
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(retryAfterMs(createHttpHeaders({ "retry-after": new Date(now + 7000).toUTCString() }), now)).toBe(7000);
    expect(retryAfterMs(createHttpHeaders({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMs(createHttpHeaders({}))).toBeUndefined();
  });
});

describe("AcrTransport retries", () => {
  it("retries 429 (with and without Retry-After), 408 and 5xx, then returns the success", async () => {
    const statuses = [429, 429, 503, 200];
    const { http, transport: t } = transport((_, i) => ({
      status: statuses[i]!,
      headers: i === 0 ? { "Retry-After": "0" } : ({} as Record<string, string>),
    }));
    const response = await t.send({ method: "GET", url: URL_, registry: "r.example.io" });
    expect(response.status).toBe(200);
    expect(http.seen).toHaveLength(4);
  });

  it("does not retry 4xx other than 408/429, nor 501 and 505", async () => {
    for (const status of [400, 401, 403, 404, 501, 505]) {
      const { http, transport: t } = transport(() => ({ status }));
      expect((await t.send({ method: "GET", url: URL_, registry: "r.example.io" })).status).toBe(status);
      expect(http.seen).toHaveLength(1);
    }
  });

  it("stops after maxRetries and returns the last answer", async () => {
    const { http, transport: t } = transport(() => ({ status: 500 }));
    expect((await t.send({ method: "GET", url: URL_, registry: "r.example.io" })).status).toBe(500);
    expect(http.seen).toHaveLength(4);
  });

  it("does not wait past the time budget: a long Retry-After is handed back at once", async () => {
    const { http, transport: t } = transport(() => ({ status: 429, headers: { "Retry-After": "120" } }), {
      retry: { ...FAST, maxRetryTimeMs: 1_000 },
    });
    const response = await t.send({ method: "PATCH", url: URL_, registry: "r.example.io" });
    expect(response.status).toBe(429);
    expect(http.seen).toHaveLength(1);
  });

  it("retries transport failures and reports them without the request's headers", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const { http, transport: t } = transport(() => refused);
    const error = await t
      .send({
        method: "GET",
        url: URL_,
        registry: "r.example.io",
        headers: { Authorization: "Bearer eyJsecret.token.value" },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcrRequestError);
    expect(http.seen).toHaveLength(4);
    expect(error).toMatchObject({
      request: { method: "GET", path: "/acr/v1/team/app/_manifests" },
      registry: "r.example.io",
    });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toMatch(/eyJsecret/);
    expect((error as Error).cause).toBeUndefined();
  });

  it("times out an attempt that never answers, retries it, and ends with ETIMEDOUT", async () => {
    const { http, transport: t } = transport(() => "hang", { timeoutMs: 20, retry: { ...FAST, maxRetries: 1 } });
    const error = await t.send({ method: "GET", url: URL_, registry: "r.example.io" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcrRequestError);
    expect((error as Error).message).toMatch(/ETIMEDOUT/);
    expect(http.seen).toHaveLength(2);
  });

  it("refuses to send anything over plain http", async () => {
    const { http, transport: t } = transport(() => ({ status: 200 }));
    await expect(
      t.send({ method: "GET", url: new URL("http://r.example.io/v2/"), registry: "r.example.io" }),
    ).rejects.toBeInstanceOf(AcrInvalidInputError);
    expect(http.seen).toHaveLength(0);
  });

  it("passes a transport error that is not a network one (parse error) through without retrying", async () => {
    const { http, transport: t } = transport(() => new RestError("bad body", { code: RestError.PARSE_ERROR }));
    await expect(t.send({ method: "GET", url: URL_, registry: "r.example.io" })).rejects.toBeInstanceOf(
      AcrRequestError,
    );
    expect(http.seen).toHaveLength(1);
  });
});

describe("typed errors from answers", () => {
  const info = { method: "GET", path: "/acr/v1/team/app/_manifests/sha256:x" };
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    headers: createHttpHeaders(headers),
    bodyAsText: typeof body === "string" ? body : JSON.stringify(body),
    request: {} as never,
  });
  const envelope = (code: string, message: string) => ({ errors: [{ code, message, detail: {} }] });

  it("maps statuses and ACR codes to classes, keeping code, status, request and registry", () => {
    const cases: Array<[number, unknown, unknown, string]> = [
      [401, envelope("UNAUTHORIZED", "authentication required"), AcrAuthError, "ERR_ACR_AUTH"],
      [403, envelope("DENIED", "requested access to the resource is denied"), AcrAuthError, "ERR_ACR_AUTH"],
      [404, envelope("MANIFEST_UNKNOWN", "manifest unknown"), AcrNotFoundError, "ERR_ACR_NOT_FOUND"],
      [403, envelope("UNKNOWN", "The operation is disallowed."), AcrQuarantinedError, "ERR_ACR_QUARANTINED"],
      [400, envelope("IMAGE_QUARANTINED", "The image is quarantined."), AcrQuarantinedError, "ERR_ACR_QUARANTINED"],
      [429, envelope("TOOMANYREQUESTS", "too many requests"), AcrThrottledError, "ERR_ACR_THROTTLED"],
      [500, "<html>oops</html>", AcrRequestError, "ERR_ACR_REQUEST"],
    ];
    for (const [status, body, type, code] of cases) {
      const error = errorFromResponse(answer(status, body), info, "r.example.io");
      expect(error, String(status)).toBeInstanceOf(type as never);
      expect(error.code).toBe(code);
      expect(error.status).toBe(status);
      expect(error.request).toEqual(info);
      expect(error.registry).toBe("r.example.io");
      expect(error.name).toBe((type as { name: string }).name);
    }
    const throttled = errorFromResponse(
      answer(429, envelope("TOOMANYREQUESTS", "slow down"), { "Retry-After": "7" }),
      info,
      "r.example.io",
    );
    expect(throttled).toMatchObject({ acrCode: "TOOMANYREQUESTS", retryAfterMs: 7000 });
    expect(throttled.message).toContain(
      "GET /acr/v1/team/app/_manifests/sha256:x on r.example.io → 429 TOOMANYREQUESTS: slow down",
    );
  });

  it("keeps a huge server message short", () => {
    const error = errorFromResponse(answer(400, envelope("UNSUPPORTED", "x".repeat(100_000))), info, "r.example.io");
    expect(error.message.length).toBeLessThan(400);
  });
});
