import { describe, expect, it } from "vitest";
import { decisiveReasons } from "../../../src/policy/index.js";
import { finding, judge, kinds } from "./support.js";

describe("decisive reasons first", () => {
  const policy = {
    version: 1,
    defaultRule: { blockAt: "Critical", requireApprovalAt: "High", ignoreUnfixed: true },
    exceptions: [
      { vulnerability: "CVE-A", expires: "2030-01-01T00:00:00Z", justification: "j", approvedBy: "a" },
      { vulnerability: "CVE-B", expires: "2020-01-01T00:00:00Z", justification: "j", approvedBy: "a" },
    ],
  };
  const findings = [
    finding({ vulnerabilityId: "CVE-A", severity: "Critical" }),
    finding({ vulnerabilityId: "CVE-U", severity: "Critical", fixable: false }),
    finding({ vulnerabilityId: "CVE-H", severity: "High" }),
    finding({ vulnerabilityId: "CVE-B", severity: "Critical" }),
    finding({ vulnerabilityId: "CVE-C", severity: "Critical" }),
  ];

  it("puts what failed the image ahead of what was excused, keeping report order within a kind", () => {
    const verdict = judge(policy, findings);
    expect(kinds(verdict)).toEqual([
      "exception-applied",
      "unfixed-ignored",
      "finding-needs-approval",
      "exception-expired",
      "finding-blocks",
      "finding-blocks",
    ]);
    expect(kinds({ ...verdict, reasons: decisiveReasons(verdict) })).toEqual([
      "finding-blocks",
      "finding-blocks",
      "exception-expired",
      "finding-needs-approval",
      "exception-applied",
      "unfixed-ignored",
    ]);
    expect(
      decisiveReasons(verdict, 2).map((reason) => ("finding" in reason ? reason.finding.vulnerabilityId : "")),
    ).toEqual(["CVE-B", "CVE-C"]);
  });
});
