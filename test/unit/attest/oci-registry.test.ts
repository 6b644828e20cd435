import { describe, expect, it } from "vitest";
import { OciRegistry, sha256Digest } from "../../../src/attest/oci-registry.js";
import { ReferrerRegistryError } from "../../../src/attest/errors.js";

interface Call {
  url: string;
  method: string;
  authorization: string | undefined;
}

/** A fake registry over the fetch interface: answers by a handler, records every request and its Authorization. */
function fake(handler: (url: URL, init: RequestInit) => Response) {
  const calls: Call[] = [];
  const fetchImpl = ((input: URL | string, init: RequestInit = {}) => {
    const url = new URL(String(input));
    calls.push({
      url: url.href,
      method: init.method ?? "GET",
      authorization: (init.headers as Record<string, string> | undefined)?.Authorization,
    });
    return Promise.resolve(handler(url, init));
  }) as typeof fetch;
  return { calls, fetchImpl };
}

describe("the referrers' registry client", () => {
  it("sends the token only to the registry: an upload Location elsewhere keeps only its path", async () => {
    const { calls, fetchImpl } = fake((url, init) => {
      if (init.method === "HEAD") return new Response(null, { status: 404 });
      if (init.method === "POST")
        return new Response(null, {
          status: 202,
          headers: { Location: "http://10.0.0.1:5000/v2/r/blobs/uploads/u1?s=1" },
        });
      return new Response(null, { status: 201 });
    });
    const registry = new OciRegistry("r.example", () => Promise.resolve("tok"), fetchImpl);
    await registry.pushBlob("r", "{}", "application/vnd.oci.empty.v1+json");
    expect(calls.map((c) => new URL(c.url).host)).toEqual(["r.example", "r.example", "r.example"]);
    expect(calls[2]!.url).toBe(
      `https://r.example/v2/r/blobs/uploads/u1?s=1&digest=${encodeURIComponent(sha256Digest("{}"))}`,
    );
  });

  it("follows a blob redirect without the token and checks the content against the digest", async () => {
    const body = "hello";
    const digest = sha256Digest(body);
    const { calls, fetchImpl } = fake((url) =>
      url.host === "r.example"
        ? new Response(null, { status: 307, headers: { Location: "https://storage.example/blob?sig=x" } })
        : new Response(body, { status: 200 }),
    );
    const registry = new OciRegistry("r.example", () => Promise.resolve("tok"), fetchImpl);
    expect((await registry.blob("r", digest)).toString()).toBe(body);
    expect(calls[1]).toMatchObject({ url: "https://storage.example/blob?sig=x", authorization: undefined });
    await expect(registry.blob("r", sha256Digest("other"))).rejects.toThrow(/does not match/);
  });

  it("gets a new token once after a 401, naming the refused one", async () => {
    const seen: Array<string | undefined> = [];
    let n = 0;
    const { fetchImpl } = fake(() =>
      ++n === 1
        ? new Response(null, { status: 401 })
        : new Response(JSON.stringify({ manifests: [] }), { status: 200 }),
    );
    const registry = new OciRegistry(
      "r.example",
      (_repo, _actions, refused) => (seen.push(refused), Promise.resolve(refused ? "new" : "old")),
      fetchImpl,
    );
    expect(await registry.referrers("r", "sha256:" + "a".repeat(64))).toEqual([]);
    expect(seen).toEqual([undefined, "old"]);
  });

  it("turns a refusal into a typed error with the registry's code", async () => {
    const { fetchImpl } = fake(
      () => new Response(JSON.stringify({ errors: [{ code: "DENIED", message: "no" }] }), { status: 403 }),
    );
    const registry = new OciRegistry("r.example", () => Promise.resolve("t"), fetchImpl);
    const error = await registry.pushManifest("r", "{}").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReferrerRegistryError);
    expect(error).toMatchObject({ status: 403, upstreamCode: "DENIED", code: "ERR_ATTEST_REGISTRY" });
  });

  it("refuses a referrers Link that leads off the registry", async () => {
    const { fetchImpl } = fake(
      () =>
        new Response(JSON.stringify({ manifests: [] }), {
          status: 200,
          headers: { Link: '<https://evil.example/v2/r/referrers/x?last=1>; rel="next"' },
        }),
    );
    const registry = new OciRegistry("r.example", () => Promise.resolve("t"), fetchImpl);
    await expect(registry.referrers("r", "sha256:" + "a".repeat(64))).rejects.toThrow(/off the registry/);
  });
});
