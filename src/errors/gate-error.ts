/**
 * The one base class of every error this product throws on purpose, in the style of jose's errors
 * (https://github.com/panva/jose/blob/main/src/util/errors.ts): a stable `code` per class, static and on the instance,
 * so callers and the HTTP mapping can branch on `code` without `instanceof` across module copies. A subclass sets
 * its own code; `upstreamCode` carries what the other side said (ACR's `errors[].code`, Harbor's error, a storage
 * error code) when there is one.
 */
export class GateError extends Error {
  static readonly code: string = "ERR_GATE";
  readonly code: string = "ERR_GATE";
  /** The upstream service's own error code, when this error reports one (e.g. ACR's MANIFEST_UNKNOWN). */
  readonly upstreamCode: string | undefined;

  constructor(message: string, options: { cause?: unknown; upstreamCode?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.upstreamCode = options.upstreamCode;
  }
}

/** True for any GateError, also one from another copy of this module (checked by shape, as jose recommends). */
export function isGateError(error: unknown): error is GateError {
  return (
    error instanceof GateError ||
    (error instanceof Error && typeof (error as { code?: unknown }).code === "string" && "upstreamCode" in error)
  );
}
