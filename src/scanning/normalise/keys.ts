import { ReportError } from "./errors.js";
import { pointerSegment } from "./preview.js";

/**
 * How the producer of a format matches object keys to fields, so the gate reads a report as its own tools would.
 *
 * - "go": Trivy and Harbor are Go programs and read their JSON with encoding/json, which "matches incoming object
 *   keys to the keys used by Marshal ..., preferring an exact match but also accepting a case-insensitive match"
 *   (https://pkg.go.dev/encoding/json#Unmarshal). The case-insensitive match is Unicode simple case folding
 *   (golang/go src/encoding/json/fold.go: foldName, foldRune → unicode.SimpleFold), under which exactly two non-ASCII
 *   runes fold onto ASCII letters: U+212A KELVIN SIGN onto K and U+017F LATIN SMALL LETTER LONG S onto S (Go's
 *   unicode tables, asciiFold and caseOrbit). So `vulnerabilities`, `VULNERABILITIES` and `Vulnerabilitieſ` are all
 *   `Vulnerabilities` to Trivy.
 * - "exact": SARIF is defined by a JSON schema, whose property names are case-sensitive. A key that differs from a
 *   SARIF property the gate reads only in case is neither ignored nor guessed: the report is refused.
 *
 * In both modes, two keys of one object that name the same field (`Vulnerabilities` and `vulnerabilities`) make the
 * report ambiguous: Go would take whichever comes last, another reader the first. The gate refuses to guess. And a key
 * that is not a field but one edit from one of at least five letters (`Vulneribilities`, `Metidata`: a flipped bit, a
 * typo) is refused too: no reader would see the findings under it, so the report would look clean because it is
 * damaged. Keys the gate does not read and that are not near one (Trivy adds fields between releases) are ignored.
 */
export type KeyMatching = "go" | "exact";

/** The part of a JSON Schema that says where fields are; the same schema then validates the canonical document. */
export interface SchemaNode {
  properties?: Readonly<Record<string, SchemaNode>>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  [keyword: string]: unknown;
}

export interface Shape {
  /** Exact field names of an object node; undefined when the node is not an object with known fields. */
  exact: ReadonlySet<string> | undefined;
  /** Go-folded field name → exact field name. */
  folded: ReadonlyMap<string, string>;
  /** Raw key → the field it folds onto (or null), for keys not spelt exactly; bounded so hostile keys cannot grow it. */
  seen: Map<string, string | NearMiss | null>;
  /** Fields whose values have structure of their own to walk. */
  children: readonly (readonly [string, Shape])[];
  items: Shape | undefined;
  /** Key sequences already found to hold no variant and no near miss (objects of one kind repeat theirs). */
  clean: string[][];
}

const SEEN_LIMIT = 1024;
/** Distinct clean key sequences remembered per shape; Trivy writes a handful per kind of object. */
const CLEAN_LIMIT = 8;
const K = 0x4b;
const S = 0x53;

/**
 * encoding/json's fold of a key, when that fold is pure ASCII; undefined when the key holds a rune that cannot fold
 * onto ASCII (then it cannot name any field the gate reads, which are all ASCII).
 */
export function goFoldAscii(key: string): string | undefined {
  let folded = "";
  for (let index = 0; index < key.length; index += 1) {
    let code = key.charCodeAt(index);
    if (code >= 0x61 && code <= 0x7a) code -= 0x20;
    else if (code === 0x212a) code = K;
    else if (code === 0x17f) code = S;
    else if (code >= 0x80) return undefined;
    folded += String.fromCharCode(code);
  }
  return folded;
}

function hasStructure(shape: Shape): boolean {
  return shape.exact !== undefined || shape.items !== undefined;
}

