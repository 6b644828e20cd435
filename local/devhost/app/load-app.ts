import { pathToFileURL } from "node:url";
import { beginRegistration, Disposable } from "./core-api.js";
import type { RpcLogCategory, RpcLogLevel } from "./core-types.js";
import { expandEntryPoints, readMainPattern } from "./entry-points.js";
import { installCoreModuleHook } from "./module-hook.js";
import { FunctionRegistry } from "./registry.js";

export interface LoadedApp {
  registry: FunctionRegistry;
  entryPoints: string[];
}

export type SystemLog = (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;

/** Entry files this process has imported already; importing one again needs a fresh URL to run its registrations. */
const importedOnce = new Map<string, number>();

/**
 * Loads the compiled app like the Node worker: expand package.json `main`, import every matching file in order, and
 * capture each registration through the devhost's `@azure/functions-core`. Unlike the worker (which logs a warning and
 * carries on with what it has), a file that fails to load fails the start, so a broken app is never half-served.
 */
export async function loadApp(appRoot: string, systemLog: SystemLog): Promise<LoadedApp> {
  installCoreModuleHook();
  const pattern = await readMainPattern(appRoot);
  const entryPoints = await expandEntryPoints(appRoot, pattern);
  if (entryPoints.length === 0) {
    throw new Error(`Found zero files matching "${pattern}" under ${appRoot}: build the app first (npm run build).`);
  }
  const registry = new FunctionRegistry();
  const endRegistration = beginRegistration({
    registerFunction: (metadata, callback) => {
      const fn = registry.add(metadata, callback);
      return new Disposable(() => registry.remove(fn.name));
    },
    registerHook: (hookName, callback) => new Disposable(registry.addHook(hookName, callback)),
    systemLog,
  });
  try {
    for (const file of entryPoints) {
      systemLog("debug", "system", `Loading entry point file "${file}"`);
      try {
        await import(entryUrl(file));
      } catch (error) {
        throw new Error(`Worker was unable to load entry point "${file}": ${(error as Error).stack ?? String(error)}`);
      }
    }
  } finally {
    endRegistration();
  }
  return { registry, entryPoints };
}

function entryUrl(file: string): string {
  const url = pathToFileURL(file).href;
  const loads = importedOnce.get(file) ?? 0;
  importedOnce.set(file, loads + 1);
  return loads === 0 ? url : `${url}?devhost-load=${loads}`;
}
