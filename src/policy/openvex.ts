import type { ErrorObject } from "ajv";
import { GateError } from "../errors/gate-error.js";
import { dateTimeSchema, instantOf, RFC3339_DATE_TIME } from "./instant.js";
import { documentAjv, documentFrom } from "./json-input.js";

export type VexStatus = "not_affected" | "affected" | "fixed" | "under_investigation";

export interface VexComponent {
  "@id"?: string;
  identifiers?: { purl?: string };
}

export interface VexProduct extends VexComponent {
  subcomponents?: VexComponent[];
}

export interface VexStatement {
  vulnerability: { "@id"?: string; name?: string; aliases?: string[] };
  products: VexProduct[];
  status: VexStatus;
  justification?: string;
  impact_statement?: string;
  timestamp?: string;
}

export interface OpenVexDocument {
  "@context": string;
  "@id": string;
  author: string;
  timestamp: string;
  version: number;
  statements: VexStatement[];
}

export type VexErrorCode = "vex-not-json" | "vex-invalid" | "vex-timestamp-invalid";

/** An OpenVEX document that cannot be used; `problems` lists each problem with its JSON pointer. */
export class VexError extends GateError {
  static override readonly code: string = "ERR_VEX";
  override readonly code: VexErrorCode;
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = [], code: VexErrorCode = "vex-invalid") {
    super(problems.length > 0 ? `${message}: ${problems.join("; ")}` : message);
    this.code = code;
    this.problems = problems;
  }
}

const component = {
  type: "object",
  anyOf: [{ required: ["@id"] }, { required: ["identifiers"] }],
  properties: {
    "@id": { type: "string", minLength: 1 },
    identifiers: { type: "object", properties: { purl: { type: "string", minLength: 1 } } },
  },
};

/**
 * The parts of the OpenVEX v0.2.0 specification the gate relies on. Statements must name products (a statement
 * scoped to nothing cannot be matched safely) and a not_affected statement must say why, as the specification requires.
 */
const openVexSchema = {
  type: "object",
  required: ["@context", "@id", "author", "timestamp", "version", "statements"],
  properties: {
    "@context": { type: "string", pattern: "^https://openvex\\.dev/ns" },
    "@id": { type: "string", minLength: 1 },
    author: { type: "string", minLength: 1 },
    timestamp: dateTimeSchema,
    version: { type: "integer", minimum: 1 },
    statements: {
      type: "array",
      items: {
        type: "object",
        required: ["vulnerability", "products", "status"],
        properties: {
          vulnerability: {
            type: "object",
            anyOf: [{ required: ["@id"] }, { required: ["name"] }],
            properties: {
              "@id": { type: "string", minLength: 1 },
              name: { type: "string", minLength: 1 },
              aliases: { type: "array", items: { type: "string" } },
            },
          },
          products: {
            type: "array",
            minItems: 1,
            items: {
              ...component,
              properties: { ...component.properties, subcomponents: { type: "array", items: component } },
            },
          },
          status: { enum: ["not_affected", "affected", "fixed", "under_investigation"] },
          justification: {
            enum: [
              "component_not_present",
              "vulnerable_code_not_present",
              "vulnerable_code_not_in_execute_path",
              "vulnerable_code_cannot_be_controlled_by_adversary",
              "inline_mitigations_already_exist",
            ],
          },
          impact_statement: { type: "string" },
          timestamp: dateTimeSchema,
        },
        if: { properties: { status: { const: "not_affected" } } },
        then: { anyOf: [{ required: ["justification"] }, { required: ["impact_statement"] }] },
      },
    },
  },
};

const validateOpenVex = documentAjv.compile<OpenVexDocument>(openVexSchema);

const TIMESTAMP_PROBLEM = "must be an RFC 3339 date-time with a time zone, e.g. 2024-01-31T00:00:00Z";

function describe(error: ErrorObject): string {
  const where = error.instancePath === "" ? "(document root)" : error.instancePath;
  if (error.keyword === "anyOf" && /\/statements\/\d+$/.test(where)) {
    return `${where}: a not_affected statement needs a justification or an impact_statement`;
  }
  if (error.keyword === "format" || (error.keyword === "pattern" && error.params["pattern"] === RFC3339_DATE_TIME)) {
    return `${where}: ${TIMESTAMP_PROBLEM}`;
  }
  return `${where}: ${error.message ?? "is invalid"}`;
}

/**
 * Every timestamp must be an instant the gate can order by. A statement whose time cannot be read must never sort
 * first (an `affected` revocation would then lose to the not_affected it revokes), so it is refused outright.
 */
function unreadableTimestamps(document: OpenVexDocument): string[] {
  const problems: string[] = [];
  if (instantOf(document.timestamp) === undefined)
    problems.push(`/timestamp: ${TIMESTAMP_PROBLEM} (a leap second cannot be ordered)`);
  document.statements.forEach((statement, index) => {
    if (statement.timestamp !== undefined && instantOf(statement.timestamp) === undefined)
      problems.push(`/statements/${index}/timestamp: ${TIMESTAMP_PROBLEM} (a leap second cannot be ordered)`);
  });
  return problems;
}

/** Validates an OpenVEX document (JSON text or parsed value). Throws VexError listing the problems. */
export function parseOpenVex(input: string | unknown): OpenVexDocument {
  const document = documentFrom(
    input,
    (reason) => new VexError(`The OpenVEX document is not valid JSON: ${reason}`, [], "vex-not-json"),
  );
  if (!validateOpenVex(document)) {
    const errors = (validateOpenVex.errors ?? []).filter((error) => error.keyword !== "if");
    throw new VexError("The OpenVEX document is invalid", [...new Set(errors.map(describe))]);
  }
  const problems = unreadableTimestamps(document);
  if (problems.length > 0) throw new VexError("The OpenVEX document is invalid", problems, "vex-timestamp-invalid");
  return document;
}
