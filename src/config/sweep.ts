import { CronExpressionParser } from "cron-parser";
import { DEFAULTS } from "./defaults.js";
import { type ConfigDuration, type Env, Reader } from "./reader.js";

/** The compliance sweep: its schedule, budgets and the registries' ARM resources. */

export interface SweepConfig {
  /** SWEEP_SCHEDULE: six-field NCRONTAB. */
  schedule: string;
  staleAfter: ConfigDuration;
  maxQuarantineAge: ConfigDuration;
  /** SWEEP_READ_BUDGET_PERCENT: share of the registry's ReadOps the sweep may use, 1–100. */
  readBudgetPercent: number;
}

/** The compliance sweep's settings beyond SweepConfig: expiry switch, read budget base, management plane (ARM). */
export interface ComplianceConfig {
  /** EXPIRE_IN_QUARANTINE: whether the sweep writes Failed for images pending longer than MAX_QUARANTINE_AGE (default false). */
  expireInQuarantine: boolean;
  /** SWEEP_REGISTRY_READ_OPS: the registry's ReadOps per minute that SWEEP_READ_BUDGET_PERCENT is a share of (Premium: 10,000). */
  registryReadOpsPerMinute: number;
  /** SWEEP_CONCURRENCY: repositories the sweep reads at once per registry, 1–32. */
  concurrency: number;
  /** ARM_ENDPOINT: the management plane, without a trailing slash. */
  armEndpoint: string;
  /** ARM_AUDIENCE: the Entra ID audience of management tokens. */
  armAudience: string;
  /** GATE_REGISTRY_RESOURCE_IDS: ARM ids in the order of GATE_REGISTRIES; empty when not set (management checks not configured). */
  registryResourceIds: string[];
}

export function sweepConfig(env: Env = process.env): SweepConfig {
  const r = new Reader(env);
  const schedule = r.required("SWEEP_SCHEDULE", DEFAULTS.SWEEP_SCHEDULE);
  if (schedule.split(/\s+/).length !== 6) {
    r.problems.push(
      `SWEEP_SCHEDULE must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}), got ${JSON.stringify(schedule)}`,
    );
  } else {
    try {
      CronExpressionParser.parse(schedule);
    } catch (error) {
      r.problems.push(
        `SWEEP_SCHEDULE ${JSON.stringify(schedule)} is not a valid NCRONTAB expression: ${(error as Error).message}`,
      );
    }
  }
  const staleAfter = r.duration("STALE_AFTER", DEFAULTS.STALE_AFTER);
  const maxQuarantineAge = r.duration("MAX_QUARANTINE_AGE", DEFAULTS.MAX_QUARANTINE_AGE);
  if (staleAfter.ms > maxQuarantineAge.ms)
    r.problems.push(
      `STALE_AFTER (${staleAfter.iso}) must not be longer than MAX_QUARANTINE_AGE (${maxQuarantineAge.iso})`,
    );
  const budget = r.matching(
    "SWEEP_READ_BUDGET_PERCENT",
    /^\d{1,3}$/,
    "must be a whole number from 1 to 100",
    DEFAULTS.SWEEP_READ_BUDGET_PERCENT,
  );
  const readBudgetPercent = Number(budget);
  if (/^\d{1,3}$/.test(budget) && (readBudgetPercent < 1 || readBudgetPercent > 100))
    r.problems.push(`SWEEP_READ_BUDGET_PERCENT must be from 1 to 100, got ${budget}`);
  return r.done({ schedule, staleAfter, maxQuarantineAge, readBudgetPercent });
}

/** /subscriptions/{guid}/resourceGroups/{name}/providers/Microsoft.ContainerRegistry/registries/{name}, case-insensitive like ARM. */
export const REGISTRY_RESOURCE_ID =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[-\w._()]{1,90}\/providers\/Microsoft\.ContainerRegistry\/registries\/[a-z0-9]{5,50}$/i;

export function complianceConfig(env: Env = process.env): ComplianceConfig {
  const r = new Reader(env);
  const expire = r.oneOf("EXPIRE_IN_QUARANTINE", ["true", "false"] as const, DEFAULTS.EXPIRE_IN_QUARANTINE);
  const readOps = r.matching(
    "SWEEP_REGISTRY_READ_OPS",
    /^[1-9]\d{0,6}$/,
    "must be a whole number of ReadOps per minute (1-9999999)",
    DEFAULTS.SWEEP_REGISTRY_READ_OPS,
  );
  const concurrency = r.matching(
    "SWEEP_CONCURRENCY",
    /^([1-9]|[12]\d|3[0-2])$/,
    "must be a whole number from 1 to 32",
    DEFAULTS.SWEEP_CONCURRENCY,
  );
  const armEndpoint = r.required("ARM_ENDPOINT", DEFAULTS.ARM_ENDPOINT);
  r.url("ARM_ENDPOINT", ["https"], armEndpoint);
  const armAudience = r.required("ARM_AUDIENCE", DEFAULTS.ARM_AUDIENCE);
  r.url("ARM_AUDIENCE", ["https"], armAudience);
  const ids = (r.raw("GATE_REGISTRY_RESOURCE_IDS") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!REGISTRY_RESOURCE_ID.test(id))
      r.problems.push(
        `GATE_REGISTRY_RESOURCE_IDS: ${JSON.stringify(id.slice(0, 300))} is not a container registry resource id (/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>)`,
      );
  }
  const registries = (r.raw("GATE_REGISTRIES") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length > 0 && ids.length !== registries.length) {
    r.problems.push(
      `GATE_REGISTRY_RESOURCE_IDS names ${ids.length} registries but GATE_REGISTRIES names ${registries.length}; give one resource id per registry, in the same order`,
    );
  }
  return r.done({
    expireInQuarantine: expire === "true",
    registryReadOpsPerMinute: Number(readOps),
    concurrency: Number(concurrency),
    armEndpoint: armEndpoint.replace(/\/+$/, ""),
    armAudience: armAudience.replace(/\/+$/, ""),
    registryResourceIds: ids,
  });
}

/**
 * The compliance sweep timer's schedule as the trigger is registered: `%SWEEP_SCHEDULE%`, which the host resolves
 * from the app settings, when the setting exists (the host fails to start when a %name% setting is missing), and the
 * documented default otherwise. Its value is validated by sweepConfig when the sweep runs.
 */
export function sweepTimerSchedule(env: Env = process.env): string {
  return new Reader(env).raw("SWEEP_SCHEDULE") === undefined ? DEFAULTS.SWEEP_SCHEDULE : "%SWEEP_SCHEDULE%";
}
