import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_REPORT_BYTES,
  readBoundedBody,
  ReportError,
  tryNormaliseReport,
  type NormaliseOutcome,
} from "../../../src/scanning/normalise/index.js";
import { fixtureText, trivyJsonFixtureNames } from "./fixtures.js";

function errorCode(outcome: NormaliseOutcome): string {
  return outcome.ok ? "ok" : outcome.error.code;
}

/** A syntactically valid Trivy report of about `bytes` bytes: a real report padded with one long description. */
function largeTrivyReport(bytes: number): string {
  const report = JSON.parse(fixtureText("alpine-310.json")) as {
    Results: { Vulnerabilities: { Description: string }[] }[];
  };
  report.Results[0]!.Vulnerabilities[0]!.Description = "x".repeat(bytes);
  return JSON.stringify(report);
}

describe("hostile reports give a typed error, never a result", () => {
  const fixtures = [...trivyJsonFixtureNames(), "alpine-310.sarif.json"];

  it.each(fixtures)("%s truncated at every tenth of its length is refused as not JSON", (name) => {
    const text = fixtureText(name);
    for (let tenth = 1; tenth < 10; tenth += 1) {
      const outcome = tryNormaliseReport(text.slice(0, Math.floor((text.length * tenth) / 10)));
      expect(errorCode(outcome)).toBe("report-not-json");
    }
  });

  it("a 10 MB report is refused for its size", () => {
    const body = largeTrivyReport(10 * 1024 * 1024);
    expect(body.length).toBeGreaterThan(DEFAULT_MAX_REPORT_BYTES);
    const outcome = tryNormaliseReport(body);
    expect(errorCode(outcome)).toBe("report-too-large");
    expect(outcome.ok ? "" : outcome.error.message).toMatch(/more than the limit of 8388608 bytes/);
  });

  it("the same report is accepted under a raised limit, so the refusal is about size alone", () => {
    expect(errorCode(tryNormaliseReport(largeTrivyReport(10 * 1024 * 1024), { maxBytes: 16 * 1024 * 1024 }))).toBe(
      "ok",
    );
  });

  it.each([
    ["wrong schema version", '{"SchemaVersion":1,"ArtifactName":"x","Results":[]}', "report-version-unsupported"],
    [
      "missing fields",
      '{"SchemaVersion":2,"ArtifactName":"x","Results":[{"Target":"t","Vulnerabilities":[{"VulnerabilityID":"CVE-1"}]}]}',
      "report-invalid",
    ],
    ["results of the wrong type", '{"SchemaVersion":2,"ArtifactName":"x","Results":{}}', "report-invalid"],
    ["unknown format", '{"hello":"world"}', "report-format-unknown"],
    ["a bare string", '"SchemaVersion"', "report-format-unknown"],
    ["deeply nested junk", "[".repeat(100_000) + "]".repeat(100_000), "report-format-unknown"],
    ["unbalanced deep nesting", "[".repeat(100_000), "report-not-json"],
  ])("%s", (_label, body, code) => {
    expect(errorCode(tryNormaliseReport(body))).toBe(code);
  });
});

describe("bounded reading keeps memory bounded", () => {
  /** An endless stream that counts how many chunks were pulled from it. */
  function endless(chunkBytes: number): {
    chunks: AsyncIterable<Uint8Array>;
    pulled: () => number;
    closed: () => boolean;
  } {
    let pulled = 0;
    let closed = false;
    const chunk = new Uint8Array(chunkBytes);
    const chunks: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          pulled += 1;
          return { done: false, value: chunk };
        },
        return: async () => {
          closed = true;
          return { done: true, value: undefined };
        },
      }),
    };
    return { chunks, pulled: () => pulled, closed: () => closed };
  }

  it("stops pulling from an endless body just past the limit and closes it", async () => {
    const source = endless(64 * 1024);
    await expect(readBoundedBody(source.chunks, { maxBytes: 1024 * 1024 })).rejects.toMatchObject({
      code: "report-too-large",
    });
    expect(source.pulled()).toBe(17);
    expect(source.closed()).toBe(true);
  });

  it("refuses a declared length over the limit without reading", async () => {
    const source = endless(1024);
    await expect(readBoundedBody(source.chunks, { maxBytes: 10, declaredLength: 11 })).rejects.toBeInstanceOf(
      ReportError,
    );
    expect(source.pulled()).toBe(0);
  });

  it("returns the whole body when it fits", async () => {
    async function* two(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('{"SchemaVersion":');
      yield new TextEncoder().encode("2}");
    }
    const body = await readBoundedBody(two(), { maxBytes: 100 });
    expect(new TextDecoder().decode(body)).toBe('{"SchemaVersion":2}');
  });
});

describe("the size check comes before parsing", () => {
  it("a 10 MB body that is not even JSON is refused for its size, so it was never parsed", () => {
    const outcome = tryNormaliseReport("{".repeat(10 * 1024 * 1024));
    expect(outcome.ok ? "ok" : outcome.error.code).toBe("report-too-large");
  });
});

describe("outcomes are plain data", () => {
  it("a failure survives a JSON round trip (durable history) with its code, message and problems", () => {
    const outcome = tryNormaliseReport(
      '{"SchemaVersion":2,"ArtifactName":"x","Results":[{"Target":"t","Vulnerabilities":[{"VulnerabilityID":"CVE-1"}]}]}',
    );
    expect(JSON.parse(JSON.stringify(outcome))).toEqual({
      ok: false,
      error: {
        code: "report-invalid",
        message:
          "The Trivy JSON report does not have the expected shape: /Results/0/Vulnerabilities/0: must have required property 'PkgName'",
        problems: ["/Results/0/Vulnerabilities/0: must have required property 'PkgName'"],
      },
    });
  });
});
