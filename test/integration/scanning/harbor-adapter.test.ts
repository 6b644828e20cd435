import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicy, parsePolicy } from "../../../src/policy/index.js";
import {
  chooseReportType,
  HARBOR_MEDIA_TYPES,
  HarborScanner,
  HarborScannerClient,
  ScannerError,
  type ReportPoll,
} from "../../../src/scanning/harbor/index.js";
import type { PullTokenSource } from "../../../src/scanning/pull-token.js";
import { startScannerEmulator, type ScannerEmulator } from "../../../local/scanner-emulator/server.js";
import { repoRef, startLocalAcr, type LocalAcr, type TestPrincipal } from "../../support/local-acr.js";
import { buildOciImage, type OciImage } from "../../support/oci-image.js";
import { freshTempDir, localStateRoot, projectRoot } from "../../support/paths.js";
import { push } from "../../support/skopeo.js";

const fixture = (name: string): string => readFileSync(join(projectRoot, "test", "fixtures", "trivy", name), "utf8");
const REPOSITORIES = { clean: "team-a/app", broken: "broken/app", garbage: "garbage/app" };
const API_KEY = "emulator-api-key";

/** Real ACR pull tokens from the emulator's /oauth2/token, as a test identity gets them. */
function pullTokens(local: LocalAcr, identity: TestPrincipal): PullTokenSource & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    pullToken: async (_server, repository) => {
      calls.push(repository);
      return local.accessToken(identity, [`repository:${repository}:pull`]);
    },
  };
}

async function pollUntilDone(scanner: HarborScanner, id: string): Promise<{ polls: ReportPoll[]; last: ReportPoll }> {
  const polls: ReportPoll[] = [];
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const poll = await scanner.poll(id);
    polls.push(poll);
    if (poll.state !== "pending") return { polls, last: poll };
  }
  throw new Error("the report never became ready");
}

