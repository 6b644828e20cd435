import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { ReportError } from "./errors.js";

/**
 * One Ajv instance for the report schemas. allErrors stays off: a hostile report with a million bad entries must cost
 * one error, not a million, and the first precise problem is enough to say why the report was refused.
 */
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

export function compileReportSchema<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

export function describeAjvError(error: ErrorObject): string {
  const where = error.instancePath === "" ? "(report root)" : error.instancePath;
  if (error.keyword === "additionalProperties") {
    return `${where}: unexpected property '${String(error.params["additionalProperty"])}'`;
  }
  return `${where}: ${error.message ?? "is invalid"}`;
}

/** Narrows the document to T or throws a ReportError naming the format and the first problem found. */
export function assertReportShape<T>(
  validate: ValidateFunction<T>,
  document: unknown,
  formatLabel: string,
): asserts document is T {
  if (validate(document)) return;
  const problems = (validate.errors ?? []).map(describeAjvError);
  throw new ReportError("report-invalid", `The ${formatLabel} report does not have the expected shape`, problems);
}
