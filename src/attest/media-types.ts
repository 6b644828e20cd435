/**
 * The media types of the gate's referrers. Sources:
 * - OCI image-spec v1.1 (opencontainers/image-spec, manifest.md "Guidelines for Artifact Usage" and descriptor.md
 *   "Empty Descriptor"): an artifact manifest is an image manifest with `artifactType`, a `subject`, and when there is
 *   no config the empty config descriptor `application/vnd.oci.empty.v1+json` of the two bytes `{}` (digest
 *   sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a, size 2);
 * - Ratify's vulnerability-report verifier reads referrers of artifactType `application/sarif+json`
 *   (ratify-project/ratify @ b3b34361, plugins/verifier/vulnerabilityreport/vulnerability_report.go);
 * - DSSE (secure-systems-lab/dsse, envelope.md) and the in-toto payload type `application/vnd.in-toto+json`
 *   (in-toto/attestation, spec/v1/envelope.md).
 */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";
export const EMPTY_CONFIG = Object.freeze({
  mediaType: OCI_EMPTY,
  digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  size: 2,
});
export const EMPTY_CONFIG_BYTES = "{}";

export const SARIF = "application/sarif+json";
export const DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json";
export const IN_TOTO_PAYLOAD = "application/vnd.in-toto+json";
export const OPENVEX = "application/vnd.openvex+json";

/** `org.opencontainers.image.created` (image-spec annotations.md); Ratify refuses a report without it. */
export const ANNOTATION_CREATED = "org.opencontainers.image.created";
/** Which decision a referrer belongs to: makes a repeated activity find what it already pushed. */
export const ANNOTATION_DECISION = "dev.acr-quarantine-gate.decision";
