import { describe, expect, it } from "vitest";
import { detectFormat, detectReport, parseReportBody, ReportError } from "../../../src/scanning/normalise/index.js";
import { fixtureText, harborReport, trivyJsonFixtureNames } from "./fixtures.js";

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ReportError) return error.code;
    throw error;
  }
  return "no error";
}

describe("report format detection", () => {
  it.each(trivyJsonFixtureNames())("recognises %s as Trivy JSON", (name) => {
    expect(detectReport(fixtureText(name)).format).toBe("trivy-json");
  });

  it("recognises the SARIF log", () => {
    expect(detectReport(fixtureText("alpine-310.sarif.json")).format).toBe("sarif");
  });

  it("recognises a Harbor report, with or without findings", () => {
    expect(detectFormat(harborReport([]))).toBe("harbor");
    const withoutList = harborReport([]);
    delete withoutList.vulnerabilities;
    expect(detectFormat(withoutList)).toBe("harbor");
  });

  it.each([
    ["an OpenVEX document", JSON.parse(fixtureText("openvex.json")) as unknown],
    ["a CycloneDX SBOM", { bomFormat: "CycloneDX", specVersion: "1.5", components: [] }],
    ["an array", [{ SchemaVersion: 2 }]],
    ["null", null],
    ["a number", 42],
    ["an empty object", {}],
    ["runs without a SARIF version or schema", { runs: [] }],
  ])("does not recognise %s", (_label, document) => {
    expect(detectFormat(document)).toBe("unknown");
  });

  it("refuses unknown formats with a typed error", () => {
    expect(codeOf(() => detectReport('{"bomFormat":"CycloneDX"}'))).toBe("report-format-unknown");
    expect(codeOf(() => detectReport("[]"))).toBe("report-format-unknown");
  });

  it("accepts bytes and a byte-order mark", () => {
    const bytes = new TextEncoder().encode("\uFEFF" + fixtureText("alpine-310.json"));
    expect(detectReport(bytes).format).toBe("trivy-json");
  });

  it("refuses empty bodies, invalid UTF-8 and non-JSON", () => {
    expect(codeOf(() => parseReportBody(""))).toBe("report-empty");
    expect(codeOf(() => parseReportBody("  \n"))).toBe("report-empty");
    expect(codeOf(() => parseReportBody(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))).toBe("report-not-json");
    expect(codeOf(() => parseReportBody("<html>502 Bad Gateway</html>"))).toBe("report-not-json");
  });

  it("enforces the size limit in bytes, not characters", () => {
    const body = JSON.stringify({ SchemaVersion: 2, note: "é".repeat(600) });
    expect(codeOf(() => parseReportBody(body, { maxBytes: 1000 }))).toBe("report-too-large");
    expect(codeOf(() => parseReportBody(body, { maxBytes: 1300 }))).toBe("no error");
  });
});