describe("Harbor scanner adapter against the scanner emulator and the ACR emulator", () => {
  let local: LocalAcr;
  let emulator: ScannerEmulator;
  let image: OciImage;
  let client: HarborScannerClient;

  beforeAll(async () => {
    local = await startLocalAcr();
    image = await buildOciImage(freshTempDir("scan-img"));
    const creds = await local.skopeoCreds("pusher");
    for (const repository of Object.values(REPOSITORIES)) {
      const pushed = await push(image.layoutRef, repoRef(local, repository, "v1"), {
        certDir: local.acr.certDir,
        creds,
      });
      expect(pushed.code, pushed.stderr).toBe(0);
    }
    emulator = await startScannerEmulator({
      caDir: localStateRoot("tls"),
      apiKey: API_KEY,
      reportFor: (artifact) => {
        if (artifact.repository === REPOSITORIES.broken) return { fail: "the scanner's database is not available" };
        if (artifact.repository === REPOSITORIES.garbage) return { body: fixture("debian-buster.json").slice(0, 500) };
        return { trivy: JSON.parse(fixture("debian-buster.json")) as object };
      },
    });
    client = new HarborScannerClient({
      baseUrl: emulator.url,
      authHeaders: async () => ({ Authorization: `Bearer ${API_KEY}` }),
    });
  });
  afterAll(async () => {
    await emulator?.stop();
    await local?.stop();
  });

  const imageOf = (repository: string) => ({
    loginServer: local.acr.loginServer,
    repository,
    digest: image.manifestDigest,
    tag: "v1",
    mediaType: "application/vnd.oci.image.manifest.v1+json",
  });

  it("reads the adapter's metadata and picks the v1.1 vulnerability report", async () => {
    const metadata = await client.metadata();
    expect(metadata.scanner.name).toBe("Trivy");
    expect(chooseReportType(metadata)).toBe(HARBOR_MEDIA_TYPES.vulnerabilityReport11);
  });

  it("scans a quarantined image with the gate's pull token: 302 first, then the report, normalised and judged", async () => {
    const tokens = pullTokens(local, "gate");
    const scanner = new HarborScanner(client, tokens);
    const { scanRequestId } = await scanner.submit(imageOf(REPOSITORIES.clean));
    expect(tokens.calls).toEqual([REPOSITORIES.clean]);
    const { polls, last } = await pollUntilDone(scanner, scanRequestId);
    expect(polls[0]).toEqual({ state: "pending", refreshAfterSeconds: 1 });
    expect(last.state).toBe("done");
    if (last.state !== "done" || !last.outcome.ok) throw new Error(`unexpected ${JSON.stringify(last)}`);
    const report = last.outcome.report;
    expect(report.format).toBe("harbor");
    expect(report.artifact.digest).toBe(image.manifestDigest);
    expect(report.counts).toMatchObject({ Critical: 1, Low: 1, High: 0, Medium: 0 });
    const verdict = evaluatePolicy({
      policy: parsePolicy({ version: 1 }),
      image: { repository: REPOSITORIES.clean, digest: image.manifestDigest },
      report: last.outcome,
      now: "2025-01-01T00:00:00Z",
    });
    expect(verdict.decision).toBe("fail");
    expect(verdict.reasons).toMatchObject([
      { kind: "finding-blocks", finding: { vulnerabilityId: "CVE-2019-18224", severity: "Critical" } },
    ]);
  });

  it("reads the raw report (Trivy JSON) with the same findings", async () => {
    const scanner = new HarborScanner(client, pullTokens(local, "gate"), HARBOR_MEDIA_TYPES.rawReport);
    const { scanRequestId } = await scanner.submit(imageOf(REPOSITORIES.clean));
    const { last } = await pollUntilDone(scanner, scanRequestId);
    if (last.state !== "done" || !last.outcome.ok) throw new Error(`unexpected ${JSON.stringify(last)}`);
    expect(last.outcome.report.format).toBe("trivy-json");
    expect(last.outcome.report.counts).toMatchObject({ Critical: 1, Low: 1 });
  });

  it("a pull token without quarantine read rights cannot pull: the scan fails and the policy fails closed", async () => {
    const scanner = new HarborScanner(client, pullTokens(local, "puller"));
    const { scanRequestId } = await scanner.submit(imageOf(REPOSITORIES.clean));
    const { last } = await pollUntilDone(scanner, scanRequestId);
    expect(last.state).toBe("failed");
    if (last.state !== "failed") throw new Error("expected a failed scan");
    expect(last.error.message).toMatch(/registry answered 40[13]/);
    const verdict = evaluatePolicy({
      policy: parsePolicy({ version: 1, defaultRule: { blockAt: "none", unknownSeverity: "ignore" } }),
      image: { repository: REPOSITORIES.clean, digest: image.manifestDigest },
      report: { ok: false, error: last.error },
      now: "2025-01-01T00:00:00Z",
    });
    expect(verdict.decision).toBe("fail");
    expect(verdict.reasons).toEqual([{ kind: "report-unusable", code: "scan-failed", message: last.error.message }]);
  });

  it("a scanner that reports a failed scan → failed; a truncated report → a typed report error", async () => {
    const scanner = new HarborScanner(client, pullTokens(local, "gate"));
    const broken = await pollUntilDone(scanner, (await scanner.submit(imageOf(REPOSITORIES.broken))).scanRequestId);
    expect(broken.last).toEqual({
      state: "failed",
      error: {
        code: "scan-failed",
        message: "the scanner adapter reports a failed scan: the scanner's database is not available",
      },
    });
    const garbage = await pollUntilDone(scanner, (await scanner.submit(imageOf(REPOSITORIES.garbage))).scanRequestId);
    expect(garbage.last.state === "done" && !garbage.last.outcome.ok ? garbage.last.outcome.error.code : "").toBe(
      "report-not-json",
    );
  });

  it("typed errors: unknown scan, wrong adapter key, unscannable manifest type, adapter gone", async () => {
    const scanner = new HarborScanner(client, pullTokens(local, "gate"));
    await expect(scanner.poll("no-such-scan")).rejects.toMatchObject({ code: "scan-unknown", transient: false });

    const wrongKey = new HarborScannerClient({
      baseUrl: emulator.url,
      authHeaders: async () => ({ Authorization: "Bearer wrong" }),
    });
    await expect(wrongKey.metadata()).rejects.toMatchObject({ code: "scanner-rejected", status: 401 });

    const tokens = pullTokens(local, "gate");
    const index = { ...imageOf(REPOSITORIES.clean), mediaType: "application/vnd.oci.image.index.v1+json" };
    await expect(new HarborScanner(client, tokens).submit(index)).rejects.toMatchObject({ code: "scanner-incapable" });
    expect(tokens.calls).toEqual([]);

    const gone = await startScannerEmulator({ caDir: localStateRoot("tls"), reportFor: () => ({ fail: "unused" }) });
    await gone.stop();
    const error = await new HarborScannerClient({ baseUrl: gone.url }).metadata().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ScannerError);
    expect(error).toMatchObject({ code: "scanner-unreachable", transient: true });
  });
});
