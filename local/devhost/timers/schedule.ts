import { CronExpressionParser } from "cron-parser";

export interface TimerSchedule {
  /** The expression as configured (after %setting% resolution). */
  expression: string;
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
}

const TIME_SPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/**
 * Parses a timer trigger schedule the way the Functions host accepts it: an NCRONTAB expression with six fields
 * (`{second} {minute} {hour} {day} {month} {day-of-week}`; five-field crontab is accepted too), or a TimeSpan such as
 * "00:05:00" that fires at that interval. Cron schedules use UTC unless WEBSITE_TIME_ZONE (or TZ) names an IANA zone.
 */
export function parseSchedule(
  expression: string,
  timeZone = process.env.WEBSITE_TIME_ZONE || process.env.TZ || "UTC",
): TimerSchedule {
  const trimmed = expression.trim();
  const span = TIME_SPAN.exec(trimmed);
  if (span) {
    const [, days, hours, minutes, seconds] = span;
    const ms = (((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds ?? 0)) * 1000;
    if (ms <= 0) throw new Error(`Timer schedule "${expression}" must be a positive interval.`);
    return { expression: trimmed, next: (after) => new Date(after.getTime() + ms) };
  }
  const fields = trimmed.split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw new Error(
      `Timer schedule "${expression}" must be an NCRONTAB expression with six fields (or a TimeSpan like 00:05:00).`,
    );
  }
  try {
    CronExpressionParser.parse(trimmed, { tz: timeZone, strict: false });
  } catch (error) {
    throw new Error(`Timer schedule "${expression}" is not a valid NCRONTAB expression: ${(error as Error).message}`);
  }
  return {
    expression: trimmed,
    next: (after) => CronExpressionParser.parse(trimmed, { currentDate: after, tz: timeZone }).next().toDate(),
  };
}
