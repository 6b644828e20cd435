import { acrError } from "../errors.js";
import type { ChangeableAttributes } from "../model.js";

export const CHANGEABLE_FLAGS = ["deleteEnabled", "writeEnabled", "readEnabled", "listEnabled"] as const;

/**
 * The body of a repository or tag PATCH: only the four changeable attributes of the data-plane spec
 * (RepositoryChangeableAttributes, TagChangeableAttributes), each a boolean. Checked whole before anything changes.
 */
export function parseChangeablePatch(body: unknown, what: string): Partial<ChangeableAttributes> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw acrError(400, "UNSUPPORTED", "the body must be a JSON object");
  const fields = body as Record<string, unknown>;
  const allowed = new Set<string>(CHANGEABLE_FLAGS);
  const unknown = Object.keys(fields).filter((k) => !allowed.has(k));
  if (unknown.length)
    throw acrError(400, "UNSUPPORTED", `unknown ${what} attributes: ${unknown.join(", ").slice(0, 300)}`);
  if (Object.keys(fields).length === 0) throw acrError(400, "UNSUPPORTED", "nothing to change");
  const change: Partial<ChangeableAttributes> = {};
  for (const flag of CHANGEABLE_FLAGS) {
    if (!(flag in fields)) continue;
    if (typeof fields[flag] !== "boolean") throw acrError(400, "UNSUPPORTED", `${flag} must be a boolean`);
    change[flag] = fields[flag];
  }
  return change;
}
