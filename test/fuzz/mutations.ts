import type { Random } from "./random.js";

/**
 * Mutations of a parsed report, as an attacker or a broken scanner would make them: keys dropped, re-cased or
 * doubled, values nulled, retyped, replaced, repeated, swapped, nested deeply; then, sometimes, damage to the text.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Container = Json[] | { [key: string]: Json };
type Path = (string | number)[];

const DEEP = "\u0000DEEP:";
const OTHER_DIGEST = "sha256:" + "e".repeat(64);

/** Values a broken or hostile producer writes where something else belongs. */
const POOL: readonly Json[] = [
  null,
  "",
  " ",
  "\u200b",
  0,
  -1,
  2,
  1e308,
  2 ** 53 + 1,
  true,
  false,
  [],
  {},
  [null],
  [{}],
  { "": null },
  "2",
  "2.1.0",
  "CRITICAL",
  "critical",
  "NEGLIGIBLE",
  "UNKNOWN",
  "PASS",
  "FAIL",
  "sha256:bad",
  OTHER_DIGEST,
  `registry.example/app@${OTHER_DIGEST}`,
  "registry.example/app",
  "pkg:oci/app@sha256%3Abad",
  "x".repeat(10_000),
  "Package: \nInstalled Version: \nSeverity: ",
  "a: b@c",
  "\ud800",
  [[[1]]],
];

function isContainer(value: Json): value is Container {
  return typeof value === "object" && value !== null;
}

/** Every path in a document, parents before children; computed once per seed. */
export function pathsOf(document: Json, limit = 20_000): Path[] {
  const paths: Path[] = [];
  const stack: { value: Json; path: Path }[] = [{ value: document, path: [] }];
  while (stack.length > 0 && paths.length < limit) {
    const { value, path } = stack.pop()!;
    paths.push(path);
    if (Array.isArray(value)) value.forEach((item, index) => stack.push({ value: item, path: [...path, index] }));
    else if (isContainer(value))
      for (const [key, item] of Object.entries(value)) stack.push({ value: item, path: [...path, key] });
  }
  return paths;
}

function at(document: Json, path: Path): Json | undefined {
  let value: Json | undefined = document;
  for (const segment of path) {
    if (!isContainer(value as Json)) return undefined;
    value = (value as Record<string | number, Json>)[segment];
  }
  return value;
}

/** A key spelt as a Go decoder would still read it, or as it would not. */
function variantOf(key: string, random: Random): string {
  switch (random.below(6)) {
    case 0:
      return key.toLowerCase();
    case 1:
      return key.toUpperCase();
    case 2:
      return key.charAt(0) === key.charAt(0).toLowerCase()
        ? key.charAt(0).toUpperCase() + key.slice(1)
        : key.charAt(0).toLowerCase() + key.slice(1);
    case 3:
      return key.replace(/s/i, "\u017f").replace(/k/i, "\u212a");
    case 4:
      return key.replace(/i/i, "\u0130");
    default:
      return `${key} `;
  }
}

