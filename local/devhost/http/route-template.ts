import { parseConstraint, type RouteConstraint } from "./route-constraints.js";

interface Parameter {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
  constraints: RouteConstraint[];
}

type Part = { literal: string } | { parameter: Parameter };

export interface RouteTemplate {
  template: string;
  /** Sort key: lower sorts first (more specific), following ASP.NET's route precedence. */
  precedence: number[];
  match(path: string): Record<string, string> | undefined;
}

/**
 * Compiles an ASP.NET-style route template (what `route` means in a Functions HTTP trigger): literal segments, `{name}`,
 * `{name?}`, `{name=default}`, `{*rest}`, and constraints such as `{id:int}` or `{slug:regex(^[a-z-]+$)}`. Literals match
 * case-insensitively; parameter values are URL-decoded.
 */
export function compileRouteTemplate(template: string): RouteTemplate {
  const trimmed = template.replace(/^[~/]+/, "").replace(/\/+$/, "");
  const segments = trimmed === "" ? [] : trimmed.split("/");
  const names = new Set<string>();
  const precedence: number[] = [];
  let pattern = "^";
  const parameters: Parameter[] = [];
  let sawOptional = false;
  segments.forEach((segment, index) => {
    if (segment === "") throw new Error(`Route "${template}" has an empty segment.`);
    const parts = parseSegment(segment, template);
    const params = parts.filter((p): p is { parameter: Parameter } => "parameter" in p).map((p) => p.parameter);
    for (const p of params) {
      if (names.has(p.name.toLowerCase())) throw new Error(`Route "${template}" uses parameter "${p.name}" twice.`);
      names.add(p.name.toLowerCase());
      if (p.catchAll && index !== segments.length - 1)
        throw new Error(`Route "${template}": a catch-all parameter must be last.`);
      parameters.push(p);
    }
    const lone = parts.length === 1 && params.length === 1 ? params[0] : undefined;
    if (lone && (lone.optional || lone.defaultValue !== undefined || lone.catchAll)) {
      sawOptional = true;
      const body = lone.catchAll ? "(.*)" : "([^/]+)";
      pattern += index === 0 ? `(?:${body})?` : `(?:/${body})?`;
      precedence.push(lone.catchAll ? 5 : 4);
      return;
    }
    if (params.some((p) => p.optional))
      throw new Error(`Route "${template}": optional parameters must be a whole segment.`);
    if (sawOptional) throw new Error(`Route "${template}": only optional segments may follow an optional one.`);
    pattern += index === 0 ? "" : "/";
    pattern += parts.map((p) => ("literal" in p ? escapeRegExp(p.literal) : "([^/]+?)")).join("");
    precedence.push(params.length === 0 ? 1 : parts.length > 1 ? 2 : params[0]!.constraints.length > 0 ? 3 : 4);
  });
  pattern += "/?$";
  const regex = new RegExp(pattern, "i");
  return {
    template,
    precedence,
    match(path: string) {
      const m = regex.exec(path.replace(/^\/+/, ""));
      if (!m) return undefined;
      const values: Record<string, string> = {};
      for (let i = 0; i < parameters.length; i++) {
        const p = parameters[i]!;
        const raw = m[i + 1];
        if (raw === undefined || raw === "") {
          if (p.defaultValue !== undefined) values[p.name] = p.defaultValue;
          continue;
        }
        let value: string;
        try {
          value = p.catchAll ? raw.split("/").map(decodeURIComponent).join("/") : decodeURIComponent(raw);
        } catch {
          return undefined;
        }
        if (!p.constraints.every((c) => c(value))) return undefined;
        values[p.name] = value;
      }
      return values;
    },
  };
}

function parseSegment(segment: string, template: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  let literal = "";
  while (i < segment.length) {
    const ch = segment[i]!;
    if (ch === "{" && segment[i + 1] === "{") {
      literal += "{";
      i += 2;
    } else if (ch === "}" && segment[i + 1] === "}") {
      literal += "}";
      i += 2;
    } else if (ch === "{") {
      const end = findParameterEnd(segment, i);
      if (end < 0) throw new Error(`Route "${template}" has an unclosed "{".`);
      if (literal) parts.push({ literal });
      literal = "";
      parts.push({ parameter: parseParameter(segment.slice(i + 1, end), template) });
      i = end + 1;
    } else if (ch === "}") {
      throw new Error(`Route "${template}" has an unmatched "}".`);
    } else {
      literal += ch;
      i += 1;
    }
  }
  if (literal) parts.push({ literal });
  for (let j = 1; j < parts.length; j++) {
    if ("parameter" in parts[j]! && "parameter" in parts[j - 1]!) {
      throw new Error(`Route "${template}": two parameters in one segment need a literal between them.`);
    }
  }
  return parts;
}

/** Finds the closing brace of a parameter, allowing parentheses (regex constraints) to contain braces. */
function findParameterEnd(segment: string, start: number): number {
  let depth = 0;
  for (let i = start + 1; i < segment.length; i++) {
    const ch = segment[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth = Math.max(0, depth - 1);
    else if (ch === "}" && depth === 0) return i;
  }
  return -1;
}

function parseParameter(text: string, template: string): Parameter {
  let body = text;
  let catchAll = false;
  if (body.startsWith("**")) {
    catchAll = true;
    body = body.slice(2);
  } else if (body.startsWith("*")) {
    catchAll = true;
    body = body.slice(1);
  }
  const pieces = splitConstraints(body);
  let head = pieces.shift() ?? "";
  let optional = false;
  let defaultValue: string | undefined;
  const last = pieces.length > 0 ? pieces.length - 1 : -1;
  // `?` and `=default` may follow the last constraint or the name.
  const tailHolder = last >= 0 ? pieces[last]! : head;
  const tail = /^(.*?)(\?|=(.*))?$/s.exec(tailHolder)!;
  if (tail[2] === "?") optional = true;
  else if (tail[2] !== undefined) defaultValue = tail[3];
  if (last >= 0) pieces[last] = tail[1]!;
  else head = tail[1]!;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(head))
    throw new Error(`Route "${template}" has an invalid parameter name "${head}".`);
  return { name: head, optional, catchAll, defaultValue, constraints: pieces.map(parseConstraint) };
}

/** Splits `name:int:min(1)` at colons that are not inside a constraint's parentheses. */
function splitConstraints(text: string): string[] {
  const result: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth = Math.max(0, depth - 1);
    if (ch === ":" && depth === 0) {
      result.push(current);
      current = "";
    } else current += ch;
  }
  result.push(current);
  return result;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
