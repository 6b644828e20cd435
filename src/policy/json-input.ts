import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";

const addFormats = addFormatsModule.default;

/**
 * The Ajv instance for the policy folder's documents (policy, OpenVEX): every error reported, strict schemas.
 * strictRequired is off because anyOf branches name properties declared on the parent object, which JSON Schema allows.
 * `date-time` is ajv-formats' full mode (calendar and time of day checked, not only the shape); instant.ts adds the
 * strict RFC 3339 offset. Patterns are compiled with the `u` flag (Ajv's default), so \p{…} classes work.
 */
export const documentAjv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
addFormats(documentAjv, { mode: "full", formats: ["date-time"] });

/** Accepts a document as JSON text or as an already parsed value; text that is not JSON becomes the caller's error. */
export function documentFrom(input: unknown, notJson: (reason: string) => Error): unknown {
  if (typeof input !== "string") return input;
  try {
    return JSON.parse(input) as unknown;
  } catch (error) {
    throw notJson(error instanceof Error ? error.message : String(error));
  }
}
