import type { HookCallback } from "../app/core-types.js";

/** A hook context whose hookData/appHookData/invocationContext cannot be replaced, like the worker's. */
export function readOnlyHookContext<T extends Record<string, unknown>>(
  fixed: Record<string, unknown>,
  writable: T,
): T & Record<string, unknown> {
  const context = writable as T & Record<string, unknown>;
  for (const [key, value] of Object.entries(fixed)) {
    Object.defineProperty(context, key, {
      get: () => value,
      set: () => {
        throw new Error(`Cannot assign to read only property '${key}'`);
      },
      enumerable: true,
    });
  }
  return context;
}

/** Runs hooks in registration order; a failing hook fails the invocation, as in the worker. */
export async function executeHooks(hooks: readonly HookCallback[], context: Record<string, unknown>): Promise<void> {
  for (const hook of hooks) await hook(context);
}
