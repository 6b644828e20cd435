/**
 * A small evaluator for the ARM template expressions that Bicep emits ("[parameters('x')]", "[format(...)]", …),
 * enough to answer questions such as "is this resource deployed with the default parameters?" or "which role
 * definition does this assignment grant?" on the real compiled JSON. Anything only Azure knows at deployment time
 * (reference(), uniqueString(), newGuid(), subscription(), …) evaluates to a Runtime marker, never to a guess.
 */

export class Runtime {
  constructor(readonly origin: string) {}
  toString(): string {
    return `<runtime:${this.origin}>`;
  }
}

export type ArmValue = string | number | boolean | null | ArmValue[] | { [key: string]: ArmValue } | Runtime;

export interface EvaluationScope {
  parameter(name: string): ArmValue;
  variable(name: string): ArmValue;
}

type Token = { kind: "ident" | "string" | "number" | "punct"; text: string };

/** True for a string that ARM treats as an expression: "[...]" but not the "[[" escape. */
export function isExpression(value: unknown): value is string {
  return typeof value === "string" && value.startsWith("[") && !value.startsWith("[[") && value.endsWith("]");
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = "";
      i++;
      for (;;) {
        if (i >= source.length) throw new Error(`unterminated string in ${source}`);
        if (source[i] === "'" && source[i + 1] === "'") {
          text += "'";
          i += 2;
        } else if (source[i] === "'") {
          i++;
          break;
        } else {
          text += source[i++];
        }
      }
      tokens.push({ kind: "string", text });
    } else if (/[0-9-]/.test(c)) {
      const match = /^-?[0-9]+/.exec(source.slice(i))!;
      tokens.push({ kind: "number", text: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const match = /^[A-Za-z_$][A-Za-z0-9_$#]*/.exec(source.slice(i))!;
      tokens.push({ kind: "ident", text: match[0] });
      i += match[0].length;
    } else if ("().,[]".includes(c)) {
      tokens.push({ kind: "punct", text: c });
      i++;
    } else {
      throw new Error(`unexpected character ${JSON.stringify(c)} in ${source}`);
    }
  }
  return tokens;
}

type Node =
  | { kind: "literal"; value: ArmValue }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "member"; target: Node; key: Node };

function parse(source: string): Node {
  const tokens = tokenize(source);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const expect = (text: string): void => {
    const token = tokens[position++];
    if (token?.text !== text) throw new Error(`expected "${text}" in ${source}`);
  };
  const expression = (): Node => {
    const token = tokens[position++];
    if (!token) throw new Error(`unexpected end of ${source}`);
    let node: Node;
    if (token.kind === "string") node = { kind: "literal", value: token.text };
    else if (token.kind === "number") node = { kind: "literal", value: Number(token.text) };
    else if (token.kind === "ident") {
      expect("(");
      const args: Node[] = [];
      while (peek()?.text !== ")") {
        args.push(expression());
        if (peek()?.text === ",") position++;
      }
      expect(")");
      node = { kind: "call", name: token.text.toLowerCase(), args };
    } else throw new Error(`unexpected "${token.text}" in ${source}`);
    for (;;) {
      if (peek()?.text === ".") {
        position++;
        const key = tokens[position++];
        if (key?.kind !== "ident") throw new Error(`expected a property name in ${source}`);
        node = { kind: "member", target: node, key: { kind: "literal", value: key.text } };
      } else if (peek()?.text === "[") {
        position++;
        const key = expression();
        expect("]");
        node = { kind: "member", target: node, key };
      } else return node;
    }
  };
  const root = expression();
  if (position !== tokens.length) throw new Error(`trailing tokens in ${source}`);
  return root;
}

const isRuntime = (value: ArmValue): value is Runtime => value instanceof Runtime;

function asString(value: ArmValue): string {
  if (typeof value === "string") return value;
  if (isRuntime(value)) return value.toString();
  return JSON.stringify(value);
}

function member(target: ArmValue, key: ArmValue): ArmValue {
  if (isRuntime(target)) return target;
  if (target && typeof target === "object" && !Array.isArray(target) && typeof key === "string") {
    return key in target ? target[key]! : new Runtime(`missing property ${key}`);
  }
  if (Array.isArray(target) && typeof key === "number") return target[key] ?? new Runtime(`index ${key}`);
  return new Runtime(`member ${asString(key)}`);
}

