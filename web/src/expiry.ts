import { duration, when } from "./time.js";

/**
 * The break-glass form's "Expires after" control and what the page says about an override's expiry. The approvals API
 * (src/pipeline/break-glass-expiry.ts, docs/reevaluation.md "Break-glass expiry") takes an optional `expiresIn`, an
 * ISO 8601 duration no longer than the policy's remediation.breakGlassExpiryHours; without it the override lasts that
 * longest time. Pure (no DOM), so it is unit-tested on its own.
 */

/** Shorter choices than the policy's longest, offered when they are shorter: 1 h, 4 h, 8 h, 1 d, 3 d, 7 d. */
const SHORTER_HOURS = [1, 4, 8, 24, 72, 168];

export const TOO_LONG = "ERR_BREAK_GLASS_EXPIRY_TOO_LONG";
export const INVALID = "ERR_BREAK_GLASS_EXPIRY_INVALID";

/** "1 h", "24 h", "3 d": whole days from 48 h on, hours below (and for hours that are not whole days). */
export function hoursText(hours: number): string {
  return hours >= 48 && hours % 24 === 0 ? `${hours / 24} d` : `${hours} h`;
}

/** "PT24H" → "24 h"; any other duration is shown as the API spelled it. */
export function isoText(iso: string): string {
  const hours = /^PT(\d+)H$/.exec(iso)?.[1];
  return hours ? hoursText(Number(hours)) : iso;
}

export interface ExpiryChoice {
  label: string;
  /** What the request sends; absent for the policy's default, which sends nothing (the API applies the policy). */
  expiresIn?: string;
}

const isHours = (h: number | undefined): h is number => typeof h === "number" && Number.isInteger(h) && h > 0;

/**
 * The choices, the policy's default first (selected): it is also the longest allowed. Without a known maximum (a view
 * that did not say) only the default is offered, so the page never offers what the API would refuse.
 */
export function expiryChoices(maxHours: number | undefined): ExpiryChoice[] {
  if (!isHours(maxHours)) return [{ label: "the policy's default" }];
  const shorter = SHORTER_HOURS.filter((h) => h < maxHours).reverse();
  return [
    { label: `${hoursText(maxHours)} (the policy's default)` },
    ...shorter.map((h) => ({ label: hoursText(h), expiresIn: `PT${h}H` })),
  ];
}

/** The control's label: "Expires after (default 24 h, at most 24 h)". */
export function expiryLabel(maxHours: number | undefined): string {
  if (!isHours(maxHours)) return "Expires after (the policy's default)";
  return `Expires after (default ${hoursText(maxHours)}, at most ${hoursText(maxHours)})`;
}

/** "2025-01-02 03:04:05 UTC (in 3 h 59 min)", or "(passed)" once it is behind us. */
export function expiresText(expiresAt: string, now = Date.now()): string {
  const left = Date.parse(expiresAt) - now;
  if (Number.isNaN(left)) return expiresAt;
  return `${when(expiresAt)} (${left > 0 ? `in ${duration(left)}` : "passed"})`;
}

/** The success notice of a break-glass release, from the 202 answer's `expiresAt`. */
export function startedText(expiresAt: unknown, now = Date.now()): string {
  return typeof expiresAt === "string"
    ? `Break-glass release started; the override expires ${expiresText(expiresAt, now)}, then the image is judged again.`
    : "Break-glass release started, with no expiry.";
}

const EXPIRY_RESULTS: Record<string, string> = {
  "still-released": "judged again at the expiry: it passed and stays released",
  reblocked: "judged again at the expiry: blocked again",
  "reblock-failed": "judged again at the expiry: blocking it again failed",
};

/** The image status's override (src/pipeline/image-status.ts OverrideView), as one line. */
export function overrideText(
  override: { by: string; at: string; expiresAt?: string; expiry?: string },
  now = Date.now(),
): string {
  const parts = [`by ${override.by} at ${when(override.at)}`];
  parts.push(override.expiresAt ? `expires ${expiresText(override.expiresAt, now)}` : "no expiry");
  if (override.expiry) parts.push(EXPIRY_RESULTS[override.expiry] ?? override.expiry);
  return parts.join("; ");
}

/**
 * The API's 400 for an expiry (src/http/errors.ts: `error`, `code`, `maxExpiry`) as one line for an error notice;
 * undefined for any other answer.
 */
export function expiryRefusal(status: number, body: unknown): string | undefined {
  const problem = (body ?? {}) as { code?: unknown; error?: unknown; maxExpiry?: unknown };
  if (status !== 400 || (problem.code !== TOO_LONG && problem.code !== INVALID)) return undefined;
  const why = typeof problem.error === "string" ? problem.error : "the expiry was refused";
  const most =
    typeof problem.maxExpiry === "string"
      ? ` The policy allows at most ${isoText(problem.maxExpiry)} (${problem.maxExpiry}).`
      : "";
  return `Refused (400 ${problem.code}): ${why}.${most}`;
}
