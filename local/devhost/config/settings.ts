import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface AppliedSettings {
  /** The effective values of every setting the devhost read or was given (after precedence). */
  values: Record<string, string>;
  /** Where local.settings.json was read from, if it exists. */
  localSettingsFile?: string;
}

/**
 * Reads `local.settings.json` `Values` (when the file exists) and applies them to process.env the way Core Tools does:
 * a variable already present in the environment wins over the file. Settings passed programmatically (the launcher's
 * Azurite connection string, for example) win over both, because the caller knows best what this run needs.
 */
export function applySettings(appRoot: string, programmatic: Record<string, string> = {}): AppliedSettings {
  const file = join(appRoot, "local.settings.json");
  const fromFile = existsSync(file) ? readLocalSettings(file) : {};
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(fromFile)) {
    if (process.env[key] === undefined) process.env[key] = value;
    values[key] = process.env[key] ?? value;
  }
  for (const [key, value] of Object.entries(programmatic)) {
    if (typeof value !== "string") throw new Error(`Setting "${key}" must be a string.`);
    process.env[key] = value;
    values[key] = value;
  }
  return { values, localSettingsFile: existsSync(file) ? file : undefined };
}

function readLocalSettings(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null) throw new Error(`${file} must contain a JSON object.`);
  const { IsEncrypted, Values } = parsed as { IsEncrypted?: unknown; Values?: unknown };
  if (IsEncrypted === true) throw new Error(`${file} is encrypted; the devhost reads only unencrypted settings.`);
  if (Values === undefined) return {};
  if (typeof Values !== "object" || Values === null || Array.isArray(Values)) {
    throw new Error(`${file}: "Values" must be an object of string settings.`);
  }
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(Values)) {
    if (typeof value !== "string")
      throw new Error(`${file}: setting "${key}" must be a string (found ${typeof value}).`);
    result[key] = value;
  }
  return result;
}

/** Resolves `%NAME%` references (host.json hub names, timer schedules) against the environment, like the host. */
export function resolveSettingReferences(value: string, what: string): string {
  return value.replace(/%([^%]+)%/g, (_match, name: string) => {
    const resolved = process.env[name];
    if (resolved === undefined || resolved === "")
      throw new Error(`${what} refers to setting "%${name}%", which is not set.`);
    return resolved;
  });
}
