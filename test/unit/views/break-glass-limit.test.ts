import { describe, expect, it } from "vitest";
import { breakGlassExpiry } from "../../../src/pipeline/break-glass-expiry.js";
import { BreakGlassExpiryTooLongError } from "../../../src/pipeline/errors.js";
import { breakGlassLimit } from "../../../src/pipeline/views/break-glass-limit.js";
import type { PolicyDocument } from "../../../src/policy/types.js";

const AT = "2025-03-01T10:00:00.000Z";

describe("the longest break-glass expiry the image view tells the page", () => {
  it("is the policy's remediation.breakGlassExpiryHours, 24 by default", () => {
    expect(breakGlassLimit({} as PolicyDocument, "team/app")).toEqual({ maxExpiryHours: 24, maxExpiry: "PT24H" });
    const policy = { remediation: { breakGlassExpiryHours: 8 } } as PolicyDocument;
    expect(breakGlassLimit(policy, "team/app")).toEqual({ maxExpiryHours: 8, maxExpiry: "PT8H" });
  });

  it("is exactly what the approvals API allows: its maxExpiry, the longest it accepts, one hour more refused", () => {
    for (const policy of [{}, { remediation: { breakGlassExpiryHours: 8 } }] as PolicyDocument[]) {
      const limit = breakGlassLimit(policy, "team/app");
      expect(breakGlassExpiry(policy, "team/app", AT).maxExpiry).toBe(limit.maxExpiry);
      const longest = breakGlassExpiry(policy, "team/app", AT, `PT${limit.maxExpiryHours}H`);
      expect(Date.parse(longest.expiresAt) - Date.parse(AT)).toBe(limit.maxExpiryHours * 3_600_000);
      expect(() => breakGlassExpiry(policy, "team/app", AT, `PT${limit.maxExpiryHours + 1}H`)).toThrow(
        BreakGlassExpiryTooLongError,
      );
    }
  });
});
