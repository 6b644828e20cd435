import { describe, expect, it } from "vitest";
import { EVENT_PREFIX, eventLine, parseEventLine } from "../../../src/observability/event-line.js";

const IMAGE = `contoso.azurecr.io/team/app@sha256:${"1".repeat(64)}`;

describe("event lines", () => {
  it("is the documented prefix and one JSON object, fields in a fixed order, absent fields left out", () => {
    const line = eventLine({
      outcome: "succeeded",
      fn: "pollScan",
      kind: "activity",
      image: IMAGE,
      stage: "scanning",
      instanceId: "qp-" + "a".repeat(40),
      result: "pass",
      findings: 3,
      durationMs: 12.6,
    });
    // docs/operations.md reads the JSON with substring(message, 18).
    expect(EVENT_PREFIX).toHaveLength(18);
    expect(line.startsWith("[quarantine-gate] {")).toBe(true);
    expect(line).not.toContain("\n");
    expect(Object.keys(JSON.parse(line.slice(18)) as object)).toEqual([
      "v",
      "kind",
      "fn",
      "outcome",
      "stage",
      "instanceId",
      "image",
      "result",
      "findings",
      "durationMs",
    ]);
    expect(parseEventLine(line)).toMatchObject({ v: 1, durationMs: 13, findings: 3, image: IMAGE });
  });

  it("redacts and bounds every string, also inside the error", () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    const line = eventLine({
      kind: "http",
      fn: "approvals",
      outcome: "failed",
      error: {
        name: "Error",
        message: `upstream said: Authorization: Bearer ${token}\nat https://h/api?code=K3y&x=1 ${"y".repeat(600)}`,
      },
    });
    expect(line).not.toContain(token);
    expect(line).not.toContain("K3y");
    expect(line).not.toContain("\\n");
    const parsed = parseEventLine(line)!;
    expect(parsed.error!.message.length).toBeLessThanOrEqual(300);
    expect(parsed.error!.message).toMatch(/^upstream said: Authorization: \[redacted\]/);
  });

  it("reads back only its own lines", () => {
    expect(parseEventLine("Executing 'Functions.acrEvents'")).toBeUndefined();
    expect(parseEventLine("[quarantine-gate] not json")).toBeUndefined();
    expect(parseEventLine('[quarantine-gate] {"kind":"http"}')).toBeUndefined();
  });
});
