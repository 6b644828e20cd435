import { createHash } from "node:crypto";
import { DefaultAzureCredential } from "@azure/identity";
import { QuarantineDetailsBuilder, type AcrClient } from "../acr/index.js";
import { loginServer, repositoryName } from "../acr/names.js";
import { repositoryScope } from "../acr/scopes.js";
import type { ImageKey, InspectedArtifact } from "../pipeline/contract/index.js";
import type { AttestationContext } from "./attest-decision.js";
import { FileKeySigner } from "./file-key-signer.js";
import { KeyVaultSigner } from "./key-vault-signer.js";
import { jwksVerifier, type DecisionSigner, type Jwks } from "./keys.js";
import { inspectArtifact, ownAttestationNote } from "./own-referrer.js";
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
  const registry = ociRegistries(acr);
  const release = async (image: ImageKey, digest: string): Promise<void> => {
    await acr.registry(image.loginServer).ensureQuarantineState(image.repository, digest, {
      state: "Passed",
      // The same details as the pipeline's release of a verified attestation (src/pipeline/steps
      // write-registry-decision.ts, reason ownAttestationNote), so the two writes agree and neither repeats the other.
      details: new QuarantineDetailsBuilder()
        .scanner("acr-quarantine-gate")
        .state(`released: ${ownAttestationNote(image.digest)}`.slice(0, 200))
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

/**
 * The registries' OCI API with the gate's own identity (allowlisted registries only), one client per registry: tokens
 * for exactly the actions a call needs, from the gate's token provider.
 */
export function ociRegistries(acr: AcrClient): (server: string) => OciRegistry {
  const registries = new Map<string, OciRegistry>();
  return (server: string): OciRegistry => {
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
}

/** What the inspection asks about a manifest that is not shown to be an image (src/pipeline/steps/inspect-image.ts). */
export interface ArtifactInspector {
  inspect(image: ImageKey): Promise<InspectedArtifact | undefined>;
}

/**
 * The inspection of artifacts: reads the manifest with the gate's pull right and checks the gate's own referrers
 * against the gate's own key (the JWKS it publishes). Without attestation services (no signing key) nothing can be
 * verified, so every artifact, the gate's types included, is `not-an-image`. `attestation` is called only when an
 * artifact is inspected.
 */
export function buildArtifactInspector(
  acr: AcrClient,
  attestation: () => AttestationServices | undefined,
): ArtifactInspector {
  // Read on first use: a wrong ATTESTATION_* setting fails the inspection of artifacts only, never that of images.
  let registry: ((server: string) => OciRegistry) | undefined;
  return {
    async inspect(image) {
      const services = attestation();
      registry ??= services?.registry ?? ociRegistries(acr);
      const verify = services ? jwksVerifier(await services.jwks()) : undefined;
      return inspectArtifact(
        {
          registry: registry(image.loginServer),
          verify,
          quarantineState: async (other) =>
            (await acr.registry(other.loginServer).getManifest(other.repository, other.digest)).quarantine.state,
        },
        image,
      );
    },
  };
}
