import picomatch from "picomatch";

/** ACR repository names are lowercase; matching ignores case so "Team-A/**" cannot silently miss "team-a/api". */
export const GLOB_OPTIONS: picomatch.PicomatchOptions = { nocase: true, dot: true };

// strictBrackets: "Throw an error if brackets, braces, or parens are imbalanced" (picomatch README, Options). Without
// it picomatch reads `prod/**(` as a literal "(", a glob that never matches any repository name.
const COMPILE_OPTIONS: picomatch.PicomatchOptions = { ...GLOB_OPTIONS, strictBrackets: true };

export type RepositoryMatcher = (repository: string) => boolean;

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

/** The regular expression picomatch makes of a glob, strictly. Throws Error with picomatch's reason. */
export function globExpression(pattern: string): RegExp {
  const expression = picomatch.makeRe(pattern, COMPILE_OPTIONS);
  if (strayClosingBrace(pattern)) throw new Error('Missing opening: "{" - use "\\\\}" to match a literal "}"');
  return expression;
}

/**
 * Matches as picomatch's own matcher does (picomatch.test: the input equal to the glob, else the expression), so the
 * precompiled form can never disagree with picomatch.isMatch about a repository.
 */
function matches(repository: string, pattern: string, expression: RegExp): boolean {
  return repository !== "" && (repository === pattern || expression.test(repository));
}

/** Runs an expression twice, so V8 compiles it now (bytecode, then native code) rather than on an image's clock. */
function warm(expression: RegExp): RegExp {
  expression.test("warm/up");
  expression.test("warm/up");
  return expression;
}

/** The globs of one repository entry: which of them, first in order, matches a repository. */
export interface GlobList {
  first(repository: string): string | undefined;
}

/**
 * The globs of one entry compiled into one expression (any of them) plus each on its own (which one), so a repository
 * that matches none of an entry's hundred globs costs one test, not a hundred.
 */
export function compileGlobList(patterns: readonly string[], expressionOf: (pattern: string) => RegExp): GlobList {
  const each = patterns.map((pattern) => ({ pattern, expression: expressionOf(pattern) }));
  const literals = new Set(patterns);
  const flags = each[0]?.expression.flags ?? "";
  const any = warm(new RegExp(each.map(({ expression }) => `(?:${expression.source})`).join("|"), flags));
  return {
    first(repository) {
      if (repository === "" || (!literals.has(repository) && !any.test(repository))) return undefined;
      return each.find(({ pattern, expression }) => matches(repository, pattern, expression))?.pattern;
    },
  };
}
