import { createHash } from "node:crypto";
import { DefaultAzureCredential } from "@azure/identity";
import { QuarantineDetailsBuilder, type AcrClient } from "../acr/index.js";
import { loginServer, repositoryName } from "../acr/names.js";
import { repositoryScope } from "../acr/scopes.js";
import type { ImageKey } from "../pipeline/contract/index.js";
import type { AttestationContext } from "./attest-decision.js";
import { FileKeySigner } from "./file-key-signer.js";
import { KeyVaultSigner } from "./key-vault-signer.js";
import type { DecisionSigner, Jwks } from "./keys.js";
import { OciRegistry } from "./oci-registry.js";
import type { AttestationSettings } from "./settings.js";
import { gateVersion } from "./version.js";

export interface AttestationServices {
  context(): Promise<AttestationContext>;
  jwks(): Promise<Jwks>;
  registry(server: string): OciRegistry;
}

/**
 * Builds the attestation services from the settings, the gate's registry client (its token provider: the gate's own
 * identity; push is within the release scope it already asks for, src/acr/scopes.ts RELEASE_ACTIONS) and the policy.
 * Undefined when no signing key is configured.
 */
export function buildAttestationServices(
  settings: AttestationSettings,
  acr: AcrClient,
  policy: { version: string; document: unknown },
): AttestationServices | undefined {
  const signing = settings.signing;
  if (!signing) return undefined;
  let signer: Promise<DecisionSigner> | undefined;
  const getSigner = (): Promise<DecisionSigner> => {
    signer ??= (
      signing.kind === "file"
        ? new FileKeySigner(signing.path).init()
        : new KeyVaultSigner(
            signing.keyUrl,
            new DefaultAzureCredential(
              settings.managedIdentityClientId ? { managedIdentityClientId: settings.managedIdentityClientId } : {},
            ),
          ).init()
    ).catch((error: unknown) => {
      signer = undefined;
      throw error;
    });
    return signer;
  };
  const registries = new Map<string, OciRegistry>();
  const registry = (server: string): OciRegistry => {
    const checked = acr.allowlist.check(server);
    let r = registries.get(checked);
    if (!r) {
      r = new OciRegistry(checked, (repository, actions, refused) => {
        const scopes = [repositoryScope(repositoryName(repository), actions)];
        if (refused) acr.tokens.invalidateAccessToken(loginServer(checked), scopes, refused);
        return acr.tokens.accessToken(loginServer(checked), scopes);
      });
      registries.set(checked, r);
    }
    return r;
  };
  const release = async (image: ImageKey, digest: string): Promise<void> => {
    await acr.registry(image.loginServer).ensureQuarantineState(image.repository, digest, {
      state: "Passed",
      details: new QuarantineDetailsBuilder()
        .scanner("acr-quarantine-gate")
        .state(`released: the gate's own signed attestation of ${image.digest}`.slice(0, 200))
        .build(),
    });
  };
  const policySha = createHash("sha256").update(JSON.stringify(policy.document)).digest("hex");
  return {
    registry,
    async context() {
      return {
        registry,
        signer: await getSigner(),
        verifierId: settings.verifierId,
        gateVersion: gateVersion(),
        policy: { version: policy.version, sha256: policySha },
        release,
      };
    },
    async jwks() {
      return { keys: [await (await getSigner()).publicJwk()] };
    },
  };
}
