import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../src/policy/index.js";
import { findingRows, judgedFindingRows } from "../../../src/pipeline/views/findings.js";
import { DIGEST, NOW, finding, reportOf } from "../policy/support.js";

describe("the findings table rows", () => {
  const critical = finding({ vulnerabilityId: "CVE-2024-1111", severity: "Critical" });
  const excepted = finding({ vulnerabilityId: "CVE-2024-2222", severity: "Critical", package: { name: "curl" } });
  const unfixed = finding({ vulnerabilityId: "CVE-2024-3333", severity: "High", fixable: false });
  const suppressed = finding({ vulnerabilityId: "CVE-2024-4444", severity: "High", package: { name: "zlib" } });
  const low = finding({ vulnerabilityId: "CVE-2024-5555", severity: "Low" });
  const policy = parsePolicy({
    version: 1,
    defaultRule: { blockAt: "Critical", requireApprovalAt: "High", ignoreUnfixed: true },
    exceptions: [
      {
        id: "EXC-7",
        vulnerability: "CVE-2024-2222",
        expires: "2030-01-01T00:00:00Z",
        justification: "not reachable from the network",
        approvedBy: "security@contoso.com",
      },
    ],
    vex: [
      {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://vex.example/doc-1",
        author: "security@contoso.com",
        timestamp: "2025-01-01T00:00:00Z",
        version: 1,
        statements: [
          {
            vulnerability: { name: "CVE-2024-4444" },
            products: [{ "@id": `pkg:oci/app@${encodeURIComponent(DIGEST)}` }],
            status: "not_affected",
            justification: "vulnerable_code_not_in_execute_path",
          },
        ],
      },
    ],
  });

  it("says per finding what the policy did and why: blocks, excepted, ignored unfixed, VEX-suppressed, below thresholds", () => {
    const rows = judgedFindingRows({
      report: { ok: true, report: reportOf([low, suppressed, unfixed, excepted, critical]) },
      image: { repository: "team/app", digest: DIGEST },
      policy,
      now: NOW,
    });
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId["CVE-2024-1111"]).toMatchObject({ disposition: "blocks", why: "blockAt Critical", fixed: "3.0.2" });
    expect(byId["CVE-2024-2222"]).toMatchObject({
      disposition: "excepted",
      package: "curl",
      why: "EXC-7 until 2030-01-01T00:00:00Z, approved by security@contoso.com: not reachable from the network",
    });
    expect(byId["CVE-2024-3333"]).toMatchObject({ disposition: "ignored-unfixed" });
    expect(byId["CVE-2024-3333"]?.fixed).toBeUndefined();
    expect(byId["CVE-2024-5555"]).toMatchObject({ disposition: "counted", severity: "Low" });
    // Most severe first.
    expect(rows.map((r) => r.severity)).toEqual(["Critical", "Critical", "High", "High", "Low"]);
    expect(byId["CVE-2024-4444"]).toMatchObject({
      disposition: "vex-suppressed",
      why: "not_affected per https://vex.example/doc-1#0 (vulnerable_code_not_in_execute_path)",
    });
  });

  it("has no rows for an unusable report, and keeps report strings as they are (the page renders them as text)", () => {
    expect(
      judgedFindingRows({
        report: { ok: false, error: { code: "report-malformed", message: "not JSON" } } as never,
        image: { repository: "team/app", digest: DIGEST },
        policy,
        now: NOW,
      }),
    ).toEqual([]);
    const hostile = finding({ vulnerabilityId: "<script>x</script>", package: { name: "javascript:alert(1)" } });
    expect(findingRows([hostile], [])[0]).toMatchObject({ id: "<script>x</script>", package: "javascript:alert(1)" });
  });
});
