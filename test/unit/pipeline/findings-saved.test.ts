import { describe, expect, it } from "vitest";
import { RestError } from "@azure/core-rest-pipeline";
import { parsePolicy } from "../../../src/policy/index.js";
import { judgeScanReport } from "../../../src/scanning/judge.js";
import { judgeReport } from "../../../src/pipeline/steps/judge-report.js";
import { pollScan } from "../../../src/pipeline/steps/scan.js";
import { acceptScanReport } from "../../../src/pipeline/scan-reports.js";
import { describeReason } from "../../../src/pipeline/reasons.js";
import { FindingsNotSavedError } from "../../../src/pipeline/errors.js";
import {
  EVENT,
  ORCHESTRATION,
  pipelineInstanceId,
  scanId,
  type ImageKey,
} from "../../../src/pipeline/contract/index.js";
import type { GateServices } from "../../../src/pipeline/services.js";
import type { ScanCallbackLedger } from "../../../src/pipeline/scan-ledger.js";
import type { FindingRow } from "../../../src/pipeline/views/findings.js";
import { issueCallbackToken } from "../../../src/scanning/queue/callback-token.js";
import { problemFor } from "../../../src/http/errors.js";
import { FakeDurableClient } from "./support/fake-durable-client.js";
import { DIGEST, NOW, OTHER_DIGEST, reportOf, withSeverity } from "../policy/support.js";

const IMAGE: ImageKey = { loginServer: "contoso.azurecr.io", repository: "team/app", digest: DIGEST };
const policy = parsePolicy({
  version: 1,
  defaultRule: { blockAt: "Critical", requireApprovalAt: "High", ignoreUnfixed: true },
});

/** A findings store that keeps what it is given, or fails the first `failures` saves as storage would. */
function store(failures = 0) {
  const saved: Array<{ image: ImageKey; rows: FindingRow[]; judgedAt: string }> = [];
  let left = failures;
  return {
    saved,
    save: async (image: ImageKey, rows: FindingRow[], judgedAt: string) => {
      if (left > 0) {
        left -= 1;
        throw new RestError("connect ECONNREFUSED https://secretaccount.blob.core.windows.net/image-findings", {
          code: "ECONNREFUSED",
        });
      }
      saved.push({ image, rows, judgedAt });
    },
  };
}

const thirtyHighs = () => [
  ...Array.from({ length: 30 }, () => withSeverity("High")),
  withSeverity("Medium"),
  withSeverity("High", { fixable: false }),
];

