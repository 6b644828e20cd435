import { describe, expect, it } from "vitest";
import { shadowResult } from "../../../src/sweep/backfill/results.js";
import {
  backfillInstanceId,
  backfillInstancePrefix as backfillPrefix,
  pipelineInstanceId,
} from "../../../src/pipeline/contract/index.js";

const verdict = (decision: string, reasons: string[] = []) => ({
  decision,
  platforms: [{ digest: "sha256:x", decision, reasons }],
  severityCounts: {},
  findings: reasons.length,
  scanner: "trivy",
  policyVersion: "v",
  evaluatedAt: "t",
});

describe("backfill evaluations", () => {
  it("use ids of their own, so they never take the enforcing pipeline's id", () => {
    const image = { loginServer: "contoso.azurecr.io", repository: "team/app", digest: `sha256:${"a".repeat(64)}` };
    const id = backfillInstanceId("20260301T000000-abcd1234", image);
    expect(id.startsWith(backfillPrefix("20260301T000000-abcd1234"))).toBe(true);
    expect(id).not.toBe(pipelineInstanceId(image));
    expect(id.endsWith(pipelineInstanceId(image).slice(3))).toBe(true);
    expect(id).not.toMatch(/[/\\#?]/);
  });

  it("read as would-pass, would-fail, would-need-approval, scan-failed, or still evaluating", () => {
    const status = (runtimeStatus: string, output?: unknown, custom: Record<string, unknown> = {}) => ({
      instanceId: "bf-1",
      runtimeStatus,
      output,
      customStatus: { image: "r/a@sha256:1", ...custom },
    });
    expect(shadowResult(status("Completed", { result: "would-pass", verdict: verdict("pass") })).verdict).toBe(
      "would-pass",
    );
    expect(
      shadowResult(status("Completed", { result: "would-fail", verdict: verdict("fail", ["CVE-1 blocks"]) })),
    ).toMatchObject({ verdict: "would-fail", reasons: ["CVE-1 blocks"], image: "r/a@sha256:1" });
    expect(
      shadowResult(
        status("Completed", {
          result: "left-quarantined",
          verdict: verdict("needsApproval", ["CVE-2 needs approval"]),
        }),
      ),
    ).toMatchObject({ verdict: "would-need-approval", reasons: ["CVE-2 needs approval"] });
    expect(shadowResult(status("Completed", { result: "left-quarantined", reason: "scan failed" })).verdict).toBe(
      "error",
    );
    expect(shadowResult(status("Completed", { result: "already-decided", reason: "already Passed" })).verdict).toBe(
      "already-decided",
    );
    expect(shadowResult(status("Failed", "boom", { stage: "scan-failed", error: "scanner crashed" }))).toMatchObject({
      verdict: "scan-failed",
      reasons: ["scanner crashed"],
    });
    expect(shadowResult(status("Failed", "boom", { stage: "inspecting" })).verdict).toBe("error");
    expect(shadowResult(status("Running")).verdict).toBe("evaluating");
    expect(shadowResult(status("Terminated")).verdict).toBe("error");
    // A shadow evaluation never yields Passed: anything unexpected is reported, not passed.
    expect(shadowResult(status("Completed", { result: "Passed" })).verdict).toBe("error");
  });
});
