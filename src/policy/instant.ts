import { DateTime } from "luxon";

/**
 * RFC 3339 §5.6 date-time: `full-date "T" full-time`, where time-numoffset is `("+" / "-") time-hour ":" time-minute`
 * ("T" and "Z" may be lower case). Ajv-formats' `date-time`, even in full mode, also takes `+01`, `+0100` and a space
 * for "T", which are not RFC 3339 and which Date.parse reads differently or not at all; this pattern closes that gap.
 */
export const RFC3339_DATE_TIME = "^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:[Zz]|[+-]\\d{2}:\\d{2})$";
const PATTERN = new RegExp(RFC3339_DATE_TIME);

/**
 * The schema of every date-time in the gate's documents (policy, OpenVEX): ajv-formats' `date-time` in full mode
 * (a real calendar date and time of day, leap second only at 23:59:60 UTC) and the strict RFC 3339 pattern above.
 */
export const dateTimeSchema = { type: "string", format: "date-time", pattern: RFC3339_DATE_TIME } as const;

/**
 * The instant of an RFC 3339 date-time, in epoch milliseconds, read by luxon's ISO parser (validating: day 30 of
 * February or second 60 is invalid, not rolled over). Undefined when the text is not one: a leap second is valid
 * RFC 3339 but no clock the gate compares with can represent it, so it is refused rather than guessed.
 */
export function instantOf(text: string): number | undefined {
  const known = cache.get(text);
  if (known !== undefined || cache.has(text)) return known;
  let instant: number | undefined;
  if (PATTERN.test(text)) {
    const parsed = DateTime.fromISO(text, { setZone: true });
    instant = parsed.isValid ? parsed.toMillis() : undefined;
  }
  // The same few timestamps (VEX statements, exception expiries) are read for every image; luxon is not free.
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, instant);
  return instant;
}

const cache = new Map<string, number | undefined>();
const CACHE_LIMIT = 10_000;
