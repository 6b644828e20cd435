import { GateError } from "../errors/gate-error.js";

/** Which request failed: method and path (with query) on the registry. Never headers or bodies, so never a token. */
export interface AcrRequestInfo {
  method: string;
  path: string;
}

/** One entry of ACR's error envelope {"errors":[{code,message,detail}]} (acr-protocol.md §2.8). */
export interface AcrErrorEntry {
  code: string;
  message: string;
  detail?: unknown;
}

export interface AcrErrorOptions {
  /** ACR's `errors[0].code`, e.g. UNAUTHORIZED, MANIFEST_UNKNOWN, TOOMANYREQUESTS. */
  acrCode?: string;
  status?: number;
  registry?: string;
  request?: AcrRequestInfo;
  errors?: readonly AcrErrorEntry[];
  cause?: unknown;
}

/**
 * Base class of every error the registry client throws: a GateError (stable `code` per class, static and on the
 * instance, in the style of jose's errors) with what ACR said. ACR's own code is both `acrCode` and `upstreamCode`.
 */
export class AcrError extends GateError {
  static override readonly code: string = "ERR_ACR_GENERIC";
  override readonly code: string = "ERR_ACR_GENERIC";
  readonly acrCode: string | undefined;
  readonly status: number | undefined;
  readonly registry: string | undefined;
  readonly request: AcrRequestInfo | undefined;
  readonly errors: readonly AcrErrorEntry[];

  constructor(message: string, options: AcrErrorOptions = {}) {
    super(message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.acrCode === undefined ? {} : { upstreamCode: options.acrCode }),
    });
    this.acrCode = options.acrCode;
    this.status = options.status;
    this.registry = options.registry;
    this.request = options.request;
    this.errors = options.errors ?? [];
  }
}

/** Input rejected before any URL was built: a repository name, digest, login server, state or details. */
export class AcrInvalidInputError extends AcrError {
  static override readonly code = "ERR_ACR_INVALID_INPUT";
  override readonly code = "ERR_ACR_INVALID_INPUT";
}

/** Authentication or authorisation failed: Entra ID token, exchange, token request, 401 after one retry, or 403. */
export class AcrAuthError extends AcrError {
  static override readonly code = "ERR_ACR_AUTH";
  override readonly code = "ERR_ACR_AUTH";
}

/** 404: the repository or manifest does not exist, or is invisible to this identity (quarantined, no reader role). */
export class AcrNotFoundError extends AcrError {
  static override readonly code = "ERR_ACR_NOT_FOUND";
  override readonly code = "ERR_ACR_NOT_FOUND";
}

/** The registry refused because the image is quarantined (IMAGE_QUARANTINED, or "The operation is disallowed."). */
export class AcrQuarantinedError extends AcrError {
  static override readonly code = "ERR_ACR_QUARANTINED";
  override readonly code = "ERR_ACR_QUARANTINED";
}

/** 429 that outlasted the retry budget. `retryAfterMs` is what the registry asked for, when it said. */
export class AcrThrottledError extends AcrError {
  static override readonly code = "ERR_ACR_THROTTLED";
  override readonly code = "ERR_ACR_THROTTLED";
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: AcrErrorOptions & { retryAfterMs?: number } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Any other failure of a request: other 4xx/5xx, network errors and timeouts after retries, malformed answers. */
export class AcrRequestError extends AcrError {
  static override readonly code = "ERR_ACR_REQUEST";
  override readonly code = "ERR_ACR_REQUEST";
}

/** A quarantine write was accepted but reading it back did not show what was written. */
export class AcrWriteNotConfirmedError extends AcrError {
  static override readonly code = "ERR_ACR_WRITE_NOT_CONFIRMED";
  override readonly code = "ERR_ACR_WRITE_NOT_CONFIRMED";
}
