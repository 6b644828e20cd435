import { Duration } from "luxon";
import { resolveRemediation } from "../policy/remediation.js";
import type { PolicyDocument } from "../policy/types.js";
import { BreakGlassExpiryInvalidError, BreakGlassExpiryTooLongError } from "./errors.js";

const HOUR_MS = 3_600_000;

/** When a break-glass release ends, and the longest the policy allows (ISO 8601, e.g. PT24H). */
export interface BreakGlassExpiry {
  expiresAt: string;
  maxExpiry: string;
}

/** The longest break-glass release the policy allows in a repository: whole hours, and as ISO 8601 (e.g. PT24H). */
export function breakGlassLimit(
  policy: PolicyDocument,
  repository: string,
): { maxExpiryHours: number; maxExpiry: string } {
  const hours = resolveRemediation(policy, repository).breakGlassExpiryHours;
  return { maxExpiryHours: hours, maxExpiry: `PT${hours}H` };
}

/**
 * When a break-glass release ends (docs/reevaluation.md "Break-glass expiry"): the policy's
 * `remediation.breakGlassExpiryHours` (default 24) after the decision, or sooner when the request asks for less
 * (`expiresIn`, an ISO 8601 duration in weeks, days, hours, minutes or seconds, e.g. PT4H). Asking for less is always
 * allowed (the override only ends sooner); asking for more is refused (BreakGlassExpiryTooLongError), never cut down
 * in silence; a request that is not such a duration, or not longer than zero, is BreakGlassExpiryInvalidError.
 */
export function breakGlassExpiry(
  policy: PolicyDocument,
  repository: string,
  decidedAt: string,
  expiresIn?: string,
): BreakGlassExpiry {
  const decided = Date.parse(decidedAt);
  if (Number.isNaN(decided)) throw new TypeError(`decidedAt is not a date: ${decidedAt}`);
  const { maxExpiryHours: maxHours, maxExpiry } = breakGlassLimit(policy, repository);
  const maxMs = maxHours * HOUR_MS;
  if (expiresIn === undefined) return { expiresAt: new Date(decided + maxMs).toISOString(), maxExpiry };
  const parsed = Duration.fromISO(expiresIn);
  const units = parsed.isValid ? parsed.toObject() : {};
  if (!parsed.isValid || units.years !== undefined || units.months !== undefined)
    throw new BreakGlassExpiryInvalidError(
      `expiresIn must be an ISO 8601 duration in weeks, days, hours, minutes or seconds such as PT4H, got ${JSON.stringify(expiresIn.slice(0, 40))}`,
      maxExpiry,
    );
  const ms = parsed.as("milliseconds");
  if (!(ms > 0))
    throw new BreakGlassExpiryInvalidError(`expiresIn must be longer than zero, got ${expiresIn}`, maxExpiry);
  if (ms > maxMs)
    throw new BreakGlassExpiryTooLongError(
      `expiresIn ${expiresIn} is longer than the policy allows for a break-glass release (${maxExpiry}, remediation.breakGlassExpiryHours)`,
      maxExpiry,
    );
  return { expiresAt: new Date(decided + ms).toISOString(), maxExpiry };
}