/** Replaces a key of an object with another, keeping the order of the others (Go reads keys in document order). */
function rename(object: Record<string, Json>, from: string, to: string): void {
  const entries = Object.entries(object).map(([key, value]) => [key === from ? to : key, value] as const);
  for (const key of Object.keys(object)) delete object[key];
  for (const [key, value] of entries)
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function set(parent: Container, key: string | number, value: Json): void {
  if (Array.isArray(parent)) parent[key as number] = value;
  else Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
}

/** One structural mutation, in place. Returns its name, for the figures. */
function mutateOnce(document: Json, paths: readonly Path[], random: Random): string {
  const path = random.pick(paths);
  if (path.length === 0) return "none";
  // An earlier mutation of the same input may have turned an array into an object: its index is then a key.
  const key = path[path.length - 1] as string | number;
  const parent = at(document, path.slice(0, -1));
  if (parent === undefined || !isContainer(parent)) return "none";
  const current = (parent as Record<string | number, Json>)[key];
  if (current === undefined) return "none";
  switch (random.below(13)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      return "delete";
    case 1:
      if (Array.isArray(parent)) return "none";
      rename(parent, String(key), variantOf(String(key), random));
      return "re-case key";
    case 2:
      if (Array.isArray(parent)) return "none";
      set(parent, variantOf(String(key), random), random.chance(0.5) ? random.pick(POOL) : structuredClone(current));
      return "double key";
    case 3:
      set(parent, key, null);
      return "null";
    case 4:
      set(parent, key, structuredClone(random.pick(POOL)));
      return "replace";
    case 5:
      if (typeof current === "string") set(parent, key, Number(current.length));
      else if (typeof current === "number") set(parent, key, String(current));
      else if (Array.isArray(current))
        set(parent, key, Object.fromEntries(current.map((item, index) => [String(index), item])));
      else if (isContainer(current)) set(parent, key, [current]);
      else set(parent, key, String(current));
      return "retype";
    case 6:
      if (!Array.isArray(current) || current.length === 0) return "none";
      for (let count = random.below(200); count > 0; count -= 1) current.push(structuredClone(random.pick(current)));
      return "repeat";
    case 7:
      set(parent, key, Array.isArray(current) ? [] : isContainer(current) ? {} : "");
      return "empty";
    case 8:
      set(parent, key, random.chance(0.5) ? [current] : { value: current });
      return "wrap";
    case 9: {
      const other = at(document, random.pick(paths));
      if (other === undefined) return "none";
      set(parent, key, structuredClone(other));
      return "graft";
    }
    case 10:
      if (Array.isArray(parent)) return "none";
      set(
        parent,
        random.pick(["__proto__", "constructor", "toString", "Unknown", "$schema"]),
        structuredClone(random.pick(POOL)),
      );
      return "odd key";
    case 11:
      set(parent, key, `${DEEP}${random.pick([100, 5_000, 30_000])}`);
      return "deep nesting";
    default:
      if (typeof current !== "string") return "none";
      set(parent, key, random.pick([current.toLowerCase(), current.toUpperCase(), ` ${current}`, `${current}\u0000`]));
      return "re-case value";
  }
}

function deepen(text: string): string {
  return text.replace(
    /"\\u0000DEEP:(\d+)"/g,
    (_match, depth: string) => "[".repeat(Number(depth)) + "]".repeat(Number(depth)),
  );
}

/** Damage to the text itself, after serialising. */
function damage(text: string, random: Random): { text: string; kind: string } {
  const position = random.below(text.length + 1);
  switch (random.below(5)) {
    case 0:
      return { text: text.slice(0, position), kind: "truncate" };
    case 1:
      return {
        text:
          text.slice(0, position) +
          random.pick(['"', "{", "}", "[", ",", "\\", "\u0000", "\u2028"]) +
          text.slice(position),
        kind: "insert char",
      };
    case 2:
      return { text: text.slice(0, position) + text.slice(position + 1 + random.below(20)), kind: "cut" };
    case 3:
      return { text: `\ufeff${text}`, kind: "bom" };
    default:
      return { text: `${text}${random.pick(["", " ", "}", "garbage", "\n{}"])}`, kind: "append" };
  }
}

export interface Mutant {
  body: string | Uint8Array;
  kinds: string[];
}

/** 1–3 structural mutations of a seed, then text damage one time in eight; sometimes as bytes with a flipped byte. */
export function mutate(seed: Json, paths: readonly Path[], random: Random): Mutant {
  const document = structuredClone(seed);
  const kinds: string[] = [];
  for (let count = 1 + random.below(3); count > 0; count -= 1) kinds.push(mutateOnce(document, paths, random));
  let text = deepen(JSON.stringify(document));
  if (random.chance(0.125)) {
    const damaged = damage(text, random);
    text = damaged.text;
    kinds.push(damaged.kind);
  }
  if (random.chance(0.1)) {
    const bytes = Buffer.from(text, "utf8");
    const at = random.below(bytes.length);
    if (bytes.length > 0) bytes[at] = (bytes[at] as number) ^ (1 << random.below(8));
    kinds.push("flip bit");
    return { body: bytes, kinds };
  }
  return { body: text, kinds };
}

export type { Json };