/** Compiles a schema into the walker's shape tree once, at module load. */
export function shapeOf(schema: SchemaNode): Shape {
  const properties = schema.properties;
  const exact = properties === undefined ? undefined : new Set(Object.keys(properties));
  const folded = new Map<string, string>();
  const children: [string, Shape][] = [];
  for (const [name, child] of Object.entries(properties ?? {})) {
    const key = goFoldAscii(name);
    if (key !== undefined) folded.set(key, name);
    const childShape = shapeOf(child);
    if (hasStructure(childShape)) children.push([name, childShape]);
  }
  // The values of a map-like object (additionalProperties: Trivy's CVSS, keyed by database) are not walked: they are
  // informational (no decision reads them), and walking 5,000 of them costs a tenth of a JSON.parse. Their keys are
  // read exactly.
  const items = schema.items === undefined ? undefined : shapeOf(schema.items);
  return {
    exact,
    folded,
    // Exact names are answered first and never evicted; hostile keys only fill the remaining room.
    seen: new Map([...(exact ?? [])].map((name) => [name, name])),
    children,
    items: items !== undefined && hasStructure(items) ? items : undefined,
    clean: [],
  };
}

/** A key that is no field but one edit away from one: most likely the field, damaged (a bit flip, a typo). */
class NearMiss {
  constructor(readonly field: string) {}
}

/** Whether two strings are at most one edit apart: one substitution, insertion, deletion or adjacent swap. */
function oneEditApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const restA = endA - start;
  const restB = endB - start;
  if (restA <= 1 && restB <= 1) return true;
  return restA === 2 && restB === 2 && a[start] === b[start + 1] && a[start + 1] === b[start];
}

/** Field names this short are too alike to tell a typo from another field (id, CVSS, Type). */
const NEAR_MISS_MIN_LENGTH = 5;

function nearMiss(shape: Shape, key: string): NearMiss | undefined {
  if (key.length < NEAR_MISS_MIN_LENGTH - 1 || key.length > 65) return undefined;
  const folded = goFoldAscii(key) ?? key.toUpperCase();
  for (const [fieldFold, field] of shape.folded) {
    if (fieldFold.length >= NEAR_MISS_MIN_LENGTH && oneEditApart(folded, fieldFold)) return new NearMiss(field);
  }
  return undefined;
}

/**
 * The field a key names (itself when spelt exactly, or a variant Go reads as it), a NearMiss, or undefined; one map
 * lookup for every key seen before.
 */
