import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "node:https";
import { readFileSync } from "node:fs";
import { startLocalAcr, type LocalAcr } from "../../support/local-acr.js";

/** Sends a raw request (paths exactly as written, no client-side normalisation) and returns status and body. */
function raw(
  local: LocalAcr,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<{ status: number; body: string }> {
  const port = Number(local.acr.loginServer.split(":")[1]);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        headers: { host: local.acr.loginServer, ...headers },
        ca: readFileSync(local.acr.caCertPath),
        servername: "localhost",
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("ACR emulator: hostile input never crashes it", () => {
  let local: LocalAcr;
  let token: string;
  beforeAll(async () => {
    local = await startLocalAcr();
    token = await local.accessToken("owner", ["registry:catalog:*", "repository:team/app:*"]);
  });
  afterAll(async () => local?.stop());

  const digest = `sha256:${"a".repeat(64)}`;
  const cases: Array<{
    name: string;
    method: string;
    path: string;
    body?: string | Buffer;
    headers?: Record<string, string>;
    expect: number[];
  }> = [
    { name: "dot-dot in repository", method: "GET", path: "/v2/team/../etc/manifests/latest", expect: [400] },
    { name: "encoded slash", method: "GET", path: "/v2/team%2Fapp/manifests/latest", expect: [400] },
    { name: "encoded dot-dot", method: "GET", path: "/v2/%2e%2e/manifests/latest", expect: [400] },
    { name: "backslash", method: "GET", path: "/v2/team\\app/manifests/latest", expect: [400] },
    { name: "double slash", method: "GET", path: "/v2//team/manifests/latest", expect: [400] },
    { name: "absolute-form target", method: "GET", path: "//evil.example/v2/", expect: [400] },
    { name: "upper-case repository", method: "GET", path: "/v2/Team/App/manifests/latest", expect: [400] },
    { name: "invalid digest", method: "GET", path: "/v2/team/app/manifests/sha256:xyz", expect: [400] },
    { name: "invalid blob digest", method: "GET", path: "/v2/team/app/blobs/md5:abc", expect: [400] },
    { name: "overlong tag", method: "GET", path: `/v2/team/app/manifests/${"t".repeat(200)}`, expect: [400] },
    { name: "acr path trick", method: "GET", path: "/acr/v1/team/%2e%2e/_manifests", expect: [400] },
    {
      name: "acr invalid digest",
      method: "PATCH",
      path: "/acr/v1/team/app/_manifests/sha256:nothex",
      body: "{}",
      expect: [400],
    },
    { name: "unknown endpoint", method: "GET", path: "/v3/whatever", expect: [404] },
    { name: "bad n", method: "GET", path: "/acr/v1/_catalog?n=-5", expect: [400] },
    { name: "bad orderby", method: "GET", path: "/acr/v1/team/app/_manifests?orderby=random", expect: [400] },
    {
      name: "PATCH bad JSON",
      method: "PATCH",
      path: `/acr/v1/team/app/_manifests/${digest}`,
      body: "{",
      expect: [400, 404],
    },
    {
      name: "PATCH huge body",
      method: "PATCH",
      path: `/acr/v1/team/app/_manifests/${digest}`,
      body: Buffer.alloc(2 * 1024 * 1024, 120),
      expect: [413],
    },
    {
      name: "huge manifest",
      method: "PUT",
      path: "/v2/team/app/manifests/big",
      body: Buffer.alloc(5 * 1024 * 1024, 32),
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      expect: [413],
    },
    {
      name: "garbage manifest",
      method: "PUT",
      path: "/v2/team/app/manifests/junk",
      body: "not a manifest",
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      expect: [400],
    },
    {
      name: "exchange not form",
      method: "POST",
      path: "/oauth2/exchange",
      body: "{}",
      headers: { "content-type": "application/json" },
      expect: [400],
    },
    {
      name: "exchange huge",
      method: "POST",
      path: "/oauth2/exchange",
      body: Buffer.alloc(1024 * 1024, 97),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      expect: [413],
    },
    {
      name: "token bad grant",
      method: "POST",
      path: "/oauth2/token",
      body: "grant_type=magic&service=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      expect: [400],
    },
    { name: "token wrong method", method: "DELETE", path: "/oauth2/token", expect: [405] },
  ];

  it.each(cases)("$name → $expect", async (c) => {
    const headers = { authorization: `Bearer ${token}`, ...(c.headers ?? {}) };
    if (c.body !== undefined)
      Object.assign(headers, {
        "content-type": c.headers?.["content-type"] ?? "application/json",
        "content-length": String(Buffer.byteLength(c.body)),
      });
    const response = await raw(local, c.method, c.path, headers, c.body);
    expect(c.expect).toContain(response.status);
    const envelope = JSON.parse(response.body) as { errors: Array<{ code: string; message: string }> };
    expect(envelope.errors[0]!.code.length).toBeGreaterThan(0);
  });

  it("is still healthy after all of it", async () => {
    const response = await fetch(`${local.acr.url}/acr/v1/_catalog`, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
  });
});
