import { describe, expect, it } from "vitest";
import { describeScanFailure } from "../../../src/pipeline/scan-reports.js";
import type { ScanFailureReport } from "../../../src/scanning/queue/index.js";

const body = (failure: Partial<ScanFailureReport["failure"]> | unknown) =>
  new TextEncoder().encode(JSON.stringify({ failure }));
const failure = (code: string) => ({ code, reason: "why", occurredAt: "2026-12-02T07:00:00Z" });

describe("an external scanner's explicit failure, as the pipeline takes it", () => {
  it("registry-unavailable is the one retryable failure: the pipeline scans again inside its deadline", () => {
    expect(describeScanFailure(body(failure("registry-unavailable")))).toEqual({
      error: "registry-unavailable: why",
      retryable: true,
    });
  });

  it.each(["scanner-exit", "scanner-timeout", "scanner-bad-output", "report-too-large", "poison", "unsafe-request"])(
    "%s ends the scan",
    (code) => {
      expect(describeScanFailure(body(failure(code)))).toEqual({ error: `${code}: why`, retryable: false });
    },
  );

  it("a failure the gate cannot read is still a failure, and never retryable (a retry is asked for only in the contract's words)", () => {
    expect(describeScanFailure(new TextEncoder().encode("registry-unavailable"))).toMatchObject({ retryable: false });
    expect(describeScanFailure(body({ ...failure("registry-unavailable"), extra: 1 }))).toMatchObject({
      retryable: false,
    });
    expect(describeScanFailure(body(failure("REGISTRY-UNAVAILABLE")))).toMatchObject({ retryable: false });
    expect(describeScanFailure(new Uint8Array(17 * 1024))).toMatchObject({ retryable: false });
  });
});