function call(name: string, args: ArmValue[], scope: EvaluationScope): ArmValue {
  const anyRuntime = args.find(isRuntime);
  switch (name) {
    case "parameters":
      return scope.parameter(asString(args[0]!));
    case "variables":
      return scope.variable(asString(args[0]!));
    case "true":
      return true;
    case "false":
      return false;
    case "null":
      return null;
    case "not":
      return anyRuntime ?? !args[0];
    case "and":
      return anyRuntime ?? args.every(Boolean);
    case "or":
      return anyRuntime ?? args.some(Boolean);
    case "equals":
      return anyRuntime ?? JSON.stringify(args[0]) === JSON.stringify(args[1]);
    case "empty": {
      const value = args[0]!;
      if (isRuntime(value)) return value;
      if (value === null || value === "") return true;
      if (Array.isArray(value)) return value.length === 0;
      return typeof value === "object" ? Object.keys(value).length === 0 : false;
    }
    case "if":
      return isRuntime(args[0]!) ? args[0]! : args[0] ? args[1]! : args[2]!;
    case "format":
      return asString(args[0]!).replace(/\{(\d+)\}/g, (_, index: string) => asString(args[Number(index) + 1] ?? ""));
    case "concat":
      return args.map(asString).join("");
    case "string":
      return asString(args[0]!);
    case "tolower":
      return anyRuntime ?? asString(args[0]!).toLowerCase();
    case "replace":
      return anyRuntime ?? asString(args[0]!).split(asString(args[1]!)).join(asString(args[2]!));
    case "createarray":
      return args;
    case "createobject": {
      const result: Record<string, ArmValue> = {};
      for (let i = 0; i + 1 < args.length; i += 2) result[asString(args[i]!)] = args[i + 1]!;
      return result;
    }
    case "union": {
      // ARM union: objects merge (a later value wins; nested objects merge too), arrays concatenate without duplicates.
      if (anyRuntime) return anyRuntime;
      if (args.every(Array.isArray)) {
        const seen = new Set<string>();
        return (args as ArmValue[][])
          .flat()
          .filter((item) => !seen.has(JSON.stringify(item)) && !!seen.add(JSON.stringify(item)));
      }
      return args.reduce<ArmValue>((merged, next) => mergeObjects(merged, next), {});
    }
    case "coalesce":
      return args.find((value) => value !== null) ?? null;
    case "subscriptionresourceid":
      // Built-in role definitions have the same ID in every subscription; the subscription part is not asked about.
      return `/subscriptions/{subscription}/providers/${args.map(asString).join("/")}`;
    default:
      return new Runtime(name);
  }
}

const isPlainObject = (value: ArmValue): value is { [key: string]: ArmValue } =>
  !!value && typeof value === "object" && !Array.isArray(value) && !isRuntime(value);

function mergeObjects(left: ArmValue, right: ArmValue): ArmValue {
  if (!isPlainObject(left) || !isPlainObject(right)) return right;
  const merged: { [key: string]: ArmValue } = { ...left };
  for (const [key, value] of Object.entries(right))
    merged[key] = key in merged ? mergeObjects(merged[key]!, value) : value;
  return merged;
}

function evaluateNode(node: Node, scope: EvaluationScope): ArmValue {
  if (node.kind === "literal") return node.value;
  if (node.kind === "member") return member(evaluateNode(node.target, scope), evaluateNode(node.key, scope));
  return call(
    node.name,
    node.args.map((arg) => evaluateNode(arg, scope)),
    scope,
  );
}

/** Evaluates a template value: expressions are computed, objects and arrays evaluated member by member. */
export function evaluate(value: unknown, scope: EvaluationScope): ArmValue {
  if (isExpression(value)) return evaluateNode(parse(value.slice(1, -1)), scope);
  if (typeof value === "string" && value.startsWith("[[")) return value.slice(1);
  if (Array.isArray(value)) return value.map((item) => evaluate(item, scope));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, evaluate(item, scope)]));
  }
  return value as ArmValue;
}

/** The names of the parameters an expression reads directly, e.g. ["webhookKey"] for "[parameters('webhookKey')]". */
export function parametersReadBy(value: unknown): string[] {
  const names: string[] = [];
  const visit = (node: Node): void => {
    if (node.kind === "call") {
      const first = node.args[0];
      if (node.name === "parameters" && first?.kind === "literal") names.push(String(first.value));
      node.args.forEach(visit);
    } else if (node.kind === "member") {
      visit(node.target);
      visit(node.key);
    }
  };
  const walk = (item: unknown): void => {
    if (isExpression(item)) visit(parse(item.slice(1, -1)));
    else if (Array.isArray(item)) item.forEach(walk);
    else if (item && typeof item === "object") Object.values(item).forEach(walk);
  };
  walk(value);
  return names;
}
