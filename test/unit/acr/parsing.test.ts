import { describe, expect, it } from "vitest";
import { parseBearerChallenge, tokenTimes } from "../../../src/acr/challenge.js";
import { nextLink, safeNextUrl } from "../../../src/acr/paging.js";
import { fakeJwt } from "./fake-http.js";

describe("Bearer challenge", () => {
  it("reads realm, service, scope and error from ACR's challenge", () => {
    expect(
      parseBearerChallenge(
        'Bearer realm="https://r.azurecr.io/oauth2/token",service="r.azurecr.io",scope="repository:a/b:pull,push",error="invalid_token"',
      ),
    ).toEqual({
      realm: "https://r.azurecr.io/oauth2/token",
      service: "r.azurecr.io",
      scope: "repository:a/b:pull,push",
      error: "invalid_token",
    });
  });

  it("rejects Basic, missing realm or service, and unquoted values", () => {
    expect(parseBearerChallenge('Basic realm="r.azurecr.io"')).toBeUndefined();
    expect(parseBearerChallenge('Bearer service="r.azurecr.io"')).toBeUndefined();
    expect(parseBearerChallenge("Bearer realm=https://r/oauth2/token,service=r")).toBeUndefined();
    expect(parseBearerChallenge(undefined)).toBeUndefined();
  });
});

describe("token times", () => {
  it("reads exp and iat in milliseconds without verifying", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(tokenTimes(fakeJwt(4500, now))).toEqual({ issuedAt: now, expiresAt: now + 4_500_000 });
  });

  it("gives undefined for tokens that are not JWTs", () => {
    expect(tokenTimes("opaque-token")).toEqual({ expiresAt: undefined, issuedAt: undefined });
  });
});

describe("Link pagination", () => {
  const current = new URL("https://r.azurecr.io/acr/v1/_catalog?n=2");

  it("finds rel=next among links and parameters", () => {
    expect(nextLink('</acr/v1/_catalog?last=b&n=2&orderby=>; rel="next"')).toBe("/acr/v1/_catalog?last=b&n=2&orderby=");
    expect(nextLink('</first>; rel="first", </acr/v1/_catalog?last=c>; title="x"; rel=next')).toBe(
      "/acr/v1/_catalog?last=c",
    );
    expect(nextLink('</prev>; rel="prev"')).toBeUndefined();
    expect(nextLink(undefined)).toBeUndefined();
  });

  it("follows only links on the same origin and endpoint", () => {
    expect(safeNextUrl("/acr/v1/_catalog?last=b&n=2", current)?.href).toBe(
      "https://r.azurecr.io/acr/v1/_catalog?last=b&n=2",
    );
    expect(safeNextUrl("https://evil.example/acr/v1/_catalog?last=b", current)).toBeUndefined();
    expect(safeNextUrl("//evil.example/acr/v1/_catalog", current)).toBeUndefined();
    expect(safeNextUrl("http://r.azurecr.io/acr/v1/_catalog?last=b", current)).toBeUndefined();
    expect(safeNextUrl("/acr/v1/other/_manifests", current)).toBeUndefined();
    expect(safeNextUrl("https://u:p@r.azurecr.io/acr/v1/_catalog", current)).toBeUndefined();
  });
});
