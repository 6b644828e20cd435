import { describe, expect, it } from "vitest";
import { RestError } from "@azure/core-rest-pipeline";
import { AcrAuthError, AcrRequestError, AcrThrottledError } from "../../../src/acr/index.js";
import { ScannerError } from "../../../src/scanning/harbor/errors.js";
import { parsePolicy } from "../../../src/policy/index.js";
import type { GateServices } from "../../../src/pipeline/services.js";
import { isTransientScanFailure, scanFailureOf } from "../../../src/pipeline/steps/scan-failures.js";
import { pollScan, submitScan } from "../../../src/pipeline/steps/scan.js";
import { IMAGE } from "./support/fixtures.js";

describe("a failed scan's message: transient cause or not", () => {
  it.each([
    // go-containerregistry's transport.Error, as Trivy reports a registry that is down or busy
    "GET https://reg.azurecr.io/v2/team/app/manifests/sha256:ab: unexpected status code 503 Service Unavailable",
    "unable to inspect the image: GET https://r/v2/x/manifests/y: unexpected status code 502 Bad Gateway: <html>",
    "GET https://r/v2/x/blobs/sha256:1: TOOMANYREQUESTS: too many requests",
    "GET https://r/v2/x/manifests/y: UNAVAILABLE: service unavailable",
    "HEAD https://r/v2/x/manifests/y: unexpected status code 429 Too Many Requests (HEAD responses have no body, use GET for details)",
    "GET https://r/v2/x/manifests/y: UNKNOWN: injected fault (503)",
    // the local scanner emulator's wording
    "pulling team/app@sha256:ab failed: registry answered 503",
    "pulling team/app@sha256:ab failed: registry answered 500",
    // the network
    'Get "https://r/v2/": dial tcp 10.0.0.4:443: connect: connection refused',
    'Get "https://r/v2/": net/http: TLS handshake timeout',
    "read tcp 10.0.0.5:51234->10.0.0.4:443: read: connection reset by peer",
    "pulling x failed: The operation was aborted due to timeout",
    "pulling x failed: fetch failed (ECONNRESET)",
    "context deadline exceeded",
  ])("transient: %s", (message) => {
    expect(isTransientScanFailure(message)).toBe(true);
  });

  it.each([
    "GET https://r/v2/x/manifests/y: MANIFEST_UNKNOWN: manifest unknown",
    "GET https://r/v2/x/manifests/y: UNAUTHORIZED: authentication required",
    "GET https://r/v2/x/manifests/y: DENIED: requested access to the resource is denied",
    "pulling team/app@sha256:ab failed: registry answered 404",
    "pulling team/app@sha256:ab failed: registry answered 401",
    "pulled manifest has digest sha256:cd, not sha256:ab",
    "unsupported media type application/vnd.foo",
    "the scanner adapter reports a failed scan: 500 vulnerabilities is too many to count",
    "db missing",
  ])("definitive: %s", (message) => {
    expect(isTransientScanFailure(message)).toBe(false);
  });
});

describe("thrown errors of submitting or polling, as scan failures", () => {
  it.each([
    [new ScannerError("scanner-unreachable", "no answer"), true],
    [new ScannerError("scanner-protocol", "POST scan → 503", 503), true],
    [new ScannerError("scanner-rejected", "POST scan → 400", 400), false],
    [new ScannerError("scanner-incapable", "POST scan → 501", 501), false],
    [new AcrThrottledError("throttled"), true],
    [new AcrRequestError("ACR GET /oauth2/token on r failed without an answer (ECONNRESET): reset"), true],
    [new AcrRequestError("ACR POST /oauth2/token answered 503", { status: 503 }), true],
    [new AcrRequestError("ACR GET /x answered with an unexpected body: no digest"), false],
    [new AcrRequestError("ACR POST /oauth2/token answered 400", { status: 400 }), false],
    [new AcrAuthError("the identity may not pull"), false],
    [new RestError("queue down", { statusCode: 503 }), true],
    [new RestError("socket hang up", { code: "ECONNRESET" }), true],
    [new RestError("forbidden", { statusCode: 403 }), false],
  ])("%s → retryable %s", (error, retryable) => {
    expect(scanFailureOf(error)).toEqual({ error: error.message, retryable });
  });

  it("anything else is not known here: the activity fails and its retry policy applies", () => {
    expect(scanFailureOf(new Error("bug"))).toBeUndefined();
    expect(scanFailureOf("text")).toBeUndefined();
  });
});

describe("scan steps answer transient failures instead of throwing", () => {
  const policy = parsePolicy({ version: 1 });
  const base = { policy, policyVersion: "p1", queue: undefined, findings: { save: async () => {} } } as const;
  const pullTokens = { pullToken: async () => "t" };

  it("submit: a scanner that is down is retryable, one that refuses is not, a bug still throws", async () => {
    const answers: unknown[] = [
      new ScannerError("scanner-unreachable", "POST /api/v1/scan got no answer"),
      new ScannerError("scanner-rejected", "POST scan → 422 unsupported", 422),
      new Error("a bug"),
    ];
    const services = {
      ...base,
      pullTokens,
      scanner: {
        submitScan: async () => {
          throw answers.shift();
        },
      },
    } as unknown as GateServices;
    const input = { image: IMAGE, scanId: "s", now: "t" };
    expect(await submitScan(services, input)).toEqual({
      mode: "failed",
      digest: IMAGE.digest,
      error: "POST /api/v1/scan got no answer",
      retryable: true,
    });
    expect(await submitScan(services, input)).toMatchObject({ mode: "failed", retryable: false });
    await expect(submitScan(services, input)).rejects.toThrow("a bug");
  });

  it("submit: the registry's token endpoint down while asking for the pull token is retryable", async () => {
    const services = {
      ...base,
      pullTokens: {
        pullToken: async () => {
          throw new AcrThrottledError("429 from the token endpoint");
        },
      },
      scanner: { submitScan: async () => "never" },
    } as unknown as GateServices;
    expect(await submitScan(services, { image: IMAGE, scanId: "s", now: "t" })).toMatchObject({
      mode: "failed",
      retryable: true,
    });
  });

  it("poll: a scan that failed because the registry was down is retryable; 503 from the adapter is unavailable", async () => {
    const answers: unknown[] = [
      { state: "failed", error: { code: "scan-failed", message: "pulling x failed: registry answered 503" } },
      new ScannerError("scanner-unreachable", "GET report → 503", 503),
      new ScannerError("scan-unknown", "GET report → 404: the adapter does not know scan s", 404),
      new ScannerError("scanner-protocol", "GET report → 418", 418),
    ];
    const services = {
      ...base,
      pullTokens,
      scanner: {
        fetchReport: async () => {
          const next = answers.shift();
          if (next instanceof Error) throw next;
          return next;
        },
      },
    } as unknown as GateServices;
    const input = { image: IMAGE, scanId: "s", now: "t" };
    expect(await pollScan(services, input)).toEqual({
      state: "failed",
      error: "pulling x failed: registry answered 503",
      retryable: true,
    });
    expect(await pollScan(services, input)).toEqual({ state: "unavailable", error: "GET report → 503" });
    expect(await pollScan(services, input)).toMatchObject({ state: "failed", retryable: true });
    expect(await pollScan(services, input)).toMatchObject({ state: "failed", retryable: false });
  });
});
