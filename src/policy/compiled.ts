import { DEFAULT_RULE_SETTINGS } from "./defaults.js";
import { PolicyError } from "./errors.js";
import { ExceptionIndex } from "./exceptions.js";
import { compileGlob, globList, matcherOf, type CompiledGlob, type GlobList, type RepositoryMatcher } from "./globs.js";
import type { EffectiveRule, PolicyDocument, RuleSettings } from "./types.js";

interface CompiledEntry {
  index: number;
  rule: RepositoryRuleSettings;
  globs: GlobList;
}

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
  private readonly entries: readonly CompiledEntry[];
  private readonly ruleCache = new Map<string, EffectiveRule>();

  constructor(policy: PolicyDocument, globOf: (pattern: string) => CompiledGlob) {
    this.base = Object.freeze({ ...DEFAULT_RULE_SETTINGS, ...policy.defaultRule });
    this.entries = (policy.repositories ?? []).map((entry, index) => ({
      index,
      rule: entry.rule,
      globs: globList(entry.match.map(globOf)),
    }));
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
    for (const entry of this.entries) {
      const pattern = entry.globs.first(repository);
      if (pattern !== undefined) {
        return {
          from: { source: "repository", index: entry.index, pattern },
          settings: { ...this.base, ...entry.rule },
        };
      }
    }
    return { from: { source: "default" }, settings: { ...this.base } };
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
