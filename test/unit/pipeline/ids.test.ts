import { describe, expect, it } from "vitest";
import {
  backfillInstanceId,
  pipelineInstanceId,
  pipelineOfScan,
  scanId,
} from "../../../src/pipeline/contract/index.js";
import { IMAGE } from "./support/fixtures.js";

describe("scan ids find their instance", () => {
  it("a pipeline's scan id names the pipeline", () => {
    const instance = pipelineInstanceId(IMAGE);
    expect(pipelineOfScan(scanId(instance, 1, "0123abcd-aaaa"))).toBe(instance);
  });

  it("a backfill evaluation's scan id names the evaluation (queue scanners call back for backfills too)", () => {
    const instance = backfillInstanceId("20240201T100000-abcdef12", IMAGE);
    expect(pipelineOfScan(scanId(instance, 2, "89abcdef-bbbb"))).toBe(instance);
  });

  it("anything else names no instance", () => {
    const instance = pipelineInstanceId(IMAGE);
    for (const text of [
      "",
      instance,
      `${instance}.1`,
      `${instance}.x.0123abcd`,
      `${instance}.1.0123ABCD`,
      `bg-${instance.slice(3)}-1700000000000.1.0123abcd`,
      `bf-${"a".repeat(65)}-${instance.slice(3)}.1.0123abcd`,
      `../${instance}.1.0123abcd`,
    ])
      expect(pipelineOfScan(text), text).toBeUndefined();
  });
});
