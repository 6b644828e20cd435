import { describe, expect, it } from "vitest";
import { requestKind, RequestCounter } from "../../../src/sweep/enumerate/request-counter.js";
import { ageBucket, LIST_CAP, SweepTally } from "../../../src/sweep/tally.js";
import { summaryLine, type SweepReport } from "../../../src/sweep/report.js";
import { reportBlobName } from "../../../src/sweep/report-store.js";
import { humanAge } from "../../../src/sweep/expire.js";

describe("request counting", () => {
  it("names each registry and ARM request by what it costs", () => {
    const base = "https://contoso.azurecr.io";
    expect(requestKind("GET", `${base}/acr/v1/_catalog?n=1000`)).toBe("catalog");
    expect(requestKind("GET", `${base}/acr/v1/team/app/_manifests?n=1000`)).toBe("manifestList");
    expect(requestKind("GET", `${base}/acr/v1/team/app/_manifests/sha256:${"a".repeat(64)}`)).toBe("manifestGet");
    expect(requestKind("PATCH", `${base}/acr/v1/team/app/_manifests/sha256:${"a".repeat(64)}`)).toBe("manifestPatch");
    expect(requestKind("POST", `${base}/oauth2/token`)).toBe("token");
    expect(requestKind("POST", `${base}/oauth2/exchange`)).toBe("exchange");
    expect(requestKind("GET", `${base}/v2/`)).toBe("challenge");
    expect(
      requestKind(
        "GET",
        "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/c?api-version=1",
      ),
    ).toBe("arm");
    expect(requestKind("GET", `${base}/v2/team/app/tags/list`)).toBe("other");
  });

  it("counts every request sent through its HttpClient, and the ReadOps among them", async () => {
    const counter = new RequestCounter();
    const client = counter.httpClient({
      sendRequest: async (request) => ({ request, status: 200, headers: { get: () => undefined } }) as never,
    });
    for (const url of ["/acr/v1/_catalog", "/acr/v1/a/_manifests", "/acr/v1/b/_manifests", "/oauth2/token"]) {
      await client.sendRequest({
        url: `https://r.example${url}`,
        method: url.startsWith("/oauth2") ? "POST" : "GET",
      } as never);
    }
    expect(counter.snapshot()).toMatchObject({ catalog: 1, manifestList: 2, token: 1, manifestGet: 0 });
    expect(counter.readOps()).toBe(3);
    expect(counter.total()).toBe(4);
  });
});

describe("tally and summary", () => {
  const now = new Date("2026-03-01T00:00:00Z");

  it("buckets pending ages and caps lists while counting everything", () => {
    expect([0, 3_599_999, 3_600_000, 86_400_000, 15 * 86_400_000, undefined].map(ageBucket)).toEqual([
      "<1h",
      "<1h",
      "1h-6h",
      "1d-7d",
      ">14d",
      "unknown",
    ]);
    const tally = new SweepTally();
    for (let i = 0; i < LIST_CAP + 7; i++) tally.decision({ kind: "start" }, { image: `r/x@${i}` });
    tally.manifest("Quarantined", true, "2026-02-28T23:30:00Z", now);
    tally.manifest(undefined, true, "garbage", now);
    tally.manifest("Passed", false, "2020-01-01T00:00:00Z", now);
    expect(tally.started.toJSON()).toMatchObject({ total: LIST_CAP + 7, truncated: 7 });
    expect(tally.started.items).toHaveLength(LIST_CAP);
    expect(tally.byState).toEqual({ Quarantined: 1, "(none)": 1, Passed: 1 });
    expect(tally.ageBuckets).toEqual({ "<1h": 1, unknown: 1 });
    expect(tally.pendingTotal()).toBe(LIST_CAP + 7);
  });

  it("says in one line what the registry looks like, what was done and what it cost", () => {
    const report = {
      registry: "contoso.azurecr.io",
      outcome: "stopped-by-error",
      error: { message: "ACR GET /acr/v1/b/_manifests answered 500" },
      pass: { resumedAfter: "a", stoppedAt: "b", gaveUp: ["team/broken"] },
      actionErrors: { total: 2, items: [], truncated: 0 },
      counts: {
        repositories: 2,
        manifests: 5,
        byState: { Passed: 3, Quarantined: 2 },
        pending: 2,
        ageBuckets: { "<1h": 2 },
        decisions: { start: 1, restart: 0, "in-progress": 0, stale: 1, expire: 0, "ended-pending": 0 },
      },
      stale: { total: 1, items: [{ image: "contoso.azurecr.io/a@sha256:1", stage: "awaiting-approval" }] },
      findings: [{ code: "quarantine-disabled", severity: "high", message: "" }],
      requests: {
        total: 9,
        catalog: 1,
        manifestList: 2,
        manifestGet: 0,
        manifestPatch: 0,
        token: 3,
        exchange: 1,
        arm: 2,
        budgetPerMinute: 2000,
      },
      durationMs: 42,
      reportBlob: "compliance-reports/contoso.azurecr.io/x.json",
    } as unknown as SweepReport;
    const line = summaryLine(report);
    for (const part of [
      "stopped by an error (ACR GET /acr/v1/b/_manifests answered 500)",
      "resumed after a",
      "2 repositories, 5 manifests (Passed 3, Quarantined 2)",
      "started 1",
      "stale 1",
      "ages <1h 2",
      "[awaiting-approval]",
      "high quarantine-disabled",
      "2 manifests failed their action",
      "gave up on team/broken",
      "requests 9 (catalog 1, manifest lists 2, manifest gets 0",
      "tokens 4, ARM 2) within 2000/min",
      "report compliance-reports/contoso.azurecr.io/x.json",
    ]) {
      expect(line).toContain(part);
    }
  });

  it("names report blobs by registry and a sortable time, and ages readably", () => {
    expect(reportBlobName("Localhost:5443", new Date("2026-03-01T10:20:30.456Z"))).toBe(
      "localhost:5443/20260301T102030.456Z.json",
    );
    expect([humanAge(90_000), humanAge(3 * 86_400_000 + 4 * 3_600_000 + 12 * 60_000), humanAge(1_500)]).toEqual([
      "1m",
      "3d 4h 12m",
      "1s",
    ]);
  });
});
