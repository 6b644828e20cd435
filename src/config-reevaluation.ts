import { CronExpressionParser } from "cron-parser";
import { parseImageReference, type ImageKey } from "./pipeline/contract/image.js";
import { ConfigError, type Env } from "./config.js";

/**
 * The re-evaluation settings (docs/reevaluation.md), read and validated like config.ts's parts; kept in a file of its
 * own so the settings module other work also edits grows by nothing but an import.
 */
export interface ReevaluationConfig {
  /** REEVALUATE_SCHEDULE: six-field NCRONTAB, like SWEEP_SCHEDULE. Default every 6 hours. */
  schedule: string;
  /** REEVALUATE_IN_USE_IMAGES: `loginServer/repository@digest`, comma or white space separated; always re-judged. */
  inUse: ImageKey[];
  /**
   * REEVALUATE_MAX_CONCURRENCY: at most this many images at once, whatever the read budget allows (1–64, default 4).
   * Each re-scan waits inside its activity, holding one of host.json's maxConcurrentActivityFunctions (10) slots per
   * instance: the default leaves the pipeline more than half of them.
   */
  maxConcurrency: number;
  /** REEVALUATE_READS_PER_IMAGE: registry reads one re-scan costs, for the budget (1–1000, default 4). */
  readsPerImage: number;
  /** REEVALUATE_RESCAN_DEADLINE_SECONDS: how long one re-scan may take (10–540, default 300). */
  rescanDeadlineMs: number;
  /** REEVALUATE_TABLE: the remediation records' table (default `<DURABLE_TASK_HUB>Remediation` via the root). */
  table: string | undefined;
}

export const REEVALUATION_DEFAULTS = {
  REEVALUATE_SCHEDULE: "0 0 */6 * * *",
  REEVALUATE_MAX_CONCURRENCY: 4,
  REEVALUATE_READS_PER_IMAGE: 4,
  REEVALUATE_RESCAN_DEADLINE_SECONDS: 300,
} as const;

/** `raw` is the setting as read (by its literal name, so the settings scan in test/infra finds it). */
function integer(
  raw: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  raw = raw?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw.slice(0, 40))}`);
    return fallback;
  }
  return value;
}

/** Checks a six-field NCRONTAB expression as the sweep's SWEEP_SCHEDULE is checked (cron-parser reads six fields). */
export function cronProblem(name: string, schedule: string): string | undefined {
  if (schedule.split(/\s+/).length !== 6)
    return `${name} must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}), got ${JSON.stringify(schedule)}`;
  try {
    CronExpressionParser.parse(schedule);
    return undefined;
  } catch (error) {
    return `${name} ${JSON.stringify(schedule)} is not a valid NCRONTAB expression: ${(error as Error).message}`;
  }
}

export function reevaluationConfig(env: Env = process.env): ReevaluationConfig {
  const problems: string[] = [];
  const schedule = env.REEVALUATE_SCHEDULE?.trim() || REEVALUATION_DEFAULTS.REEVALUATE_SCHEDULE;
  const cron = cronProblem("REEVALUATE_SCHEDULE", schedule);
  if (cron) problems.push(cron);
  const inUse: ImageKey[] = [];
  for (const item of (env.REEVALUATE_IN_USE_IMAGES ?? "").split(/[\s,]+/).filter(Boolean)) {
    const key = parseImageReference(item);
    if (key === undefined)
      problems.push(
        `REEVALUATE_IN_USE_IMAGES: ${JSON.stringify(item.slice(0, 200))} is not loginServer/repository@digest`,
      );
    else inUse.push(key);
  }
  const config: ReevaluationConfig = {
    schedule,
    inUse,
    maxConcurrency: integer(
      env.REEVALUATE_MAX_CONCURRENCY,
      "REEVALUATE_MAX_CONCURRENCY",
      REEVALUATION_DEFAULTS.REEVALUATE_MAX_CONCURRENCY,
      1,
      64,
      problems,
    ),
    readsPerImage: integer(
      env.REEVALUATE_READS_PER_IMAGE,
      "REEVALUATE_READS_PER_IMAGE",
      REEVALUATION_DEFAULTS.REEVALUATE_READS_PER_IMAGE,
      1,
      1000,
      problems,
    ),
    rescanDeadlineMs:
      integer(
        env.REEVALUATE_RESCAN_DEADLINE_SECONDS,
        "REEVALUATE_RESCAN_DEADLINE_SECONDS",
        REEVALUATION_DEFAULTS.REEVALUATE_RESCAN_DEADLINE_SECONDS,
        10,
        // The re-scan waits inside one activity, which host.json's functionTimeout (00:10:00) stops: Microsoft Learn,
        // "Function app timeout duration" (functionTimeout "applies specifically to function executions"). 540 s
        // leaves the activity time to judge and store what it got.
        540,
        problems,
      ) * 1000,
    table: env.REEVALUATE_TABLE?.trim() || undefined,
  };
  if (config.table !== undefined && !/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(config.table))
    problems.push(`REEVALUATE_TABLE must be a table name (letters and digits, 3–63, starting with a letter)`);
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** The timer's schedule as registered: `%REEVALUATE_SCHEDULE%` when set (the host resolves it), else the default. */
export function reevaluationTimerSchedule(env: Env = process.env): string {
  return env.REEVALUATE_SCHEDULE === undefined ? REEVALUATION_DEFAULTS.REEVALUATE_SCHEDULE : "%REEVALUATE_SCHEDULE%";
}
