import type { ImageKey, InspectedArtifact } from "../pipeline/contract/index.js";
import type { DsseVerify } from "./dsse.js";
import { AttestationVerificationError, ReferrerRegistryError } from "./errors.js";
import { DSSE_ENVELOPE, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST, SARIF } from "./media-types.js";
import type { OciRegistry } from "./oci-registry.js";
import { checkDecisionReferrer } from "./verify-decision.js";

/**
 * Image config media types: an image manifest whose config is one of these is an image (OCI image-spec v1.1
 * config.md `application/vnd.oci.image.config.v1+json`; Docker Image Manifest V2 Schema 2
 * `application/vnd.docker.container.image.v1+json`). Anything else in `config.mediaType` — the empty descriptor
 * `application/vnd.oci.empty.v1+json`, a Helm chart's, a tool's own — makes the manifest an artifact (image-spec
 * manifest.md "Guidelines for Artifact Usage": an artifact sets `artifactType`, or uses its own config media type).
 */
export const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([
  "application/vnd.oci.image.config.v1+json",
  "application/vnd.docker.container.image.v1+json",
]);

/** Index media types (OCI image-spec image-index.md; Docker manifest list): the gate scans their platforms. */
export const INDEX_TYPES: ReadonlySet<string> = new Set([
  OCI_INDEX,
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);

/** The gate's own referrer types (src/attest/media-types.ts): the scan report and the signed decision. */
export const GATE_ARTIFACT_TYPES: ReadonlySet<string> = new Set([SARIF, DSSE_ENVELOPE]);

/** The state the gate writes in quarantineDetails when it releases one of its own referrers (one text, two writers). */
export function ownAttestationNote(subject: string): string {
  return `the gate's own signed attestation of ${subject}`;
}

export interface OwnReferrerContext {
  /** The registry's OCI API with the gate's own pull right (it reads quarantined manifests). */
  registry: OciRegistry;
  /** Verifies a DSSE signature against the gate's own key; undefined when attestations are off (no key). */
  verify: DsseVerify | undefined;
  /** The quarantine state the registry shows for a manifest of the same repository. */
  quarantineState(image: ImageKey): Promise<string | undefined>;
}

interface RawManifest {
  mediaType?: unknown;
  artifactType?: unknown;
  config?: { mediaType?: unknown };
  layers?: Array<{ mediaType?: unknown; digest?: unknown }>;
  subject?: { digest?: unknown };
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/**
 * Reads a manifest the registry's attributes did not show to be an image (no image config) and says what it is:
 * undefined when it is an image or an index after all (scanned as before); otherwise an artifact, never scanned:
 * - `gate-attestation` only for the gate's own two referrer types in the gate's own layout (the empty config, one
 *   layer of that type), with a `subject` that the registry shows decided (Passed or Failed), and
 *   - a signed decision (DSSE) whose envelope verifies against the gate's own key, whose statement is about this
 *     image and this subject (src/attest/verify-decision.ts, the checks of the verify CLI); or
 *   - a scan report (SARIF) that such a verified decision of the same subject names as its input (the decision's
 *     `inputAttestations` hold this manifest's digest and the digest of its SARIF layer);
 * - `not-an-image` for everything else: unknown artifact types, a gate type that does not verify, one whose subject is
 *   undecided, and any gate type while attestations are off here (no key to check it with).
 * Registry failures throw (the activity is retried; the image stays quarantined meanwhile).
 */
export async function inspectArtifact(
  ctx: OwnReferrerContext,
  image: ImageKey,
): Promise<InspectedArtifact | undefined> {
  const bytes = await ctx.registry.manifest(image.repository, image.digest);
  let manifest: RawManifest;
  try {
    manifest = JSON.parse(bytes.toString("utf8")) as RawManifest;
  } catch {
    return notAnImage(undefined, undefined, "its manifest is not JSON");
  }
  if (typeof manifest !== "object" || manifest === null)
    return notAnImage(undefined, undefined, "its manifest is not a JSON object");
  const mediaType = text(manifest.mediaType);
  if (mediaType && INDEX_TYPES.has(mediaType)) return undefined;
  const configType = text(manifest.config?.mediaType);
  const declared = text(manifest.artifactType);
  if (!declared && configType && IMAGE_CONFIG_TYPES.has(configType)) return undefined;
  const artifactType = declared ?? configType;
  const subject = text(manifest.subject?.digest);
  const what = `an OCI artifact of type ${artifactType ?? "(none)"}${subject ? `, a referrer of ${subject}` : ""}`;
  if (!artifactType || !GATE_ARTIFACT_TYPES.has(artifactType) || !subject)
    return notAnImage(artifactType, subject, `${what}; the gate scans images only`);
  if (!ctx.verify)
    return notAnImage(artifactType, subject, `${what}: attestations are off here, so its signature cannot be checked`);
  // Exactly the shape the gate pushes (src/attest/referrer-manifest.ts): an image manifest with the empty config and
  // one layer of its own type. Anything more — an image config, a second layer — could make a genuine envelope carry
  // something runnable past the scan.
  const layers = Array.isArray(manifest.layers) ? manifest.layers : [];
  if (
    mediaType !== OCI_MANIFEST ||
    configType !== OCI_EMPTY ||
    layers.length !== 1 ||
    layers[0]?.mediaType !== artifactType
  )
    return notAnImage(
      artifactType,
      subject,
      `${what} not in the gate's own layout (an image manifest with the empty config and one ${artifactType} layer)`,
    );

  const subjectState = await ctx.quarantineState({ ...image, digest: subject });
  if (subjectState !== "Passed" && subjectState !== "Failed")
    return notAnImage(
      artifactType,
      subject,
      `${what}: its subject is not an image the gate decided (state ${JSON.stringify(subjectState ?? null)})`,
    );

  if (artifactType === DSSE_ENVELOPE) {
    try {
      const decision = await checkDecisionReferrer(ctx.registry, image.repository, subject, image.digest, ctx.verify);
      return attestation(
        artifactType,
        subject,
        `its signed decision (${decision.result}) verifies against the gate's key`,
      );
    } catch (error) {
      if (!isVerificationFailure(error)) throw error;
      return notAnImage(artifactType, subject, `${what} that does not verify: ${(error as Error).message}`);
    }
  }

  // The scan report: vouched for by a verified decision of the same subject that names it.
  const layerDigest = text(layers[0]?.digest);
  if (!layerDigest) return notAnImage(artifactType, subject, `${what} without a SARIF layer`);
  const name = `oci://${ctx.registry.loginServer}/${image.repository}@${image.digest}`;
  const decisions = await ctx.registry.referrers(image.repository, subject, DSSE_ENVELOPE);
  for (const referrer of decisions) {
    let verified;
    try {
      verified = await checkDecisionReferrer(ctx.registry, image.repository, subject, referrer.digest, ctx.verify);
    } catch (error) {
      if (!isVerificationFailure(error)) throw error;
      continue;
    }
    const named = verified.statement.predicate.inputAttestations?.some(
      (input) => input?.uri === name && `sha256:${input.digest?.sha256}` === layerDigest,
    );
    if (named)
      return attestation(
        artifactType,
        subject,
        `the gate's verified decision ${referrer.digest} names it as its report`,
      );
  }
  return notAnImage(
    artifactType,
    subject,
    `${what} that no verified decision of the gate names as its scan report (${decisions.length} decision referrer(s) listed)`,
  );
}

function attestation(artifactType: string, subject: string, checked: string): InspectedArtifact {
  return { kind: "gate-attestation", artifactType, subject, reason: ownAttestationNote(subject), checked };
}

function notAnImage(artifactType: string | undefined, subject: string | undefined, why: string): InspectedArtifact {
  return { kind: "not-an-image", artifactType, subject, reason: `not an image: ${why}`.slice(0, 500) };
}

/**
 * A decision that does not check out: its signature, subject or statement (AttestationVerificationError), content the
 * registry serves that does not match its digest or is malformed (a ReferrerRegistryError without a status or a
 * cause), or a part that is missing (404). Network failures, throttling and 5xx are not: they throw, and the activity
 * is tried again.
 */
function isVerificationFailure(error: unknown): boolean {
  if (error instanceof AttestationVerificationError) return true;
  if (!(error instanceof ReferrerRegistryError)) return false;
  if (error.status === undefined) return error.cause === undefined;
  return error.status === 404;
}
