import { createRequire } from "node:module";
import { coreApi } from "./core-api.js";

type ModuleLoad = (request: string, parent: unknown, isMain: boolean) => unknown;

const CORE_MODULE = "@azure/functions-core";
let installed = false;

/**
 * Makes `require("@azure/functions-core")` resolve to the devhost's core API, as the Node worker does for the apps it runs.
 * `@azure/functions` asks for it lazily (on the first app.* call) through CommonJS require, so a Module._load hook is
 * enough; it must be installed before the app's first registration.
 */
export function installCoreModuleHook(): void {
  if (installed) return;
  const Module = createRequire(import.meta.url)("node:module") as { _load: ModuleLoad };
  const originalLoad = Module._load;
  Module._load = function load(this: unknown, request: string, parent: unknown, isMain: boolean): unknown {
    if (request === CORE_MODULE) return coreApi;
    return originalLoad.call(this, request, parent, isMain);
  };
  installed = true;
}
