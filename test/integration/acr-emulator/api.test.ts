import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalAcr, type LocalAcr } from "../../support/local-acr.js";

interface Page<T> {
  items: T[];
  next: string | undefined;
}

/** Follows path-relative `Link: <…>; rel="next"` headers to the end, as a client must. */
async function followAll<T>(
  local: LocalAcr,
  first: string,
  token: string,
  pick: (body: unknown) => T[],
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let path: string | undefined = first;
  let pages = 0;
  while (path) {
    const response = await fetch(`${local.acr.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status, path).toBe(200);
    const page: Page<T> = {
      items: pick(await response.json()),
      next: /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1],
    };
    if (page.next) expect(page.next.startsWith("/acr/v1/")).toBe(true);
    items.push(...page.items);
    path = page.next;
    pages++;
  }
  return { items, pages };
}

describe("ACR emulator: ACR API (catalog, manifests, PATCH validation, throttling)", () => {
  let local: LocalAcr;
  beforeAll(async () => {
    local = await startLocalAcr();
    await local.admin("POST", "/seed", { repositories: 250, manifestsPerRepository: 1, prefix: "many" });
    await local.admin("POST", "/seed", { repositories: 1, manifestsPerRepository: 250, prefix: "deep" });
  });
  afterAll(async () => local?.stop());

  it("pages the catalog of 251 repositories by Link to the end, with no duplicates or gaps", async () => {
    const token = await local.accessToken("gate", ["registry:catalog:*"]);
    const { items, pages } = await followAll(
      local,
      "/acr/v1/_catalog?n=40",
      token,
      (b) => (b as { repositories: string[] }).repositories,
    );
    expect(pages).toBe(Math.ceil(251 / 40));
    expect(items).toHaveLength(251);
    expect(new Set(items).size).toBe(251);
    expect(items).toEqual([...items].sort());
    expect(items).toContain("many/repo-000");
    expect(items).toContain("many/repo-249");
  });

  it("pages 250 manifests of one repository in every order, with no duplicates or gaps", async () => {
    const token = await local.accessToken("gate", ["repository:deep/repo-0:metadata_read"]);
    for (const orderby of ["", "timedesc", "timeasc"]) {
      const { items } = await followAll(
        local,
        `/acr/v1/deep/repo-0/_manifests?n=33&orderby=${orderby}`,
        token,
        (b) => (b as { manifests: Array<{ digest: string; lastUpdateTime: string }> }).manifests,
      );
      expect(items, orderby).toHaveLength(250);
      expect(new Set(items.map((m) => m.digest)).size).toBe(250);
      if (orderby === "timedesc") expect(items[0]!.lastUpdateTime >= items[249]!.lastUpdateTime).toBe(true);
      if (orderby === "timeasc") expect(items[0]!.lastUpdateTime <= items[249]!.lastUpdateTime).toBe(true);
    }
  });

  it("hides quarantined manifests from principals without quarantine read", async () => {
    await local.admin("POST", "/seed", {
      repositories: 1,
      manifestsPerRepository: 3,
      prefix: "hidden",
      quarantineState: "Quarantined",
    });
    const pullerToken = await local.accessToken("puller", ["repository:hidden/repo-0:metadata_read"]);
    const asPuller = (await (
      await fetch(`${local.acr.url}/acr/v1/hidden/repo-0/_manifests`, {
        headers: { Authorization: `Bearer ${pullerToken}` },
      })
    ).json()) as { manifests: unknown[] };
    expect(asPuller.manifests).toHaveLength(0);
    const readerToken = await local.accessToken("reader", ["repository:hidden/repo-0:metadata_read"]);
    const asReader = (await (
      await fetch(`${local.acr.url}/acr/v1/hidden/repo-0/_manifests`, {
        headers: { Authorization: `Bearer ${readerToken}` },
      })
    ).json()) as { manifests: unknown[] };
    expect(asReader.manifests).toHaveLength(3);
  });

  it("rejects malformed PATCH bodies and quarantine details with 400 in ACR's envelope, changing nothing", async () => {
    const token = await local.accessToken("gate", ["repository:deep/repo-0:metadata_read,metadata_write"]);
    const list = (await (
      await fetch(`${local.acr.url}/acr/v1/deep/repo-0/_manifests?n=1`, {
        headers: { Authorization: `Bearer ${token}` },
      })
    ).json()) as { manifests: Array<{ digest: string }> };
    const url = `${local.acr.url}/acr/v1/deep/repo-0/_manifests/${list.manifests[0]!.digest}`;
    const summary = { version: "1", summary: [{ severity: "High", count: 1 }] };
    const cases: Array<[string, string]> = [
      ["not json", "{oops"],
      ["empty", ""],
      ["array", "[]"],
      ["no fields", "{}"],
      ["unknown field", JSON.stringify({ quarantineState: "Passed", colour: "green" })],
      ["bad state", JSON.stringify({ quarantineState: "Approved" })],
      ["details as object", JSON.stringify({ quarantineState: "Passed", quarantineDetails: { state: "ok" } })],
      ["details not json", JSON.stringify({ quarantineState: "Passed", quarantineDetails: "{state" })],
      [
        "details extra property",
        JSON.stringify({
          quarantineState: "Passed",
          quarantineDetails: JSON.stringify({ state: "x", verdict: "pass" }),
        }),
      ],
      [
        "details result without version",
        JSON.stringify({ quarantineState: "Passed", quarantineDetails: JSON.stringify({ result: { summary: [] } }) }),
      ],
      [
        "details bad severity",
        JSON.stringify({
          quarantineState: "Passed",
          quarantineDetails: JSON.stringify({
            result: { version: "1", summary: [{ severity: "Catastrophic", count: 1 }] },
          }),
        }),
      ],
      [
        "details six summary items",
        JSON.stringify({
          quarantineState: "Failed",
          quarantineDetails: JSON.stringify({ result: { version: "1", summary: Array(6).fill(summary.summary[0]) } }),
        }),
      ],
    ];
    for (const [name, body] of cases) {
      const response = await fetch(url, {
        method: "PATCH",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body,
      });
      expect(response.status, name).toBe(400);
      const envelope = (await response.json()) as { errors: Array<{ code: string; message: string }> };
      expect(envelope.errors[0]!.message.length, name).toBeGreaterThan(0);
    }
    const after = (await (await fetch(url, { headers: { Authorization: `Bearer ${token}` } })).json()) as {
      manifest: { changeableAttributes: Record<string, unknown> };
    };
    expect(after.manifest.changeableAttributes.quarantineState).toBeUndefined();
    const good = await fetch(url, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${token}` },
      body: JSON.stringify({
        quarantineState: "Failed",
        quarantineDetails: JSON.stringify({ scanner: "t", result: summary }),
      }),
    });
    expect(good.status).toBe(200);
  });

  it("throttles bursts above the configured rate with 429, Retry-After and TOOMANYREQUESTS; the rest succeed", async () => {
    const token = await local.accessToken("gate", ["registry:catalog:*"]);
    await local.admin("DELETE", "/stats");
    await local.admin("PUT", "/throttling", { readOpsPerMinute: 60, writeOpsPerMinute: 60, burstSeconds: 10 });
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        fetch(`${local.acr.url}/acr/v1/_catalog?n=1`, { headers: { Authorization: `Bearer ${token}` } }),
      ),
    );
    const ok = answers.filter((r) => r.status === 200);
    const throttled = answers.filter((r) => r.status === 429);
    expect(ok.length).toBe(10);
    expect(throttled.length).toBe(20);
    expect(Number(throttled[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await throttled[0]!.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe(
      "TOOMANYREQUESTS",
    );
    expect(((await local.admin("GET", "/stats")) as Record<string, number>).throttled).toBe(20);
    await local.admin("PUT", "/throttling", null);
    expect(
      (await fetch(`${local.acr.url}/acr/v1/_catalog?n=1`, { headers: { Authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
  });

  it("injects faults on request for clients' retry tests", async () => {
    const token = await local.accessToken("gate", ["registry:catalog:*"]);
    await local.admin("PUT", "/faults", [{ method: "GET", pathPrefix: "/acr/v1/_catalog", status: 503, times: 2 }]);
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        (await fetch(`${local.acr.url}/acr/v1/_catalog`, { headers: { Authorization: `Bearer ${token}` } })).status,
      );
    expect(statuses).toEqual([503, 503, 200]);
  });
});
