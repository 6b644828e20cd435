import { describe, expect, it } from "vitest";
import {
  AcrAuthError,
  AcrClient,
  AcrRequestError,
  AcrWriteNotConfirmedError,
  QuarantineDetailsBuilder,
} from "../../../src/acr/index.js";
import {
  CHALLENGE,
  SERVER,
  fakeCredential,
  fakeHttp,
  fakeRegistry,
  manifestBody,
  type FakeAnswer,
  type SeenRequest,
} from "./fake-http.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const DETAILS = new QuarantineDetailsBuilder()
  .scanner("trivy")
  .state("scan passed")
  .result({ version: "1.0", summary: [{ severity: "High", count: 0 }] })
  .build();

function client(
  data: (request: SeenRequest, index: number) => FakeAnswer | "hang" | Error,
  options: { repositoryActions?: ("metadata_read" | "metadata_write")[] } = {},
) {
  const registry = fakeRegistry(data);
  const credential = fakeCredential();
  const acr = new AcrClient({
    credential,
    allowedRegistries: [SERVER],
    httpClient: registry.http,
    retry: { retryDelayMs: 1, maxRetryDelayMs: 2 },
    ...options,
  });
  return { ...registry, credential, registry: acr.registry(SERVER) };
}

describe("RegistryClient quarantine writes", () => {
  it("sends the PATCH ACR documents: JSON-encoded details string, bearer token, metadata scope", async () => {
    const { http, registry, issued } = client((request) =>
      request.method === "PATCH"
        ? {
            status: 200,
            body: manifestBody(DIGEST, {
              quarantineState: "Passed",
              quarantineDetails: JSON.parse(request.body!).quarantineDetails,
            }),
          }
        : { status: 500 },
    );
    const result = await registry.setQuarantineState("team/app", DIGEST, { state: "Passed", details: DETAILS });
    expect(result.quarantine).toMatchObject({ state: "Passed", status: "released", details: DETAILS });
    const patch = http.seen.find((r) => r.method === "PATCH")!;
    expect(patch.url.href).toBe(`https://${SERVER}/acr/v1/team/app/_manifests/${DIGEST}`);
    expect(patch.headers["content-type"]).toBe("application/json");
    expect(patch.headers.authorization).toMatch(/^Bearer ey/);
    const body = JSON.parse(patch.body!) as { quarantineState: string; quarantineDetails: string };
    expect(body.quarantineState).toBe("Passed");
    expect(typeof body.quarantineDetails).toBe("string");
    expect(JSON.parse(body.quarantineDetails)).toEqual(DETAILS);
    expect(issued.scopes).toEqual([["repository:team/app:pull,push,metadata_read,metadata_write"]]);
  });

  it("reads back by GET when the PATCH answer has no body (ACR's preview API answers 200 with nothing)", async () => {
    let stored: Record<string, unknown> = { quarantineState: "Quarantined" };
    const { http, registry } = client((request) => {
      if (request.method === "PATCH") {
        const body = JSON.parse(request.body!) as Record<string, unknown>;
        stored = { ...body };
        return { status: 200 };
      }
      return { status: 200, body: manifestBody(DIGEST, stored) };
    });
    const result = await registry.setQuarantineState("team/app", DIGEST, { state: "Failed", details: DETAILS });
    expect(result.quarantine.status).toBe("failed");
    expect(http.seen.filter((r) => r.url.pathname.includes("_manifests")).map((r) => r.method)).toEqual([
      "PATCH",
      "GET",
    ]);
  });

  it("fails closed when the read back does not show what was written", async () => {
    const { registry } = client((request) =>
      request.method === "PATCH"
        ? { status: 200, body: manifestBody(DIGEST, { quarantineState: "Quarantined" }) }
        : { status: 500 },
    );
    const error = await registry
      .setQuarantineState("team/app", DIGEST, { state: "Passed", details: DETAILS })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcrWriteNotConfirmedError);
    expect(error).toMatchObject({ code: "ERR_ACR_WRITE_NOT_CONFIRMED", request: { method: "PATCH" } });
    expect((error as Error).message).toContain('"Quarantined"');
  });

  it("treats a GET that describes another digest as a malformed answer", async () => {
    const other = `sha256:${"cd".repeat(32)}`;
    const { registry } = client(() => ({ status: 200, body: manifestBody(other) }));
    await expect(registry.getManifest("team/app", DIGEST)).rejects.toBeInstanceOf(AcrRequestError);
  });

  it("asks only for the actions configured, plus what an operation needs", async () => {
    const { registry, issued } = client(() => ({ status: 200, body: manifestBody(DIGEST) }), {
      repositoryActions: ["metadata_read"],
    });
    await registry.getManifest("team/app", DIGEST);
    expect(issued.scopes).toEqual([["repository:team/app:metadata_read"]]);
  });
});

