import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobServiceClient } from "@azure/storage-blob";
import { FINDINGS_CONTAINER, FindingsStore } from "../../../src/pipeline/views/findings-store.js";
import type { FindingRow } from "../../../src/pipeline/views/findings.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";

const IMAGE = { loginServer: "reg.azurecr.io", repository: "team/app", digest: "sha256:" + "a".repeat(64) };
const OTHER = { ...IMAGE, digest: "sha256:" + "b".repeat(64) };
const ROW: FindingRow = {
  id: "CVE-2024-1",
  kind: "vulnerability",
  package: "openssl",
  installed: "3.0.1",
  fixed: "3.0.2",
  severity: "High",
  target: "debian",
  disposition: "needs-approval",
  why: "requireApprovalAt High",
};

describe("the findings store (Azurite blobs)", () => {
  let azurite: TestAzurite;
  let store: FindingsStore;
  beforeAll(async () => {
    azurite = await startTestAzurite();
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      FINDINGS_CONTAINER,
    );
    store = new FindingsStore(container);
  });
  afterAll(async () => azurite?.dispose());

  it("keeps one image's rows, replaced by the next judgement, and knows nothing of images never judged", async () => {
    expect(await store.load(IMAGE)).toBeUndefined();
    await store.save(IMAGE, [ROW], "2026-01-01T00:00:00.000Z");
    expect(await store.load(IMAGE)).toEqual({ rows: [ROW], judgedAt: "2026-01-01T00:00:00.000Z" });
    await store.save(IMAGE, [{ ...ROW, disposition: "excepted" }], "2026-01-02T00:00:00.000Z");
    expect((await store.load(IMAGE))?.rows[0]?.disposition).toBe("excepted");
    expect(await store.load(OTHER)).toBeUndefined();
  });
});
