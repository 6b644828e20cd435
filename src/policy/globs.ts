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

/** Compiles one repository glob, strictly. Throws Error with picomatch's reason when the glob is not well formed. */
export function compileGlob(pattern: string): RepositoryMatcher {
  const matcher = picomatch(pattern, COMPILE_OPTIONS);
  if (strayClosingBrace(pattern)) throw new Error('Missing opening: "{" - use "\\\\}" to match a literal "}"');
  return (repository) => matcher(repository);
}
