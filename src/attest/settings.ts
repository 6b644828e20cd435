import { isAbsolute } from "node:path";
import { AttestationConfigError } from "./errors.js";

/**
 * The attestation settings (read by the composition root, once):
 * - ATTESTATION_KEY_VAULT_KEY_ID: a Key Vault key URL (Azure; the app's identity needs Key Vault Crypto User on it);
 * - ATTESTATION_SIGNING_KEY_FILE: an absolute path of an EC P-256 PEM key, created on first use (local stack,
 *   self-hosted); exactly one of the two, or neither (then no attestations are pushed, and the JWKS route answers 404);
 * - ATTESTATION_VERIFIER_ID: the VSA verifier id, a URI (default urn:acr-quarantine-gate).
 */
export interface AttestationSettings {
  signing: { kind: "key-vault"; keyUrl: string } | { kind: "file"; path: string } | undefined;
  verifierId: string;
  managedIdentityClientId: string | undefined;
}

export function attestationSettings(env: Readonly<Record<string, string | undefined>>): AttestationSettings {
  const vault = env.ATTESTATION_KEY_VAULT_KEY_ID?.trim() || undefined;
  const file = env.ATTESTATION_SIGNING_KEY_FILE?.trim() || undefined;
  if (vault && file)
    throw new AttestationConfigError(
      "set ATTESTATION_KEY_VAULT_KEY_ID or ATTESTATION_SIGNING_KEY_FILE, not both: one key signs the decisions",
    );
  if (file && !isAbsolute(file))
    throw new AttestationConfigError("ATTESTATION_SIGNING_KEY_FILE must be an absolute path");
  const verifierId = env.ATTESTATION_VERIFIER_ID?.trim() || "urn:acr-quarantine-gate";
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(verifierId))
    throw new AttestationConfigError("ATTESTATION_VERIFIER_ID must be a URI (for example urn:acr-quarantine-gate)");
  return {
    signing: vault ? { kind: "key-vault", keyUrl: vault } : file ? { kind: "file", path: file } : undefined,
    verifierId,
    managedIdentityClientId: env.AZURE_CLIENT_ID?.trim() || undefined,
  };
}
