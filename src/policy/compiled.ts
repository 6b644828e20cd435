import { DEFAULT_RULE_SETTINGS } from "./defaults.js";
import { PolicyError } from "./errors.js";
import { ExceptionIndex } from "./exceptions.js";
import { compileGlob, GlobIndex, matcherOf, type CompiledGlob, type RepositoryMatcher } from "./globs.js";
import type { EffectiveRule, PolicyDocument, RuleSettings } from "./types.js";

type RepositoryRuleSettings = Partial<RuleSettings>;

/** Repositories whose rule was already resolved; an image's rule is then one map lookup. Bounded. */
const RULE_CACHE_LIMIT = 4096;

/**
 * A policy document with everything that costs compiled once: every glob (strictly, deduplicated), the exception
 * index, the default rule. Evaluations only run the compiled matchers. The document must not change after loading.
 */
export class CompiledPolicy {
  readonly base: Readonly<RuleSettings>;
  readonly exceptions: ExceptionIndex;
  /** Every glob of every repository entry, in document order; its value is the entry's index. */
  private readonly globs: GlobIndex<number>;
  private readonly rules: readonly RepositoryRuleSettings[];
  private readonly ruleCache = new Map<string, EffectiveRule>();

  constructor(policy: PolicyDocument, globOf: (pattern: string) => CompiledGlob) {
    this.base = Object.freeze({ ...DEFAULT_RULE_SETTINGS, ...policy.defaultRule });
    const repositories = policy.repositories ?? [];
    this.rules = repositories.map((entry) => entry.rule);
    this.globs = new GlobIndex(
      repositories.flatMap((entry, index) => entry.match.map((pattern) => ({ glob: globOf(pattern), value: index }))),
    );
    const matchers = new Map<string, RepositoryMatcher>();
    this.exceptions = new ExceptionIndex(policy.exceptions ?? [], (pattern) => {
      let matcher = matchers.get(pattern);
      if (matcher === undefined) {
        matcher = matcherOf(globOf(pattern));
        matchers.set(pattern, matcher);
      }
      return matcher;
    });
  }

  /** The first repository entry with a matching glob over the default rule; a fresh copy each time. */
  ruleFor(repository: string): EffectiveRule {
    let rule = this.ruleCache.get(repository);
    if (rule === undefined) {
      rule = this.resolve(repository);
      if (this.ruleCache.size >= RULE_CACHE_LIMIT) this.ruleCache.clear();
      this.ruleCache.set(repository, rule);
    }
    return { from: { ...rule.from }, settings: { ...rule.settings } };
  }

  private resolve(repository: string): EffectiveRule {
    const found = this.globs.first(repository);
    if (found === undefined) return { from: { source: "default" }, settings: { ...this.base } };
    return {
      from: { source: "repository", index: found.value, pattern: found.glob.pattern },
      settings: { ...this.base, ...this.rules[found.value] },
    };
  }
}

const compiled = new WeakMap<PolicyDocument, CompiledPolicy>();

/**
 * Compiles a policy's globs (each distinct pattern once) and indexes it. Returns the problems instead of the policy
 * when a glob does not compile, each with its JSON pointer.
 */
export function compilePolicy(policy: PolicyDocument): { compiled: CompiledPolicy } | { problems: string[] } {
  const problems: string[] = [];
  const byPattern = new Map<string, CompiledGlob | Error>();
  const check = (pattern: string, where: string): void => {
    let result = byPattern.get(pattern);
    if (result === undefined) {
      try {
        result = compileGlob(pattern);
      } catch (error) {
        result = error instanceof Error ? error : new Error(String(error));
      }
      byPattern.set(pattern, result);
    }
    if (result instanceof Error) problems.push(`${where}: is not a valid glob (${result.message})`);
  };
  policy.repositories?.forEach((entry, index) =>
    entry.match.forEach((pattern, at) => check(pattern, `/repositories/${index}/match/${at}`)),
  );
  policy.exceptions?.forEach((exception, index) => {
    if (exception.repository !== undefined) check(exception.repository, `/exceptions/${index}/repository`);
  });
  if (problems.length > 0) return { problems };
  const result = new CompiledPolicy(policy, (pattern) => byPattern.get(pattern) as CompiledGlob);
  compiled.set(policy, result);
  return { compiled: result };
}

/**
 * The compiled form of a policy: the one made when it was loaded (loadPolicy/parsePolicy), or, for a document that
 * skipped loading, made now, once. A glob that does not compile throws PolicyError: nothing is judged by a policy
 * that cannot be read.
 */
export function compiledPolicy(policy: PolicyDocument): CompiledPolicy {
  const known = compiled.get(policy);
  if (known !== undefined) return known;
  const result = compilePolicy(policy);
  if ("problems" in result) throw new PolicyError("The policy document is invalid", result.problems);
  return result.compiled;
}
