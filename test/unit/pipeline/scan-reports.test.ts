import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../src/policy/index.js";
import { issueCallbackToken } from "../../../src/scanning/queue/callback-token.js";
import { acceptScanReport } from "../../../src/pipeline/scan-reports.js";
import { EVENT, ORCHESTRATION, pipelineInstanceId, scanId } from "../../../src/pipeline/contract/index.js";
import {
  CallbackTokenRejectedError,
  ScanAlreadyReportedError,
  ScanNotAwaitingReportError,
  UnknownScanError,
} from "../../../src/pipeline/errors.js";
import type { ScanCallbackLedger } from "../../../src/pipeline/scan-ledger.js";
import { FakeDurableClient } from "./support/fake-durable-client.js";
import { IMAGE } from "./support/fixtures.js";

const id = pipelineInstanceId(IMAGE);
const scan = scanId(id, 0, "0123abcdffff");
const token = issueCallbackToken();
const NOW = new Date("2024-02-01T10:00:00.000Z");

function setup(runtimeStatus = "Running", pendingScanId = scan) {
  const claimed = new Set<string>();
  const ledger = {
    claim: async (_instance: string, scanIdText: string) =>
      !claimed.has(scanIdText) && Boolean(claimed.add(scanIdText)),
  } as unknown as ScanCallbackLedger;
  const fake = new FakeDurableClient().put({
    instanceId: id,
    name: ORCHESTRATION.quarantinePipeline,
    runtimeStatus,
    customStatus: {
      stage: "scanning",
      pendingScan: { scanId: pendingScanId, callbackTokenHash: token.hash, image: IMAGE },
    },
  });
  const services = {
    policy: parsePolicy({ version: 1 }),
    policyVersion: "p1",
    scanLedger: ledger,
    vex: undefined,
    findings: { save: async () => {} },
  };
  const post = (id: string, authorization: string | null, body = "{}") =>
    acceptScanReport(fake.asClient(), services, id, authorization, new TextEncoder().encode(body), NOW);
  return { fake, post };
}

describe("external scanners' reports", () => {
  it("judges the report where it arrives and raises only the verdict on the waiting pipeline", async () => {
    const { fake, post } = setup();
    // Not a report of any known format: accepted (the scanner did answer), and the policy fails closed on it.
    const event = await post(scan, `Bearer ${token.token}`, '{"not":"a report"}');
    expect(event.result).toMatchObject({ state: "done", verdict: { decision: "fail" } });
    expect(fake.events).toEqual([{ instanceId: id, name: EVENT.scanReport, payload: event }]);
  });

  it("takes one report per scan", async () => {
    const { post } = setup();
    await post(scan, `Bearer ${token.token}`);
    await expect(post(scan, `Bearer ${token.token}`)).rejects.toBeInstanceOf(ScanAlreadyReportedError);
  });

  it.each([null, "Bearer wrong", `Basic ${token.token}`])("refuses the token %j", async (authorization) => {
    const { fake, post } = setup();
    await expect(post(scan, authorization)).rejects.toBeInstanceOf(CallbackTokenRejectedError);
    expect(fake.events).toEqual([]);
  });

  it("refuses scan ids the gate did not hand out", async () => {
    const { post } = setup();
    for (const bad of ["", "qp-123.0.abcdef12", `${id}.0.zz`, `../${scan}`, `bg-${id.slice(3)}.0.0123abcd`])
      await expect(post(bad, `Bearer ${token.token}`)).rejects.toBeInstanceOf(UnknownScanError);
  });

  it("refuses reports for scans not waiting (another scan pending, or the pipeline ended)", async () => {
    await expect(
      setup("Running", scanId(id, 1, "ffffffff")).post(scan, `Bearer ${token.token}`),
    ).rejects.toBeInstanceOf(ScanNotAwaitingReportError);
    await expect(setup("Completed").post(scan, `Bearer ${token.token}`)).rejects.toBeInstanceOf(
      ScanNotAwaitingReportError,
    );
    await expect(
      acceptScanReport(
        new FakeDurableClient().asClient(),
        {
          policy: parsePolicy({ version: 1 }),
          policyVersion: "p",
          scanLedger: {} as ScanCallbackLedger,
          vex: undefined,
          findings: { save: async () => {} },
        },
        scan,
        `Bearer ${token.token}`,
        new Uint8Array(),
        NOW,
      ),
    ).rejects.toBeInstanceOf(ScanNotAwaitingReportError);
  });
});
