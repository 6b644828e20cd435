import type { ErrorObject } from "ajv";
import picomatch from "picomatch";
import { documentAjv, documentFrom } from "./json-input.js";
import { policySchema } from "./schema.js";
import type { PolicyDocument } from "./types.js";

/** A policy document that cannot be used; `problems` lists every problem, each with its JSON pointer. */
export class PolicyError extends Error {
  override readonly name = "PolicyError";

  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(problems.length > 0 ? `${message}:\n- ${problems.join("\n- ")}` : message);
  }
}

const validatePolicy = documentAjv.compile<PolicyDocument>(policySchema);

function describe(error: ErrorObject): string {
  const where = error.instancePath === "" ? "(document root)" : error.instancePath;
  switch (error.keyword) {
    case "additionalProperties":
      return `${where}: unknown property '${String(error.params["additionalProperty"])}'`;
    case "required":
      return `${where}: missing required property '${String(error.params["missingProperty"])}'`;
    case "enum":
      return `${where}: must be one of ${(error.params["allowedValues"] as unknown[]).map((value) => JSON.stringify(value)).join(", ")}`;
    case "const":
      return `${where}: must be ${JSON.stringify(error.params["allowedValue"])}`;
    case "format":
      return `${where}: must be an RFC 3339 date-time with a time zone, e.g. 2025-01-31T00:00:00Z`;
    case "pattern":
      return where.endsWith("/digest")
        ? `${where}: must be a digest such as sha256:<hex>`
        : `${where}: must not be blank or contain spaces where none are allowed`;
    default:
      return `${where}: ${error.message ?? "is invalid"}`;
  }
}

/** What JSON Schema cannot say: globs that picomatch cannot compile. */
function globProblems(policy: PolicyDocument): string[] {
  const problems: string[] = [];
  const check = (pattern: string, where: string): void => {
    try {
      picomatch.makeRe(pattern);
    } catch (error) {
      problems.push(`${where}: is not a valid glob (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  policy.repositories?.forEach((entry, index) =>
    entry.match.forEach((pattern, at) => check(pattern, `/repositories/${index}/match/${at}`)),
  );
  policy.exceptions?.forEach((exception, index) => {
    if (exception.repository !== undefined) check(exception.repository, `/exceptions/${index}/repository`);
  });
  return problems;
}

/**
 * Validates a policy document (a JSON string or an already parsed value) and returns it typed. Throws PolicyError
 * listing every problem; a policy that fails here must stop the pipeline, never fall back to "allow".
 */
export function parsePolicy(input: string | unknown): PolicyDocument {
  const document = documentFrom(input, (reason) => new PolicyError(`The policy is not valid JSON: ${reason}`));
  if (!validatePolicy(document)) {
    const problems = [...new Set((validatePolicy.errors ?? []).map(describe))];
    throw new PolicyError("The policy document is invalid", problems);
  }
  const problems = globProblems(document);
  if (problems.length > 0) throw new PolicyError("The policy document is invalid", problems);
  return document;
}
