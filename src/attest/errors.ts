import { GateError } from "../errors/gate-error.js";

/** The attestation settings are wrong or incomplete. */
export class AttestationConfigError extends GateError {
  static override readonly code = "ERR_ATTEST_CONFIG";
  override readonly code = "ERR_ATTEST_CONFIG";
}

/** A registry refused or failed a referrer read or write. */
export class ReferrerRegistryError extends GateError {
  static override readonly code = "ERR_ATTEST_REGISTRY";
  override readonly code = "ERR_ATTEST_REGISTRY";
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; upstreamCode?: string; cause?: unknown } = {}) {
    super(message, options);
    this.status = options.status;
  }
}

/** Signing failed (the key could not be read, Key Vault refused). */
export class SigningError extends GateError {
  static override readonly code = "ERR_ATTEST_SIGNING";
  override readonly code = "ERR_ATTEST_SIGNING";
}

/** A decision attestation is missing, malformed, wrongly signed, about another image, or FAILED. */
export class AttestationVerificationError extends GateError {
  static override readonly code = "ERR_ATTEST_VERIFY";
  override readonly code = "ERR_ATTEST_VERIFY";
}
