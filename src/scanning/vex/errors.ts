import { isRestError } from "@azure/core-rest-pipeline";
import { GateError } from "../../errors/gate-error.js";

export type VexSourceErrorCode =
  | "vex-source-unreachable"
  | "vex-source-forbidden"
  | "vex-source-not-found"
  | "vex-source-changed"
  | "vex-source-failed";

/**
 * The VEX container could not be read. `transient` says whether the same call later may succeed (the activity's
 * retry); the image is never judged without the VEX it should have had, nor with a partial set: the judgement waits.
 * `upstreamCode` is the storage service's error code (e.g. ContainerNotFound, AuthorizationPermissionMismatch).
 */
export class VexSourceError extends GateError {
  static override readonly code: string = "ERR_VEX_SOURCE";
  override readonly code: VexSourceErrorCode;
  readonly status: number | undefined;
  readonly transient: boolean;

  constructor(
    code: VexSourceErrorCode,
    message: string,
    options: { status?: number; upstreamCode?: string; cause?: unknown } = {},
  ) {
    super(message, {
      ...(options.upstreamCode === undefined ? {} : { upstreamCode: options.upstreamCode }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.code = code;
    this.status = options.status;
    this.transient = code === "vex-source-unreachable" || code === "vex-source-changed";
  }
}

/**
 * Maps a storage SDK failure to a VexSourceError. Status codes per Azure Storage's error code tables
 * (https://learn.microsoft.com/rest/api/storageservices/common-rest-api-error-codes: 403 AuthorizationPermissionMismatch
 * for a missing role, 412 ConditionNotMet for a failed If-Match, i.e. the blob changed since it was listed;
 * https://learn.microsoft.com/rest/api/storageservices/blob-service-error-codes: 404 ContainerNotFound and
 * BlobNotFound). 408, 429, 5xx and no answer at all are worth retrying.
 */
export function vexSourceError(error: unknown, what: string): VexSourceError {
  if (error instanceof VexSourceError) return error;
  const status = isRestError(error) ? error.statusCode : undefined;
  const upstreamCode = isRestError(error) && typeof error.code === "string" ? error.code : undefined;
  const said = `${what}: ${status === undefined ? "" : `${status} `}${upstreamCode ?? (error instanceof Error ? error.name : "error")}`;
  const options = {
    ...(status === undefined ? {} : { status }),
    ...(upstreamCode === undefined ? {} : { upstreamCode }),
    cause: error,
  };
  if (status === undefined || status === 408 || status === 429 || status >= 500)
    return new VexSourceError("vex-source-unreachable", said, options);
  if (status === 401 || status === 403) return new VexSourceError("vex-source-forbidden", said, options);
  if (status === 404) return new VexSourceError("vex-source-not-found", said, options);
  if (status === 412) return new VexSourceError("vex-source-changed", said, options);
  return new VexSourceError("vex-source-failed", said, options);
}