describe("RegistryClient manifest attributes", () => {
  it("classifies states: only Passed is released, Failed is failed, anything else (or nothing) is pending", async () => {
    for (const [state, status] of [
      ["Passed", "released"],
      ["Failed", "failed"],
      ["Quarantined", "pending"],
      ["Scanning", "pending"],
      [undefined, "pending"],
      ["passed", "pending"],
    ] as const) {
      const { registry } = client(() => ({
        status: 200,
        body: manifestBody(DIGEST, state === undefined ? {} : { quarantineState: state }),
      }));
      expect((await registry.getManifest("team/app", DIGEST)).quarantine.status, String(state)).toBe(status);
    }
  });

  it("keeps details written by others even when they are not valid, with the reason", async () => {
    const { registry } = client(() => ({
      status: 200,
      body: manifestBody(DIGEST, { quarantineState: "Failed", quarantineDetails: "{not json" }),
    }));
    const manifest = await registry.getManifest("team/app", DIGEST);
    expect(manifest.quarantine).toMatchObject({
      rawDetails: "{not json",
      details: undefined,
      detailsProblems: ["quarantineDetails is not valid JSON"],
    });
  });

  it("reads references, tolerates nulls and unknown fields, rejects a body without the required fields", async () => {
    const ref = `sha256:${"ef".repeat(32)}`;
    const { registry } = client(() => ({
      status: 200,
      body: manifestBody(
        DIGEST,
        {},
        {
          references: [{ digest: ref, architecture: "arm64", os: "linux" }],
          tags: null,
          timestamp: "x",
          architecture: null,
        },
      ),
    }));
    const manifest = await registry.getManifest("team/app", DIGEST);
    expect(manifest).toMatchObject({
      references: [{ digest: ref, architecture: "arm64", os: "linux" }],
      tags: [],
      architecture: undefined,
    });
    const broken = client(() => ({ status: 200, body: { manifest: { digest: DIGEST } } }));
    await expect(broken.registry.getManifest("team/app", DIGEST)).rejects.toThrow(/createdTime/);
  });
});

describe("RegistryClient listings", () => {
  it("refuses a Link header that leads to another origin (the token would follow it)", async () => {
    const { registry, http } = client(() => ({
      status: 200,
      headers: { Link: '<https://evil.example/acr/v1/_catalog?last=a>; rel="next"' },
      body: { repositories: ["a"] },
    }));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const name of registry.listRepositories()) seen.push(name);
      })(),
    ).rejects.toThrow(/leads off this endpoint/);
    expect(seen).toEqual(["a"]);
    expect(http.seen.every((r) => r.url.host === SERVER)).toBe(true);
  });

  it("stops on a Link back to the same page instead of looping", async () => {
    const { registry } = client((request) => ({
      status: 200,
      headers: { Link: `<${request.url.pathname}${request.url.search}>; rel="next"` },
      body: { repositories: ["a"] },
    }));
    await expect(
      (async () => {
        for await (const _ of registry.listRepositories({ pageSize: 5 })) void _;
      })(),
    ).rejects.toThrow(/same page/);
  });

  it("rejects a catalog that lists an invalid repository name", async () => {
    const { registry } = client(() => ({ status: 200, body: { repositories: ["ok", "../../etc"] } }));
    await expect(
      (async () => {
        for await (const _ of registry.listRepositories()) void _;
      })(),
    ).rejects.toThrow(/invalid repository name/);
  });

  it("validates page size and order before any request", () => {
    const { registry, http } = client(() => ({ status: 200, body: {} }));
    expect(() => registry.listRepositories({ pageSize: 0 })).toThrow(/pageSize/);
    expect(() => registry.listManifests("team/app", { pageSize: 1001 })).toThrow(/pageSize/);
    expect(() => registry.listManifests("team/app", { orderBy: "random" as "timedesc" })).toThrow(/orderBy/);
    expect(http.seen).toHaveLength(0);
  });
});

