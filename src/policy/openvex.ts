import type { ErrorObject } from "ajv";
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

export class VexError extends Error {
  override readonly name = "VexError";

  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(problems.length > 0 ? `${message}: ${problems.join("; ")}` : message);
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
    timestamp: { type: "string", format: "date-time" },
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
          timestamp: { type: "string", format: "date-time" },
        },
        if: { properties: { status: { const: "not_affected" } } },
        then: { anyOf: [{ required: ["justification"] }, { required: ["impact_statement"] }] },
      },
    },
  },
};

const validateOpenVex = documentAjv.compile<OpenVexDocument>(openVexSchema);

function describe(error: ErrorObject): string {
  const where = error.instancePath === "" ? "(document root)" : error.instancePath;
  if (error.keyword === "anyOf" && /\/statements\/\d+$/.test(where)) {
    return `${where}: a not_affected statement needs a justification or an impact_statement`;
  }
  return `${where}: ${error.message ?? "is invalid"}`;
}

/** Validates an OpenVEX document (JSON text or parsed value). Throws VexError listing the problems. */
export function parseOpenVex(input: string | unknown): OpenVexDocument {
  const document = documentFrom(input, (reason) => new VexError(`The OpenVEX document is not valid JSON: ${reason}`));
  if (!validateOpenVex(document)) {
    const errors = (validateOpenVex.errors ?? []).filter((error) => error.keyword !== "if");
    throw new VexError("The OpenVEX document is invalid", [...new Set(errors.map(describe))]);
  }
  return document;
}
