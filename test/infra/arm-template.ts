/**
 * Reads the ARM JSON that infra/tools/bicep.sh compiles from infra/*.bicep (building it first when it is missing or
 * older than its sources) and walks every resource, nested deployments (Bicep modules) included, with the means to
 * evaluate each resource's expressions in its own template's scope.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../support/paths.js";
import { evaluate, isExpression, Runtime, type ArmValue, type EvaluationScope } from "./arm-expression.js";

export const infraRoot = join(projectRoot, "infra");
export const buildRoot = join(infraRoot, ".build");
const bicepScript = join(infraRoot, "tools", "bicep.sh");

export interface ArmParameter {
  type: string;
  defaultValue?: unknown;
}

export interface ArmResource {
  type: string;
  name: string;
  condition?: unknown;
  scope?: string;
  existing?: boolean;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ArmTemplate {
  parameters?: Record<string, ArmParameter>;
  variables?: Record<string, unknown>;
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, { type: string; value: unknown }>;
}

/** One resource, where it sits, and how to evaluate its expressions. */
export interface Located {
  resource: ArmResource;
  template: ArmTemplate;
  /** The deployment resource (module) whose template holds this resource; undefined at the top level. */
  parent?: Located;
  scope: EvaluationScope;
  /** Deployment names from the top, for messages. */
  path: string;
}

function newestSource(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if ([".build", ".packages", "obj", "bin"].includes(entry.name)) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(bicep|bicepparam|json|sh)$/.test(entry.name))
      // .sh: loadTextContent inputs
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Compiles infra/ with the real Bicep CLI unless infra/.build/main.json is newer than every source. */
export function ensureCompiled(): void {
  const main = join(buildRoot, "main.json");
  if (existsSync(main) && statSync(main).mtimeMs >= newestSource(infraRoot)) return;
  try {
    execFileSync(bicepScript, ["build-all"], { cwd: projectRoot, stdio: "pipe", timeout: 600_000, encoding: "utf8" });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `infra/tools/bicep.sh build-all failed, so the compiled ARM JSON cannot be checked. The Bicep CLI comes from ` +
        `NuGet (Azure.Bicep.CommandLine.linux-x64) through dotnet restore.\n${failure.stdout ?? ""}${failure.stderr ?? failure.message}`,
    );
  }
}

export function readCompiled(relativePath: string): ArmTemplate {
  return JSON.parse(readFileSync(join(buildRoot, relativePath), "utf8")) as ArmTemplate;
}

export function resourcesOf(template: ArmTemplate): ArmResource[] {
  return Array.isArray(template.resources) ? template.resources : Object.values(template.resources);
}

function templateScope(
  template: ArmTemplate,
  parameterValue: (name: string, own: EvaluationScope) => ArmValue,
): EvaluationScope {
  const variableCache = new Map<string, ArmValue>();
  const scope: EvaluationScope = {
    parameter: (name) => parameterValue(name, scope),
    variable: (name) => {
      if (!variableCache.has(name)) {
        const variables = template.variables ?? {};
        if (!(name in variables)) throw new Error(`unknown variable ${name}`);
        variableCache.set(name, evaluate(variables[name], scope));
      }
      return variableCache.get(name)!;
    },
  };
  return scope;
}

function member(value: ArmValue, key: string): ArmValue {
  if (value instanceof Runtime) return value;
  if (value && typeof value === "object" && !Array.isArray(value) && key in value) return value[key]!;
  return new Runtime(`missing ${key}`);
}

function coerce(value: ArmValue, type: string): ArmValue {
  // azd substitutes environment variables as text; it converts "true"/"false" and numbers to the declared type.
  if (type.toLowerCase() === "bool" && (value === "true" || value === "false")) return value === "true";
  if (type.toLowerCase() === "int" && typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return value;
}

/** Every resource of the template and of its nested deployments, depth first, each with its evaluation scope. */
export function walk(template: ArmTemplate, topLevelValues: Record<string, ArmValue> = {}): Located[] {
  const found: Located[] = [];
  const visit = (current: ArmTemplate, scope: EvaluationScope, parent: Located | undefined, path: string): void => {
    for (const resource of resourcesOf(current)) {
      const located: Located = { resource, template: current, parent, scope, path };
      found.push(located);
      const nested =
        resource.type === "Microsoft.Resources/deployments"
          ? (resource.properties?.template as ArmTemplate | undefined)
          : undefined;
      if (!nested) continue;
      const passed = (resource.properties?.parameters ?? {}) as Record<string, { value?: unknown }>;
      const childScope = templateScope(nested, (name, own) => {
        const declared = nested.parameters?.[name];
        if (!declared) throw new Error(`unknown parameter ${name} in module ${String(resource.name)}`);
        if (name in passed) {
          // Bicep emits a conditional module argument as one expression for the whole entry: "[if(c, createObject('value', a), …)]".
          const entry = passed[name] as unknown;
          if (isExpression(entry)) return coerce(member(evaluate(entry, scope), "value"), declared.type);
          return coerce(evaluate(passed[name]!.value, scope), declared.type);
        }
        return "defaultValue" in declared ? evaluate(declared.defaultValue, own) : new Runtime(`missing ${name}`);
      });
      visit(nested, childScope, located, `${path}/${String(evaluate(resource.name, scope))}`);
    }
  };
  const topScope = templateScope(template, (name, own) => {
    const declared = template.parameters?.[name];
    if (!declared) throw new Error(`unknown parameter ${name}`);
    if (name in topLevelValues) return coerce(topLevelValues[name]!, declared.type);
    return "defaultValue" in declared ? evaluate(declared.defaultValue, own) : new Runtime(`required ${name}`);
  });
  visit(template, topScope, undefined, "main");
  return found;
}

/**
 * Whether the resource is deployed: its own condition and those of every enclosing module. Throws when a condition
 * depends on something only known at deployment time, so that an unanswerable question never passes as "no".
 */
export function isDeployed(located: Located): boolean {
  for (let current: Located | undefined = located; current; current = current.parent) {
    if (current.resource.condition === undefined) continue;
    const value = evaluate(current.resource.condition, current.scope);
    if (value instanceof Runtime)
      throw new Error(`condition of ${current.path}/${current.resource.type} is only known at deployment time`);
    if (!value) return false;
  }
  return true;
}

/**
 * Values azd passes from main.parameters.json when none of the environment variables it names is set, except the
 * ones given in `environment`: "${NAME=default}" becomes the default, "${NAME}" becomes the variable's value or "".
 */
export function azdParameterValues(environment: Record<string, string> = {}): Record<string, ArmValue> {
  const file = JSON.parse(readFileSync(join(infraRoot, "main.parameters.json"), "utf8")) as {
    parameters: Record<string, { value: unknown }>;
  };
  const substitute = (text: string): string =>
    text.replace(
      /\$\{([A-Z0-9_]+)(?:=([^}]*))?\}/g,
      (_, name: string, fallback?: string) => environment[name] ?? fallback ?? "",
    );
  return Object.fromEntries(
    Object.entries(file.parameters).map(([name, entry]) => [
      name,
      typeof entry.value === "string" ? substitute(entry.value) : (entry.value as ArmValue),
    ]),
  );
}
