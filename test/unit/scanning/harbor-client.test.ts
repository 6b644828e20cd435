import { describe, expect, it } from "vitest";
import {
  HARBOR_MEDIA_TYPES,
  HarborScanner,
  HarborScannerClient,
  chooseReportType,
  ScannerError,
} from "../../../src/scanning/harbor/index.js";
import { fixtureText, harborReport } from "./fixtures.js";

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** A fetch that records each request and answers from a script (this module's only collaborator). */
function scripted(...answers: (Response | Error)[]): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    sent.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: init?.headers as Record<string, string>,
      ...(typeof init?.body === "string" ? { body: init.body } : {}),
    });
    const answer = answers.shift();
    if (answer === undefined) throw new Error("no scripted answer left");
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { fetch: fake as typeof fetch, sent };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
const redirect = (headers: Record<string, string>): Response => new Response(null, { status: 302, headers });

function clientWith(...answers: (Response | Error)[]): { client: HarborScannerClient; sent: Sent[] } {
  const { fetch, sent } = scripted(...answers);
  return {
    client: new HarborScannerClient({
      baseUrl: "https://scanner.example/adapter",
      fetch,
      authHeaders: async () => ({ Authorization: "Bearer k" }),
    }),
    sent,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return error instanceof ScannerError ? error.code : `not a ScannerError: ${String(error)}`;
}

describe("Harbor scanner adapter client", () => {
  it("refuses a non-https adapter URL", () => {
    expect(() => new HarborScannerClient({ baseUrl: "http://scanner.example" })).toThrow(/non-https/);
  });

  it("sends the scan request with Harbor's media types and the adapter credentials", async () => {
    const { client, sent } = clientWith(json(202, { id: "scan-1" }));
    const scanner = new HarborScanner(client, {
      pullToken: async (server, repository) => `token-for-${server}-${repository}`,
    });
    await expect(
      scanner.submit({ loginServer: "myacr.azurecr.io", repository: "team/app", digest: "sha256:" + "a".repeat(64) }),
    ).resolves.toEqual({ scanRequestId: "scan-1" });
    expect(sent[0]).toMatchObject({
      url: "https://scanner.example/adapter/api/v1/scan",
      method: "POST",
      headers: {
        Authorization: "Bearer k",
        "Content-Type": HARBOR_MEDIA_TYPES.scanRequest,
        Accept: HARBOR_MEDIA_TYPES.scanResponse,
      },
    });
    expect(JSON.parse(sent[0]?.body ?? "{}")).toEqual({
      registry: { url: "https://myacr.azurecr.io", authorization: "Bearer token-for-myacr.azurecr.io-team/app" },
      artifact: { repository: "team/app", digest: "sha256:" + "a".repeat(64) },
    });
  });

  it.each([
    [400, "scanner-rejected", false],
    [401, "scanner-rejected", false],
    [422, "scanner-rejected", false],
    [501, "scanner-incapable", false],
    [500, "scanner-unreachable", true],
    [503, "scanner-unreachable", true],
    [429, "scanner-unreachable", true],
    [418, "scanner-protocol", false],
  ])("POST scan → %i is %s (transient: %s)", async (status, code, transient) => {
    const { client } = clientWith(json(status, { error: { message: "nope" } }));
    const error = await client
      .submitScan({
        registry: { url: "https://r", authorization: "" },
        artifact: { repository: "a", digest: "sha256:1" },
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code, transient, status });
    expect((error as Error).message).toContain("nope");
  });

  it("a 202 without a usable id is a protocol error", async () => {
    expect(
      await codeOf(
        clientWith(json(202, {})).client.submitScan({
          registry: { url: "https://r", authorization: "" },
          artifact: { repository: "a", digest: "d" },
        }),
      ),
    ).toBe("scanner-protocol");
    expect(
      await codeOf(
        clientWith(json(202, { id: "../../etc" })).client.submitScan({
          registry: { url: "https://r", authorization: "" },
          artifact: { repository: "a", digest: "d" },
        }),
      ),
    ).toBe("scanner-protocol");
  });

  it.each([
    ["7", 7],
    ["0", 1],
    ["86400", 300],
    ["soon", 5],
    [undefined, 5],
  ])("302 with Refresh-After %j → pending, ask again in %i s", async (header, seconds) => {
    const { client, sent } = clientWith(redirect(header === undefined ? {} : { "Refresh-After": header }));
    await expect(client.fetchReport("scan 1")).resolves.toEqual({ state: "pending", refreshAfterSeconds: seconds });
    expect(sent[0]?.url).toBe("https://scanner.example/adapter/api/v1/scan/scan%201/report");
    expect(sent[0]?.headers.Accept).toBe(HARBOR_MEDIA_TYPES.vulnerabilityReport11);
  });

  it("200 → the normalised report", async () => {
    const { client } = clientWith(
      json(200, harborReport([{ id: "CVE-1", package: "p", version: "1", severity: "High" }])),
    );
    const poll = await client.fetchReport("s");
    expect(poll.state === "done" && poll.outcome.ok ? poll.outcome.report.counts.High : -1).toBe(1);
  });

  it("200 with a report over the limit → a report error, without reading it all", async () => {
    const { fetch } = scripted(json(200, fixtureText("alpine-310.json")));
    const client = new HarborScannerClient({ baseUrl: "https://scanner.example", fetch, maxReportBytes: 1000 });
    const poll = await client.fetchReport("s");
    expect(poll.state === "done" && !poll.outcome.ok ? poll.outcome.error.code : "").toBe("report-too-large");
  });

  it("500 → a failed scan carrying the adapter's message; 404 → unknown scan", async () => {
    await expect(clientWith(json(500, { error: { message: "db\nmissing" } })).client.fetchReport("s")).resolves.toEqual(
      {
        state: "failed",
        error: { code: "scan-failed", message: "the scanner adapter reports a failed scan: db missing" },
      },
    );
    expect(await codeOf(clientWith(json(404, "")).client.fetchReport("s"))).toBe("scan-unknown");
  });

  it("no answer at all → unreachable, transient", async () => {
    const error = await clientWith(new TypeError("fetch failed"))
      .client.metadata()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "scanner-unreachable", transient: true });
  });

  it("metadata that is not ScannerAdapterMetadata is a protocol error", async () => {
    expect(await codeOf(clientWith(json(200, { scanner: {} })).client.metadata())).toBe("scanner-protocol");
    expect(await codeOf(clientWith(json(200, "not json")).client.metadata())).toBe("scanner-protocol");
  });

  it("chooses the best report type the adapter produces", () => {
    const metadata = (types: string[], type?: string) => ({
      scanner: { name: "x" },
      capabilities: [{ ...(type ? { type } : {}), consumes_mime_types: [], produces_mime_types: types }],
    });
    expect(
      chooseReportType(
        metadata([HARBOR_MEDIA_TYPES.rawReport, "application/vnd.security.vulnerability.report;version=1.1"]),
      ),
    ).toBe(HARBOR_MEDIA_TYPES.vulnerabilityReport11);
    expect(chooseReportType(metadata([HARBOR_MEDIA_TYPES.harborReport10]))).toBe(HARBOR_MEDIA_TYPES.harborReport10);
    expect(
      chooseReportType(metadata(["application/vnd.security.sbom.report+json; version=1.0"], "sbom")),
    ).toBeUndefined();
    expect(chooseReportType(metadata([HARBOR_MEDIA_TYPES.vulnerabilityReport11], "sbom"))).toBeUndefined();
  });

  it("refuses malformed images before asking for a token", async () => {
    const asked: string[] = [];
    const scanner = new HarborScanner(clientWith().client, {
      pullToken: async (_s, repository) => (asked.push(repository), "t"),
    });
    expect(
      await codeOf(
        scanner.submit({
          loginServer: "https://myacr.azurecr.io",
          repository: "a",
          digest: "sha256:" + "a".repeat(64),
        }),
      ),
    ).toBe("scanner-rejected");
    expect(await codeOf(scanner.submit({ loginServer: "myacr.azurecr.io", repository: "a", digest: "latest" }))).toBe(
      "scanner-rejected",
    );
    expect(asked).toEqual([]);
  });
});
