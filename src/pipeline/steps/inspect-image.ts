import type { ArtifactInspector } from "../../attest/services.js";
import { IMAGE_CONFIG_TYPES } from "../../attest/own-referrer.js";
import type { GateServices } from "../services.js";
import type { ImageKey, InspectResult } from "../contract/index.js";

/**
 * Reads the manifest's attributes: its quarantine state, and for an index the platform manifests to scan. A manifest
 * whose attributes show neither an index nor an image config (ACR's `configMediaType`) is read itself, and when it
 * is an OCI artifact rather than an image (a referrer such as the gate's own scan report and signed decision, a
 * signature, an SBOM, a Helm chart) it is not scanned: InspectResult.artifact says what it is (docs/pipeline.md
 * "The gate's own referrers").
 */
export async function inspectImage(
  services: Pick<GateServices, "acr">,
  image: ImageKey,
  artifacts: ArtifactInspector,
): Promise<InspectResult> {
  const manifest = await services.acr.registry(image.loginServer).getManifest(image.repository, image.digest);
  const isIndex = manifest.references.length > 0;
  const result: InspectResult = {
    quarantineState: manifest.quarantine.state,
    mediaType: manifest.mediaType,
    scanTargets: isIndex ? manifest.references.map((r) => r.digest) : [image.digest],
    isIndex,
  };
  if (isIndex || (manifest.configMediaType !== undefined && IMAGE_CONFIG_TYPES.has(manifest.configMediaType)))
    return result;
  const artifact = await artifacts.inspect(image);
  return artifact ? { ...result, scanTargets: [], artifact } : result;
}