describe("token provider", () => {
  it("refuses a challenge whose realm is on another origin, before asking for an Entra ID token", async () => {
    const http = fakeHttp(() => ({
      status: 401,
      headers: { "WWW-Authenticate": `Bearer realm="https://evil.example/oauth2/token",service="${SERVER}"` },
    }));
    const credential = fakeCredential();
    const registry = new AcrClient({ credential, allowedRegistries: [SERVER], httpClient: http }).registry(SERVER);
    await expect(registry.getManifest("team/app", DIGEST)).rejects.toThrow(/another origin/);
    expect(credential.calls).toBe(0);
    expect(http.seen).toHaveLength(1);
  });

  it("re-exchanges once when the token endpoint refuses the cached refresh token, then gives up with AcrAuthError", async () => {
    let tokenCalls = 0;
    let exchanges = 0;
    const http = fakeHttp((request) => {
      if (request.url.pathname === "/v2/") return { status: 401, headers: CHALLENGE };
      if (request.url.pathname === "/oauth2/exchange")
        return (exchanges++, { status: 200, body: { refresh_token: "opaque-refresh" } });
      if (request.url.pathname === "/oauth2/token")
        return (
          tokenCalls++,
          { status: 401, body: { errors: [{ code: "UNAUTHORIZED", message: "refresh token expired" }] } }
        );
      return { status: 500 };
    });
    const registry = new AcrClient({
      credential: fakeCredential(),
      allowedRegistries: [SERVER],
      httpClient: http,
    }).registry(SERVER);
    const error = await registry.getManifest("team/app", DIGEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcrAuthError);
    expect(error).toMatchObject({ acrCode: "UNAUTHORIZED", request: { method: "POST", path: "/oauth2/token" } });
    expect([exchanges, tokenCalls]).toEqual([2, 2]);
    // The exchange and token requests carried the secrets in their bodies; the error carries neither.
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toMatch(/aad-token-value|opaque-refresh/);
  });

  it("turns a credential failure into AcrAuthError naming the audience", async () => {
    const { http } = fakeRegistry(() => ({ status: 200 }));
    const credential = { getToken: async () => Promise.reject(new Error("ManagedIdentityCredential: no endpoint")) };
    const registry = new AcrClient({
      credential,
      allowedRegistries: [SERVER],
      httpClient: http,
      audience: "https://containerregistry.azure.us/",
    }).registry(SERVER);
    await expect(registry.getManifest("team/app", DIGEST)).rejects.toThrow(
      /Entra ID token for https:\/\/containerregistry\.azure\.us\/\.default: ManagedIdentityCredential/,
    );
  });

  it("sends the exchange and token forms ACR documents", async () => {
    const { http, registry } = client(() => ({ status: 200, body: manifestBody(DIGEST) }));
    await registry.getManifest("team/app", DIGEST);
    const exchange = new URLSearchParams(http.seen.find((r) => r.url.pathname === "/oauth2/exchange")!.body);
    expect(Object.fromEntries(exchange)).toEqual({
      grant_type: "access_token",
      service: SERVER,
      access_token: "aad-token-value",
    });
    const token = new URLSearchParams(http.seen.find((r) => r.url.pathname === "/oauth2/token")!.body);
    expect(token.get("grant_type")).toBe("refresh_token");
    expect(token.get("service")).toBe(SERVER);
    expect(token.getAll("scope")).toEqual(["repository:team/app:metadata_read,metadata_write"]);
  });
});
