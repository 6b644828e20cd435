import type { RegisteredFunction } from "../app/registry.js";
import { compileRouteTemplate, type RouteTemplate } from "./route-template.js";

export interface HttpRoute {
  fn: RegisteredFunction;
  template: RouteTemplate;
  /** Upper-case methods, or undefined when the trigger accepts every method. */
  methods?: Set<string>;
  authLevel: "anonymous" | "function" | "admin";
}

export type RouteLookup =
  | { kind: "match"; route: HttpRoute; params: Record<string, string> }
  | { kind: "method-not-allowed"; allowed: string[] }
  | { kind: "not-found" };

/** Matches without parameters remembered at most (their paths are the app's literal routes, so few in practice). */
const MAX_REMEMBERED = 256;

/** The HTTP functions of an app, ordered by route precedence (literal segments before parameters, catch-alls last). */
export class RouteTable {
  readonly #routes: HttpRoute[];
  /**
   * Lookups that matched a route without taking any parameter, by method and path: the table never changes, so the
   * answer does not either, and a webhook's every delivery no longer tries each template in turn.
   */
  readonly #remembered = new Map<string, RouteLookup>();

  constructor(functions: RegisteredFunction[]) {
    this.#routes = functions.map(toRoute).sort(comparePrecedence);
  }

  get routes(): readonly HttpRoute[] {
    return this.#routes;
  }

  /** `path` is relative to the route prefix, without a leading slash. The params it returns are not to be changed. */
  lookup(method: string, path: string): RouteLookup {
    const upper = method.toUpperCase();
    const key = `${upper} ${path}`;
    const remembered = this.#remembered.get(key);
    if (remembered) return remembered;
    const allowed = new Set<string>();
    for (const route of this.#routes) {
      const params = route.template.match(path);
      if (!params) continue;
      if (!route.methods || route.methods.has(upper)) {
        const found: RouteLookup = { kind: "match", route, params };
        if (Object.keys(params).length === 0 && this.#remembered.size < MAX_REMEMBERED) {
          Object.freeze(params);
          this.#remembered.set(key, found);
        }
        return found;
      }
      for (const m of route.methods) allowed.add(m);
    }
    return allowed.size > 0 ? { kind: "method-not-allowed", allowed: [...allowed].sort() } : { kind: "not-found" };
  }
}

function toRoute(fn: RegisteredFunction): HttpRoute {
  const route = typeof fn.trigger.route === "string" && fn.trigger.route.trim() !== "" ? fn.trigger.route : fn.name;
  let template: RouteTemplate;
  try {
    template = compileRouteTemplate(route);
  } catch (error) {
    throw new Error(`Function "${fn.name}": ${(error as Error).message}`);
  }
  const methods =
    Array.isArray(fn.trigger.methods) && fn.trigger.methods.length > 0
      ? new Set(fn.trigger.methods.map((m) => String(m).toUpperCase()))
      : undefined;
  return { fn, template, methods, authLevel: parseAuthLevel(fn.trigger.authLevel, fn.name) };
}

function parseAuthLevel(value: unknown, name: string): HttpRoute["authLevel"] {
  const level = value === undefined ? "function" : String(value).toLowerCase();
  if (level === "anonymous" || level === "function" || level === "admin") return level;
  throw new Error(`Function "${name}" has an unknown authLevel "${String(value)}" (anonymous, function or admin).`);
}

function comparePrecedence(a: HttpRoute, b: HttpRoute): number {
  const length = Math.max(a.template.precedence.length, b.template.precedence.length);
  for (let i = 0; i < length; i++) {
    // A template that ends earlier is more specific than one that continues with optional parts.
    const left = a.template.precedence[i] ?? 0;
    const right = b.template.precedence[i] ?? 0;
    if (left !== right) return left - right;
  }
  return a.fn.name.localeCompare(b.fn.name);
}
