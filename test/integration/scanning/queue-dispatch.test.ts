import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicy, parsePolicy } from "../../../src/policy/index.js";
import {
  acceptCallbackReport,
  decodeQueueMessage,
  QueueScanDispatcher,
  type ScanRequestMessage,
} from "../../../src/scanning/queue/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";

const IMAGE = { loginServer: "myacr.azurecr.io", repository: "team-a/app", digest: "sha256:" + "f".repeat(64) };

describe("queue dispatch to an external scanner, through a real queue (Azurite)", () => {
  let azurite: TestAzurite;
  let queue: QueueClient;

  beforeAll(async () => {
    azurite = await startTestAzurite();
    queue = new QueueClient(azurite.connectionString, "scan-requests");
    await queue.create();
  });
  afterAll(async () => azurite?.dispose());

  it("the scanner receives the request from the queue, scans, and its report comes back through the callback", async () => {
    const dispatcher = new QueueScanDispatcher({
      queue,
      pullTokens: { pullToken: async () => "short-lived-pull-token" },
      callbackBaseUrl: "https://gate.example/api/scan-reports",
    });
    const dispatched = await dispatcher.dispatch(IMAGE, "team-a-app-ffff", new Date("2025-03-01T12:00:00Z"));

    // The external scanner's side: receive, decode, scan, post back.
    const received = await queue.receiveMessages({ numberOfMessages: 5 });
    expect(received.receivedMessageItems).toHaveLength(1);
    const message = decodeQueueMessage(received.receivedMessageItems[0]?.messageText ?? "") as ScanRequestMessage;
    expect(message.image).toEqual(IMAGE);
    expect(message.registry?.authorization).toBe("Bearer short-lived-pull-token");
    const report = JSON.stringify({
      SchemaVersion: 2,
      ArtifactName: `${IMAGE.loginServer}/${IMAGE.repository}@${IMAGE.digest}`,
      Metadata: { RepoDigests: [`${IMAGE.loginServer}/${IMAGE.repository}@${IMAGE.digest}`] },
      Results: [
        {
          Target: "app (alpine 3.19)",
          Vulnerabilities: [
            {
              VulnerabilityID: "CVE-2024-0001",
              PkgName: "musl",
              InstalledVersion: "1.2.4-r2",
              FixedVersion: "1.2.4-r3",
              Severity: "HIGH",
            },
          ],
        },
      ],
    });

    const wrong = acceptCallbackReport({
      authorization: "Bearer not-the-token",
      expectedTokenHash: dispatched.callbackTokenHash,
      body: report,
    });
    expect(wrong.accepted).toBe(false);
    const result = acceptCallbackReport({
      authorization: `Bearer ${message.callback.token}`,
      expectedTokenHash: dispatched.callbackTokenHash,
      body: report,
    });
    if (!result.accepted) throw new Error("the scanner's own token was refused");
    const verdict = evaluatePolicy({
      policy: parsePolicy({ version: 1, defaultRule: { blockAt: "Critical", requireApprovalAt: "High" } }),
      image: { repository: IMAGE.repository, digest: IMAGE.digest },
      report: result.outcome,
      now: "2025-03-01T12:05:00Z",
    });
    expect(verdict.decision).toBe("needsApproval");
    expect(verdict.reasons).toMatchObject([
      { kind: "finding-needs-approval", finding: { vulnerabilityId: "CVE-2024-0001" } },
    ]);
  });
});
