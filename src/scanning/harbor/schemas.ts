import { Ajv } from "ajv";

/** Shapes of the adapter's answers the gate relies on (shared/specs, components/schemas). */
const ajv = new Ajv({ allErrors: false, strict: true });

export interface ScannerMetadata {
  scanner: { name: string; vendor?: string; version?: string };
  capabilities: { type?: string; consumes_mime_types: string[]; produces_mime_types: string[] }[];
  properties?: Record<string, string>;
}

export const validateMetadata = ajv.compile<ScannerMetadata>({
  type: "object",
  required: ["scanner", "capabilities"],
  properties: {
    scanner: {
      type: "object",
      required: ["name"],
      properties: { name: { type: "string" }, vendor: { type: "string" }, version: { type: "string" } },
    },
    capabilities: {
      type: "array",
      items: {
        type: "object",
        required: ["consumes_mime_types", "produces_mime_types"],
        properties: {
          type: { type: "string" },
          consumes_mime_types: { type: "array", items: { type: "string" } },
          produces_mime_types: { type: "array", items: { type: "string" } },
        },
      },
    },
    properties: { type: "object", additionalProperties: { type: "string" } },
  },
});

export const validateScanResponse = ajv.compile<{ id: string }>({
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", minLength: 1, maxLength: 256, pattern: "^[A-Za-z0-9._~:-]+$" } },
});