describe("the scan step stores each judged report's findings rows (the image page's table)", () => {
  it("stores one row per finding with what the policy made of it; the verdict keeps only the most decisive reasons", async () => {
    const findings = store();
    const findingsList = thirtyHighs();
    const outcome = { ok: true as const, report: reportOf(findingsList, DIGEST) };
    const result = await judgeReport({ policy, policyVersion: "p1", vex: undefined, findings }, IMAGE, outcome, NOW);

    expect(findings.saved).toHaveLength(1);
    const [{ image, rows, judgedAt }] = findings.saved as [(typeof findings.saved)[0]];
    expect(image).toEqual(IMAGE);
    expect(judgedAt).toBe(NOW);
    expect(rows).toHaveLength(findingsList.length);
    expect(rows.filter((r) => r.disposition === "needs-approval")).toHaveLength(30);
    expect(rows.find((r) => r.severity === "Medium")).toMatchObject({ disposition: "counted", fixed: "3.0.2" });
    expect(rows.find((r) => r.fixed === undefined)).toMatchObject({
      severity: "High",
      disposition: "ignored-unfixed",
      why: "no fixed version; the rule has ignoreUnfixed",
    });
    // The verdict (what travels through durable history) is the one a default judgement gives: at most 20 reasons.
    const expected = judgeScanReport({ report: outcome, image: IMAGE, policy, now: NOW });
    expect(result.verdict.decision).toBe("needsApproval");
    expect(result.verdict.platforms[0]?.reasons).toEqual(expected.reasons.map(describeReason));
    expect(result.verdict.platforms[0]?.reasons).toHaveLength(20);
    expect(JSON.stringify(result)).not.toContain("3.0.2");
  });

  it("an unusable report, or one about another image, stores no rows (and still fails closed)", async () => {
    const findings = store();
    const services = { policy, policyVersion: "p1", vex: undefined, findings };
    const unusable = await judgeReport(
      services,
      IMAGE,
      { ok: false, error: { code: "unknown-format", message: "not a report" } } as never,
      NOW,
    );
    const another = await judgeReport(
      services,
      IMAGE,
      { ok: true, report: reportOf([withSeverity("Critical")], OTHER_DIGEST) },
      NOW,
    );
    expect(unusable.verdict.decision).toBe("fail");
    expect(another.verdict.decision).toBe("fail");
    expect(findings.saved.map((s) => s.rows)).toEqual([[], []]);
  });

  it("rows that cannot be stored hand on no verdict: a typed error without the storage's message", async () => {
    const outcome = { ok: true as const, report: reportOf([withSeverity("High")], DIGEST) };
    const error = await judgeReport(
      { policy, policyVersion: "p1", vex: undefined, findings: store(1) },
      IMAGE,
      outcome,
      NOW,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FindingsNotSavedError);
    expect((error as FindingsNotSavedError).code).toBe("ERR_FINDINGS_NOT_SAVED");
    expect((error as FindingsNotSavedError).upstreamCode).toBe("ECONNREFUSED");
    expect((error as Error).message).not.toContain("secretaccount");
  });

  it("Harbor path: the poll answers unavailable (polled again inside the deadline), then the verdict once stored", async () => {
    const findings = store(1);
    const report = { state: "done", outcome: { ok: true, report: reportOf([withSeverity("Critical")], DIGEST) } };
    const services = {
      policy,
      policyVersion: "p1",
      queue: undefined,
      vex: undefined,
      findings,
      scanner: { fetchReport: async () => report },
    } as unknown as GateServices;
    const input = { image: IMAGE, scanId: "s", now: NOW };
    expect(await pollScan(services, input)).toMatchObject({
      state: "unavailable",
      error: expect.stringContaining("could not be stored") as unknown,
    });
    expect(findings.saved).toEqual([]);
    expect(await pollScan(services, input)).toMatchObject({ state: "done", verdict: { decision: "fail" } });
    expect(findings.saved[0]?.rows).toMatchObject([{ severity: "Critical", disposition: "blocks" }]);
  });

  it("queue path: the callback is refused with 503 before the scan is claimed; the scanner's next post goes through", async () => {
    const id = pipelineInstanceId(IMAGE);
    const scan = scanId(id, 0, "0123abcdffff");
    const token = issueCallbackToken();
    const claimed: string[] = [];
    const ledger = {
      claim: async (_instance: string, scanText: string) => !claimed.includes(scanText) && claimed.push(scanText) > 0,
    } as unknown as ScanCallbackLedger;
    const fake = new FakeDurableClient().put({
      instanceId: id,
      name: ORCHESTRATION.quarantinePipeline,
      runtimeStatus: "Running",
      customStatus: { stage: "scanning", pendingScan: { scanId: scan, callbackTokenHash: token.hash, image: IMAGE } },
    });
    const findings = store(1);
    const services = { policy, policyVersion: "p1", scanLedger: ledger, vex: undefined, findings };
    const body = new TextEncoder().encode(
      JSON.stringify({
        SchemaVersion: 2,
        ArtifactName: `team/app@${DIGEST}`,
        ArtifactType: "container_image",
        Metadata: { RepoDigests: [`team/app@${DIGEST}`] },
        Results: [
          {
            Target: "app",
            Class: "os-pkgs",
            Type: "debian",
            Vulnerabilities: [
              {
                VulnerabilityID: "CVE-2024-1",
                PkgName: "openssl",
                InstalledVersion: "3.0.1",
                FixedVersion: "3.0.2",
                Severity: "HIGH",
              },
            ],
          },
        ],
      }),
    );
    const post = () => acceptScanReport(fake.asClient(), services, scan, `Bearer ${token.token}`, body, new Date(NOW));

    const refused = await post().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FindingsNotSavedError);
    expect(claimed).toEqual([]);
    expect(fake.events).toEqual([]);
    const answer = problemFor(refused);
    expect(answer?.status).toBe(503);
    expect((answer?.headers as Record<string, string>)["Retry-After"]).toMatch(/^\d+$/);

    const event = await post();
    expect(event.result).toMatchObject({ state: "done", verdict: { decision: "needsApproval" } });
    expect(claimed).toEqual([scan]);
    expect(fake.events).toEqual([{ instanceId: id, name: EVENT.scanReport, payload: event }]);
    expect(findings.saved[0]?.rows).toMatchObject([
      { id: "CVE-2024-1", package: "openssl", installed: "3.0.1", fixed: "3.0.2", disposition: "needs-approval" },
    ]);
  });
});
