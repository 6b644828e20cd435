import { Duration } from "luxon";
import { GateError } from "../errors/gate-error.js";

/** Reading settings: the environment, the error that lists every problem, and the reader that collects them. */

/** The environment settings are read from (process.env, or a test's own). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Settings that cannot be used; `problems` names each setting and what is wrong with it. */
export class ConfigError extends GateError {
  static override readonly code = "ERR_CONFIG";
  override readonly code = "ERR_CONFIG";

  constructor(readonly problems: readonly string[]) {
    super(`invalid app settings:\n- ${problems.join("\n- ")}`);
  }
}

/** An ISO 8601 duration as configured, and its length. */
export interface ConfigDuration {
  iso: string;
  ms: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads settings of one part, collecting problems instead of stopping at the first. */
export class Reader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** The trimmed value, the default when unset or blank, or undefined. */
  raw(name: string, fallback?: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === "" ? fallback : value;
  }

  required(name: string, fallback?: string): string {
    const value = this.raw(name, fallback);
    if (value === undefined) this.problems.push(`${name} is required`);
    return value ?? "";
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    const value = this.required(name, fallback);
    if (value !== "" && !(allowed as readonly string[]).includes(value))
      this.problems.push(`${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
    return value as T;
  }

  matching(name: string, pattern: RegExp, rule: string, fallback?: string): string {
    const value = this.required(name, fallback);
    if (value !== "" && !pattern.test(value)) this.problems.push(`${name} ${rule}, got ${JSON.stringify(value)}`);
    return value;
  }

  optionalGuid(name: string): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && !GUID.test(value))
      this.problems.push(`${name} must be a GUID, got ${JSON.stringify(value)}`);
    return value;
  }

  /** An absolute URL of one of the schemes, normalised without a trailing slash. */
  url(name: string, schemes: readonly string[], value: string | undefined): URL | undefined {
    if (value === undefined) return undefined;
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (url && schemes.includes(url.protocol.replace(/:$/, "")) && !url.username && !url.password) return url;
    this.problems.push(
      `${name} must be an absolute ${schemes.join(" or ")} URL without credentials, got ${JSON.stringify(value.slice(0, 200))}`,
    );
    return undefined;
  }

  /** A positive ISO 8601 duration in weeks, days, hours, minutes, seconds (years and months have no fixed length). */
  duration(name: string, fallback: string): ConfigDuration {
    const iso = this.required(name, fallback);
    const parsed = Duration.fromISO(iso);
    const units = parsed.isValid ? parsed.toObject() : {};
    if (!parsed.isValid)
      this.problems.push(`${name} must be an ISO 8601 duration such as PT30M or P3D, got ${JSON.stringify(iso)}`);
    else if (units.years !== undefined || units.months !== undefined)
      this.problems.push(`${name} must not use years or months (their length varies); use days or weeks, got ${iso}`);
    else if (!(parsed.as("milliseconds") > 0)) this.problems.push(`${name} must be longer than zero, got ${iso}`);
    return { iso, ms: parsed.isValid ? parsed.as("milliseconds") : Number.NaN };
  }

  done<T>(value: T): T {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return value;
  }
}
