import picomatch from "picomatch";

/** ACR repository names are lowercase; matching ignores case so "Team-A/**" cannot silently miss "team-a/api". */
export const GLOB_OPTIONS: picomatch.PicomatchOptions = { nocase: true, dot: true };

// strictBrackets: "Throw an error if brackets, braces, or parens are imbalanced" (picomatch README, Options). Without
// it picomatch reads `prod/**(` as a literal "(", a glob that never matches any repository name. debug: picomatch
// otherwise turns a regular expression it cannot build into /$^/, which never matches (lib/picomatch.js toRegex);
// with it the error is thrown and the policy refused.
const COMPILE_OPTIONS: picomatch.PicomatchOptions = { ...GLOB_OPTIONS, strictBrackets: true, debug: true };

export type RepositoryMatcher = (repository: string) => boolean;

/** A single glob as a matcher (exception scopes). */
export function matcherOf(glob: CompiledGlob): RepositoryMatcher {
  const list = globList([glob]);
  return (repository) => list.first(repository) !== undefined;
}

/**
 * picomatch's strict mode catches an opening bracket, brace or parenthesis that is never closed, and a closing
 * bracket or parenthesis never opened, but lets a stray "}" through as a literal; no repository name can contain one.
 */
function strayClosingBrace(pattern: string): boolean {
  let depth = 0;
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index];
    if (char === "\\") index += 1;
    else if (char === "[") index = Math.max(index, pattern.indexOf("]", index + 2));
    else if (char === "{") depth += 1;
    else if (char === "}" && (depth -= 1) < 0) return true;
  }
  return false;
}

/** A glob, compiled: picomatch's expression, and the literal directory every match must be in, if it has one. */
export interface CompiledGlob {
  pattern: string;
  expression: RegExp;
  /**
   * The glob's literal leading directories (picomatch.scan's `base`), lower case; "" when there is none or it cannot
   * be used (a negated glob, or a base with characters other than a repository name's).
   */
  base: string;
}

const PLAIN_BASE = /^[a-z0-9._/-]+$/i;

/** Compiles a glob strictly. Throws Error with picomatch's reason when it is not well formed. */
export function compileGlob(pattern: string): CompiledGlob {
  const expression = picomatch.makeRe(pattern, COMPILE_OPTIONS);
  if (strayClosingBrace(pattern)) throw new Error('Missing opening: "{" - use "\\}" to match a literal "}"');
  const scanned = picomatch.scan(pattern, COMPILE_OPTIONS);
  const usable = !scanned.negated && !scanned.negatedExtglob && PLAIN_BASE.test(scanned.base);
  return { pattern, expression, base: usable ? scanned.base.toLowerCase() : "" };
}

/**
 * Matches as picomatch's own matcher does (picomatch.test: the input equal to the glob, else the expression), so the
 * compiled form can never disagree with picomatch.isMatch about a repository. A repository outside the glob's literal
 * directory cannot match it, and is turned away without running the expression.
 */
function matches(repository: string, lower: string, glob: CompiledGlob): boolean {
  if (repository === "") return false;
  const { base } = glob;
  if (base !== "" && lower !== base && !(lower.startsWith(base) && lower.charCodeAt(base.length) === 0x2f))
    return false;
  return repository === glob.pattern || glob.expression.test(repository);
}

/** The globs of one repository entry: which of them, first in order, matches a repository. */
export interface GlobList {
  first(repository: string): string | undefined;
}

/**
 * The globs of one entry, each compiled once when the policy loads. A repository is compared with each glob's literal
 * directory first, so that in a policy of a hundred thousand globs only the few that could match run an expression
 * (and V8 compiles only those expressions, on their first use).
 */
export function globList(globs: readonly CompiledGlob[]): GlobList {
  return {
    first(repository) {
      const lower = repository.toLowerCase();
      for (const glob of globs) if (matches(repository, lower, glob)) return glob.pattern;
      return undefined;
    },
  };
}

interface Indexed<T> {
  order: number;
  glob: CompiledGlob;
  value: T;
}

function firstSegment(text: string): string {
  const slash = text.indexOf("/");
  return slash < 0 ? text : text.slice(0, slash);
}

/**
 * Globs in order (a policy's, across all its repository entries), indexed by the first directory of their literal
 * base, so that finding the first glob that matches a repository looks only at the globs that could: those whose
 * base starts with the repository's first directory, and those with no base, merged in their order. A policy of
 * 100,000 globs then costs a new repository a few hundred comparisons, not 100,000.
 */
export class GlobIndex<T> {
  private readonly byFirstSegment = new Map<string, Indexed<T>[]>();
  private readonly anywhere: Indexed<T>[] = [];

  constructor(globs: readonly { glob: CompiledGlob; value: T }[]) {
    globs.forEach(({ glob, value }, order) => {
      const item = { order, glob, value };
      if (glob.base === "") {
        this.anywhere.push(item);
      } else {
        const key = firstSegment(glob.base);
        const list = this.byFirstSegment.get(key) ?? [];
        list.push(item);
        this.byFirstSegment.set(key, list);
      }
    });
  }

  /** The first glob, in order, that matches the repository, and its value. */
  first(repository: string): { glob: CompiledGlob; value: T } | undefined {
    const lower = repository.toLowerCase();
    const based = this.byFirstSegment.get(firstSegment(lower)) ?? [];
    const anywhere = this.anywhere;
    let a = 0;
    let b = 0;
    while (a < based.length || b < anywhere.length) {
      const next =
        b >= anywhere.length || (a < based.length && (based[a] as Indexed<T>).order < (anywhere[b] as Indexed<T>).order)
          ? (based[a++] as Indexed<T>)
          : (anywhere[b++] as Indexed<T>);
      if (matches(repository, lower, next.glob)) return next;
    }
    return undefined;
  }
}
