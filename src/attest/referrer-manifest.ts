import { EMPTY_CONFIG, OCI_MANIFEST } from "./media-types.js";
import type { Descriptor } from "./oci-registry.js";

/**
 * An artifact manifest that refers to `subject` (OCI image-spec v1.1 manifest.md: `artifactType` set, config the
 * empty descriptor, one layer holding the artifact, `subject` the image's descriptor). JSON.stringify of a fixed
 * key order: the same inputs always give the same bytes, so the same digest.
 */
export function referrerManifest(
  artifactType: string,
  layer: Descriptor,
  subject: Descriptor,
  annotations: Record<string, string>,
): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: EMPTY_CONFIG,
    layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations,
  });
}
