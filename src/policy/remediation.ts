import { PolicyError } from "./errors.js";
import { compileGlob, GlobIndex } from "./globs.js";
import type { OnDueAction, PolicyDocument, RemediationRepositoryRule, RemediationSla, Severity } from "./types.js";

/**
 * What the policy says about released images when nothing is written: re-evaluate those pushed in the last 30 days,
 * Critical findings due in 7 days and High in 30, remind 7 and 1 day before, block at the deadline, break-glass lasts
 * 24 hours. Strict by default, like the rule defaults (defaults.ts).
 */
export const DEFAULT_REMEDIATION = Object.freeze({
  sla: Object.freeze({ Critical: 7, High: 30 }) as Readonly<RemediationSla>,
  reevaluationWindowDays: 30,
  onDue: "block" as OnDueAction,
  protected: false,
  reminderDaysBefore: Object.freeze([7, 1]) as readonly number[],
  breakGlassExpiryHours: 24,
});

/** The remediation settings that apply to one repository, and which entry they came from. */
export interface EffectiveRemediation {
  from: { source: "default" } | { source: "repository"; index: number; pattern: string };
  sla: Readonly<RemediationSla>;
  reevaluationWindowDays: number;
  onDue: OnDueAction;
  protected: boolean;
  reminderDaysBefore: readonly number[];
  breakGlassExpiryHours: number;
}

interface Compiled {
  index: GlobIndex<number>;
}

const compiledByPolicy = new WeakMap<PolicyDocument, Compiled>();

/** Compiles the globs of `remediation.repositories` strictly, once per policy: the compiled index, or every problem. */
function compile(policy: PolicyDocument): Compiled | { problems: string[] } {
  const known = compiledByPolicy.get(policy);
  if (known) return known;
  const problems: string[] = [];
  const globs: { glob: ReturnType<typeof compileGlob>; value: number }[] = [];
  (policy.remediation?.repositories ?? []).forEach((entry: RemediationRepositoryRule, index) => {
    entry.match.forEach((pattern, at) => {
      try {
        globs.push({ glob: compileGlob(pattern), value: index });
      } catch (error) {
        problems.push(`/remediation/repositories/${index}/match/${at}: ${(error as Error).message}`);
      }
    });
  });
  if (problems.length > 0) return { problems };
  const result = { index: new GlobIndex(globs) };
  compiledByPolicy.set(policy, result);
  return result;
}

/** The compiled remediation rules; throws PolicyError on a bad glob (loadPolicy has refused such a policy already). */
function compiled(policy: PolicyDocument): Compiled {
  const result = compile(policy);
  if ("problems" in result) throw new PolicyError("The policy document is invalid", result.problems);
  return result;
}

/**
 * What the schema cannot check in `remediation` (the globs of its repositories), each with its JSON pointer; empty when
 * it compiles. loadPolicy refuses a policy with any, with the rest of its problems.
 */
export function remediationProblems(policy: PolicyDocument): string[] {
  const result = compile(policy);
  return "problems" in result ? result.problems : [];
}

/** Checks what the schema cannot (the globs of remediation.repositories); throws PolicyError listing the problems. */
export function checkRemediation(policy: PolicyDocument): void {
  compiled(policy);
}

/**
 * The remediation settings for a repository: the first `remediation.repositories` entry whose glob matches, over
 * `remediation`'s own settings, over DEFAULT_REMEDIATION. An SLA given by an entry replaces the whole SLA (a
 * repository that lists only Critical has no deadline for High), so what an entry says is all that applies.
 */
export function resolveRemediation(policy: PolicyDocument, repository: string): EffectiveRemediation {
  const base = policy.remediation ?? {};
  const hit = compiled(policy).index.first(repository);
  const entry = hit === undefined ? undefined : base.repositories?.[hit.value];
  const pick = <K extends "sla" | "reevaluationWindowDays" | "onDue" | "protected">(key: K) =>
    entry?.[key] ?? base[key] ?? DEFAULT_REMEDIATION[key];
  return {
    from:
      hit === undefined ? { source: "default" } : { source: "repository", index: hit.value, pattern: hit.glob.pattern },
    sla: pick("sla") as Readonly<RemediationSla>,
    reevaluationWindowDays: pick("reevaluationWindowDays") as number,
    onDue: pick("onDue") as OnDueAction,
    protected: pick("protected") as boolean,
    reminderDaysBefore: [...(base.reminderDaysBefore ?? DEFAULT_REMEDIATION.reminderDaysBefore)].sort((a, b) => b - a),
    breakGlassExpiryHours: base.breakGlassExpiryHours ?? DEFAULT_REMEDIATION.breakGlassExpiryHours,
  };
}

const DAY_MS = 86_400_000;

/** When a finding of this severity first seen at `firstSeen` must be fixed; undefined when the SLA gives no deadline. */
export function dueByOf(settings: EffectiveRemediation, severity: Severity, firstSeen: Date): Date | undefined {
  const days = settings.sla[severity];
  return days === undefined ? undefined : new Date(firstSeen.getTime() + days * DAY_MS);
}
