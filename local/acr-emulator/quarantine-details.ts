import ajvDraft04 from "ajv-draft-04";
import schema from "../../specs/acr-quarantine-details.schema.json" with { type: "json" };

// ajv-draft-04 is CommonJS; under NodeNext its class is the `default` property of the imported module object.
const Ajv04 = ajvDraft04.default;
const ajv = new Ajv04({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

/**
 * Checks a PATCH's `quarantineDetails`: a JSON-encoded string (not an object) that must satisfy ACR's published
 * schema (specs/acr-quarantine-details.schema.json). Returns the problems, empty when valid.
 */
export function quarantineDetailsProblems(value: unknown): string[] {
  if (typeof value !== "string") return ["quarantineDetails must be a JSON-encoded string"];
  if (value.length > 16 * 1024) return ["quarantineDetails is longer than 16 KiB"];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return [`quarantineDetails is not valid JSON: ${(error as Error).message}`];
  }
  if (validate(parsed)) return [];
  return (validate.errors ?? []).map(
    (e: { instancePath: string; message?: string }) =>
      `quarantineDetails${e.instancePath} ${e.message ?? "is invalid"}`,
  );
}
