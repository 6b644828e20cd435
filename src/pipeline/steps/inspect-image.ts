import type { GateServices } from "../services.js";
import type { ImageKey, InspectResult } from "../contract/index.js";

/** Reads the manifest's attributes: its quarantine state, and for an index the platform manifests to scan. */
export async function inspectImage(services: Pick<GateServices, "acr">, image: ImageKey): Promise<InspectResult> {
  const manifest = await services.acr.registry(image.loginServer).getManifest(image.repository, image.digest);
  const isIndex = manifest.references.length > 0;
  return {
    quarantineState: manifest.quarantine.state,
    mediaType: manifest.mediaType,
    scanTargets: isIndex ? manifest.references.map((r) => r.digest) : [image.digest],
    isIndex,
  };
}