function fieldOf(shape: Shape, key: string): string | NearMiss | undefined {
  const known = shape.seen.get(key);
  if (known !== undefined) return known ?? undefined;
  const fold = key.length > 64 ? undefined : goFoldAscii(key);
  const field =
    (shape.exact?.has(key) ? key : fold === undefined ? undefined : shape.folded.get(fold)) ?? nearMiss(shape, key);
  if (shape.seen.size < SEEN_LIMIT + (shape.exact?.size ?? 0)) shape.seen.set(key, field ?? null);
  return field;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(where: string, problem: string, format: string): ReportError {
  return new ReportError("report-invalid", `The ${format} report does not have the expected shape`, [
    `${where === "" ? "(report root)" : where}: ${problem}`,
  ]);
}

/** Renames variant keys to their fields (a copy: the caller's document is never changed), refusing ambiguity. */
function renamed(
  value: Record<string, unknown>,
  variants: readonly string[],
  where: string,
  mode: KeyMatching,
  format: string,
  shape: Shape,
): Record<string, unknown> {
  const fieldOfVariant = new Map<string, string>();
  const keyOfField = new Map<string, string>();
  for (const key of variants) {
    const field = fieldOf(shape, key) as string;

    if (mode === "exact") {
      throw invalid(
        `${where}/${pointerSegment(key)}`,
        `property names are case-sensitive in ${format}; this is not '${field}'`,
        format,
      );
    }
    const other = Object.hasOwn(value, field) ? field : keyOfField.get(field);
    if (other !== undefined) {
      throw invalid(
        where,
        `keys ${JSON.stringify(pointerSegment(other))} and ${JSON.stringify(pointerSegment(key))} both name '${field}' ` +
          "(Go matches keys without regard to case), so the report is ambiguous",
        format,
      );
    }
    keyOfField.set(field, key);
    fieldOfVariant.set(key, field);
  }
  // Object.fromEntries defines own properties, so a key such as "__proto__" stays data and never touches a prototype.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [fieldOfVariant.get(key) ?? key, item]));
}

/** Where the walker is, kept as a stack of segments and rendered only when there is something to report. */
export type Path = (string | number)[];

/**
 * Whether an object's keys, in order, are a sequence already checked and found clean: then no key needs looking up.
 * Thousands of findings share a few key sequences, and comparing interned keys is far cheaper than looking each up.
 */
function knownClean(shape: Shape, value: Record<string, unknown>): boolean {
  const sequences = shape.clean;
  if (sequences.length === 0) return false;
  // Object.keys rather than for…in: V8 hands back its cached key list, faster to walk than the for…in protocol.
  const keys = Object.keys(value);
  for (let which = 0; which < sequences.length; which += 1) {
    const sequence = sequences[which] as string[];
    if (sequence.length !== keys.length) continue;
    let index = 0;
    while (index < keys.length && sequence[index] === keys[index]) index += 1;
    if (index === keys.length) return true;
  }
  return false;
}

/**
 * Whether every key of an object is spelt exactly as a field or names none (no variant, no near miss): the check a
 * fast reader needs before it may read fields by their exact names. Uses the same caches as the walker.
 */
export function cleanKeys(shape: Shape, value: Record<string, unknown>): boolean {
  if (knownClean(shape, value)) return true;
  for (const key in value) {
    const field = fieldOf(shape, key);
    if (field !== undefined && field !== key) return false;
  }
  remember(shape, value);
  return true;
}

/** cleanKeys for objects of a few keys (Trivy's PkgIdentifier): a lookup per key beats listing them. */
export function cleanFewKeys(shape: Shape, value: Record<string, unknown>): boolean {
  for (const key in value) {
    const field = fieldOf(shape, key);
    if (field !== undefined && field !== key) return false;
  }
  return true;
}

function remember(shape: Shape, value: Record<string, unknown>): void {
  if (shape.clean.length >= CLEAN_LIMIT) return;
  const keys: string[] = [];
  for (const key in value) keys.push(key);
  if (keys.length <= 64) shape.clean.push(keys);
}

export function render(path: Path): string {
  return path.map((segment) => `/${typeof segment === "number" ? segment : pointerSegment(segment)}`).join("");
}

function walk(value: unknown, shape: Shape, path: Path, mode: KeyMatching, format: string): unknown {
  if (Array.isArray(value)) {
    const items = shape.items;
    if (items === undefined) return value;
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      if (typeof item !== "object" || item === null) continue;
      path.push(index);
      const next = walk(item, items, path, mode, format);
      path.pop();
      if (next !== item) (copy ??= value.slice())[index] = next;
    }
    return copy ?? value;
  }
  if (!isObject(value)) return value;
  let result = value;
  if (shape.exact !== undefined && !knownClean(shape, value)) {
    let variants: string[] | undefined;
    for (const key in value) {
      const field = fieldOf(shape, key);
      if (field === undefined || field === key) continue;
      if (field instanceof NearMiss) {
        throw invalid(
          render([...path, key]),
          `is not a field of ${format} but one letter away from '${field.field}'; a damaged report is refused`,
          format,
        );
      }
      (variants ??= []).push(key);
    }
    if (variants !== undefined) result = renamed(value, variants, render(path), mode, format, shape);
    else remember(shape, value);
  }
  const children = shape.children;
  for (let index = 0; index < children.length; index += 1) {
    const [field, child] = children[index] as readonly [string, Shape];
    const item = result[field];
    if (typeof item !== "object" || item === null) continue;
    path.push(field);
    const next = walk(item, child, path, mode, format);
    path.pop();
    if (next !== item) {
      if (result === value) result = { ...value };
      result[field] = next;
    }
  }
  return result;
}

/**
 * The document with every key the schema names spelt exactly as the schema spells it, read the way the format's
 * producer reads keys (see KeyMatching). Returns the same object when nothing needed renaming (the common case, at
 * the cost of one look at each key); a renamed part is a copy, so the caller's document is never modified.
 * Throws ReportError("report-invalid") for ambiguous keys, and for any variant in "exact" mode. `at` is where the
 * document sits in its report (for the pointers in messages) when it is one entry of a larger one.
 */
export function canonicalKeys(
  document: unknown,
  shape: Shape,
  mode: KeyMatching,
  format: string,
  at: (string | number)[] = [],
): unknown {
  // `at` is pushed to and popped back, so it is as it was when this returns.
  return walk(document, shape, at, mode, format);
}
