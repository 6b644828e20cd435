import { isRestError } from "@azure/core-rest-pipeline";

/**
 * Creates a storage resource (a table, a blob container) once per process, on first use: every caller waits for the
 * same creation, and a creation that failed is forgotten, so the next call tries again instead of failing forever.
 * `alreadyThere` says which failures mean the resource exists (then it counts as created); `describe` may turn any
 * other failure into the caller's own error.
 */
export function createOnce(
  create: () => Promise<unknown>,
  options: { alreadyThere?: (error: unknown) => boolean; describe?: (error: unknown) => unknown } = {},
): () => Promise<void> {
  let created: Promise<void> | undefined;
  return () => {
    created ??= create().then(
      () => undefined,
      (error: unknown) => {
        if (options.alreadyThere?.(error)) return;
        created = undefined;
        throw options.describe ? options.describe(error) : error;
      },
    );
    return created;
  };
}

/** 409 Conflict: a table that already exists (TableAlreadyExists), as createTable answers a second creation. */
export const conflict = (error: unknown): boolean => isRestError(error) && error.statusCode === 409;
