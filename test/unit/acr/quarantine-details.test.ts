import { describe, expect, it } from "vitest";
import {
  AcrInvalidInputError,
  QuarantineDetailsBuilder,
  decodeQuarantineDetails,
  encodeQuarantineDetails,
  quarantineDetailsProblems,
  type QuarantineDetails,
} from "../../../src/acr/index.js";
import exampleJson from "../../../specs/acr-quarantine-details.example.json" with { type: "json" };

const example: QuarantineDetails = exampleJson as QuarantineDetails;

describe("quarantineDetails", () => {
  it("accepts ACR's own example and the details Defender writes", () => {
    expect(quarantineDetailsProblems(example)).toEqual([]);
    const defender =
      '{"state":"Scan Passed","link":"https://aka.ms/test","scanner":"Azure Security Monitoring-Qualys Scanner","result":{"version":"2020-05-13T00:23:31.954Z","summary":[{"severity":"High","count":2},{"severity":"Medium","count":0},{"severity":"Low","count":0}]}}';
    expect(decodeQuarantineDetails(defender)).toMatchObject({
      problems: [],
      details: { scanner: "Azure Security Monitoring-Qualys Scanner" },
    });
  });

  it("builds, validates and encodes as a JSON string", () => {
    const details = new QuarantineDetailsBuilder()
      .scanner("trivy")
      .state("scan passed")
      .link(new URL("https://gate.example/status?image=sha256:1"))
      .result({
        version: "1.0",
        summary: [
          { severity: "Critical", count: 0 },
          { severity: "None", count: 3 },
        ],
        description: "ok",
      })
      .build();
    expect(details).toEqual({
      scanner: "trivy",
      state: "scan passed",
      link: "https://gate.example/status?image=sha256:1",
      result: {
        version: "1.0",
        summary: [
          { severity: "Critical", count: 0 },
          { severity: "None", count: 3 },
        ],
        description: "ok",
      },
    });
    expect(JSON.parse(encodeQuarantineDetails(details))).toEqual(details);
  });

  it("copies what it is given, so later changes to the input do not leak into built details", () => {
    const summary = [{ severity: "High" as const, count: 1 }];
    const builder = new QuarantineDetailsBuilder().result({ version: "1", summary });
    summary[0]!.count = -5;
    expect(builder.build().result!.summary[0]!.count).toBe(1);
  });

  it.each([
    ["an unknown top-level property", { scanner: "x", verdict: "pass" }],
    ["a result without version", { result: { summary: [] } }],
    ["a result without summary", { result: { version: "1" } }],
    ["an unknown severity", { result: { version: "1", summary: [{ severity: "Negligible", count: 1 }] } }],
    ["a fractional count", { result: { version: "1", summary: [{ severity: "High", count: 1.5 }] } }],
    ["a negative count", { result: { version: "1", summary: [{ severity: "High", count: -1 }] } }],
    [
      "a severity twice",
      {
        result: {
          version: "1",
          summary: [
            { severity: "High", count: 1 },
            { severity: "High", count: 2 },
          ],
        },
      },
    ],
    [
      "six summary items",
      {
        result: {
          version: "1",
          summary: ["Critical", "High", "Medium", "Low", "None", "Low"].map((severity) => ({ severity, count: 0 })),
        },
      },
    ],
    ["a description over 1024 characters", { result: { version: "1", summary: [], description: "x".repeat(1025) } }],
    ["a relative link", { link: "/status/x" }],
    ["a javascript: link", { link: "javascript:alert(1)" }],
    ["a huge scanner name", { scanner: "x".repeat(20_000) }],
  ])("rejects %s", (_, details) => {
    expect(quarantineDetailsProblems(details).length).toBeGreaterThan(0);
    expect(() => encodeQuarantineDetails(details as QuarantineDetails)).toThrow(AcrInvalidInputError);
  });

  it("the builder refuses to build invalid details", () => {
    expect(() => new QuarantineDetailsBuilder().link("not a url").build()).toThrow(/link/);
    expect(() =>
      new QuarantineDetailsBuilder()
        .result({ version: "1", summary: [{ severity: "Unknown" as "None", count: 1 }] })
        .build(),
    ).toThrow(AcrInvalidInputError);
  });

  it("decodes details that are missing, broken or off-schema without throwing", () => {
    expect(decodeQuarantineDetails(undefined)).toEqual({ problems: [] });
    expect(decodeQuarantineDetails("[1,2")).toEqual({ problems: ["quarantineDetails is not valid JSON"] });
    expect(decodeQuarantineDetails('{"other":1}').details).toBeUndefined();
  });
});
