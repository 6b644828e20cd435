import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolveSettingReferences } from "./settings.js";

export interface HostConfig {
  routePrefix: string;
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  /** Upper bound for concurrently running HTTP invocations (host.json http.maxConcurrentRequests; 0 = unbounded). */
  maxConcurrentRequests: number;
  logLevel: unknown;
}

const DEFAULT_HUB = "TestHubName";

/**
 * Reads the parts of host.json the devhost honours. Defaults follow the real host: route prefix "api", hub name
 * "TestHubName", and 10 × processor count for each durable concurrency limit.
 */
export function readHostConfig(hostJsonPath: string | undefined): HostConfig {
  const json = hostJsonPath && existsSync(hostJsonPath) ? parseHostJson(hostJsonPath) : {};
  const extensions = (json.extensions ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const http = extensions.http ?? {};
  const durable = extensions.durableTask ?? {};
  const perCore = 10 * Math.max(1, cpus().length);
  const prefix = http.routePrefix === undefined ? "api" : String(http.routePrefix);
  const hubName = resolveSettingReferences(String(durable.hubName ?? DEFAULT_HUB), "host.json durableTask.hubName");
  validateHubName(hubName);
  const logging = (json.logging ?? {}) as { logLevel?: { default?: unknown } };
  return {
    routePrefix: prefix.replace(/^\/+|\/+$/g, ""),
    hubName,
    maxConcurrentActivityFunctions: positiveInt(
      durable.maxConcurrentActivityFunctions,
      perCore,
      "maxConcurrentActivityFunctions",
    ),
    maxConcurrentOrchestratorFunctions: positiveInt(
      durable.maxConcurrentOrchestratorFunctions,
      perCore,
      "maxConcurrentOrchestratorFunctions",
    ),
    maxConcurrentRequests:
      http.maxConcurrentRequests === undefined || http.maxConcurrentRequests === -1
        ? 0
        : positiveInt(http.maxConcurrentRequests, 0, "maxConcurrentRequests"),
    logLevel: logging.logLevel?.default,
  };
}

function parseHostJson(file: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    if (typeof parsed !== "object" || parsed === null) throw new Error("not a JSON object");
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${file} is not valid host.json: ${(error as Error).message}`);
  }
}

function positiveInt(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new Error(`host.json ${name} must be a positive integer (found ${JSON.stringify(value)}).`);
  }
  return value;
}

/** Task hub names become table names: 3-45 characters, letters and digits, starting with a letter (Azure Storage rule). */
function validateHubName(name: string): void {
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(name)) {
    throw new Error(`Task hub name "${name}" is invalid: use 3-45 letters or digits, starting with a letter.`);
  }
}
