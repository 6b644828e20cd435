import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { ReportError } from "./errors.js";
import { canonicalKeys, render, shapeOf, type KeyMatching, type Path, type SchemaNode, type Shape } from "./keys.js";
import { pointerSegment, preview } from "./preview.js";

/**
 * One Ajv instance for the report schemas. allErrors stays off: a hostile report with a million bad entries must cost
 * one error, not a million, and the first precise problem is enough to say why the report was refused.
 */
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

/** The instance path, each segment cut: map keys (Trivy's CVSS databases) come from the report and may be huge. */
function boundedPath(path: string): string {
  if (path === "") return "(report root)";
  if (path.length <= 200) return path;
  return path
    .split("/")
    .map((segment) => pointerSegment(segment.replaceAll("~1", "/").replaceAll("~0", "~")))
    .join("/");
}

export function describeAjvError(error: ErrorObject): string {
  const where = boundedPath(error.instancePath);
  if (error.keyword === "additionalProperties") {
    return `${where}: unexpected property ${preview(String(error.params["additionalProperty"]), 40)}`;
  }
  return `${where}: ${error.message ?? "is invalid"}`;
}

/**
 * Narrows the document to T or throws a ReportError naming the format and the first problem found; `at` prefixes the
 * pointers when the document is one entry of a larger report.
 */
export function assertReportShape<T>(
  validate: ValidateFunction<T>,
  document: unknown,
  formatLabel: string,
  at = "",
): asserts document is T {
  if (validate(document)) return;
  const problems = (validate.errors ?? []).map((error) =>
    describeAjvError(at === "" ? error : { ...error, instancePath: `${at}${error.instancePath}` }),
  );
  throw new ReportError("report-invalid", `The ${formatLabel} report does not have the expected shape`, problems);
}

export interface ReportReader<T> {
  /** Where the schema's fields are, for fast readers that check keys themselves (keys.ts cleanKeys). */
  shape: Shape;
  /** The document with its keys read as the producer reads them (keys.ts); throws ReportError on ambiguity. */
  canonical(document: unknown, at?: Path): unknown;
  /** Validates a canonical document against the schema; throws ReportError with the first problem. */
  validate(canonical: unknown, at?: Path): T;
}

/**
 * One schema for both jobs: where the fields are (to match keys as the producer does) and what they must hold.
 * Everything a normaliser dereferences is in its schema, so a value of the wrong type is a ReportError, never a
 * TypeError further down.
 */
export function reportReader<T>(schema: SchemaNode, keys: KeyMatching, formatLabel: string): ReportReader<T> {
  const shape = shapeOf(schema);
  const check = ajv.compile<T>(schema);
  return {
    shape,
    canonical: (document, at = []) => canonicalKeys(document, shape, keys, formatLabel, at),
    validate: (canonical, at) => {
      if (!check(canonical)) assertReportShape(check, canonical, formatLabel, at === undefined ? "" : render(at));
      return canonical as T;
    },
  };
}

/** `{ type: ["array", "null"] }`: null where a list is expected is an empty list, explicitly (Go writes nil as null). */
export function listOf(items: SchemaNode): SchemaNode {
  return { type: ["array", "null"], items };
}
