import ajvDraft04 from "ajv-draft-04";
import schema from "../../specs/acr-quarantine-details.schema.json" with { type: "json" };
import { AcrInvalidInputError } from "./errors.js";

/** The severities ACR's schema allows in `result.summary`. */
export type QuarantineSeverity = "Critical" | "High" | "Medium" | "Low" | "None";

export interface QuarantineSummaryItem {
  severity: QuarantineSeverity;
  count: number;
}

/** `result` of quarantineDetails: required version and summary (0..5 items), optional description (≤ 1024). */
export interface QuarantineScanResult {
  version: string;
  summary: QuarantineSummaryItem[];
  description?: string;
}

/** quarantineDetails as ACR documents it (specs/acr-quarantine-details.schema.json, additionalProperties false). */
export interface QuarantineDetails {
  scanner?: string;
  state?: string;
  link?: string;
  result?: QuarantineScanResult;
}

/** Our bound on the encoded details, so a runaway description or scanner name cannot make a huge PATCH. */
export const MAX_DETAILS_LENGTH = 16 * 1024;

// ajv-draft-04 is CommonJS; under NodeNext its class is the `default` property of the imported module object.
const Ajv04 = ajvDraft04.default;
const validateSchema = new Ajv04({ allErrors: true, strict: false }).compile<QuarantineDetails>(schema);

/**
 * Everything wrong with a details object: ACR's schema, plus what the schema leaves open but a reader needs —
 * non-negative counts, each severity at most once, an absolute http(s) link. Empty when it is fine.
 */
export function quarantineDetailsProblems(details: unknown): string[] {
  if (!validateSchema(details)) {
    return (validateSchema.errors ?? []).map((e) => `quarantineDetails${e.instancePath} ${e.message ?? "is invalid"}`);
  }
  const problems: string[] = [];
  const summary = details.result?.summary ?? [];
  if (summary.some((item) => item.count < 0))
    problems.push("quarantineDetails/result/summary counts must not be negative");
  if (new Set(summary.map((item) => item.severity)).size !== summary.length)
    problems.push("quarantineDetails/result/summary names a severity twice");
  if (details.link !== undefined && !isHttpUrl(details.link))
    problems.push("quarantineDetails/link must be an absolute http(s) URL");
  if (JSON.stringify(details).length > MAX_DETAILS_LENGTH)
    problems.push(`quarantineDetails is longer than ${MAX_DETAILS_LENGTH} characters`);
  return problems;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

/** Validates and encodes details the way ACR takes them: a JSON string, not an object (acr-protocol.md §2.2). */
export function encodeQuarantineDetails(details: QuarantineDetails): string {
  const problems = quarantineDetailsProblems(details);
  if (problems.length > 0)
    throw new AcrInvalidInputError(`quarantineDetails does not match ACR's schema: ${problems.join("; ")}`);
  return JSON.stringify(details);
}

/**
 * Builds quarantineDetails step by step; `build()` validates, so a details object that leaves the builder is one ACR
 * accepts. Example: `new QuarantineDetailsBuilder().scanner("trivy").state("scan passed").link(url).result(summary).build()`.
 */
export class QuarantineDetailsBuilder {
  private readonly details: QuarantineDetails = {};

  scanner(name: string): this {
    this.details.scanner = name;
    return this;
  }

  state(text: string): this {
    this.details.state = text;
    return this;
  }

  link(url: string | URL): this {
    this.details.link = String(url);
    return this;
  }

  /** The scan summary, e.g. from the scanning module's buildQuarantineSummary (same shape). */
  result(result: QuarantineScanResult): this {
    this.details.result = {
      version: result.version,
      summary: result.summary.map((item) => ({ severity: item.severity, count: item.count })),
      ...(result.description !== undefined ? { description: result.description } : {}),
    };
    return this;
  }

  build(): QuarantineDetails {
    const built = structuredClone(this.details);
    const problems = quarantineDetailsProblems(built);
    if (problems.length > 0)
      throw new AcrInvalidInputError(`quarantineDetails does not match ACR's schema: ${problems.join("; ")}`);
    return built;
  }
}

/** Reads details written by anyone (Defender, another gate): the parsed object if it is valid JSON matching the schema. */
export function decodeQuarantineDetails(raw: string | undefined): { details?: QuarantineDetails; problems: string[] } {
  if (raw === undefined || raw === "") return { problems: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { problems: ["quarantineDetails is not valid JSON"] };
  }
  if (validateSchema(parsed)) return { details: parsed, problems: [] };
  return {
    problems: (validateSchema.errors ?? []).map(
      (e) => `quarantineDetails${e.instancePath} ${e.message ?? "is invalid"}`,
    ),
  };
}
