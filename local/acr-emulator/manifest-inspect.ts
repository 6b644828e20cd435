import type { ManifestReference } from "./model.js";
import { backendRequest, readAll } from "./proxy.js";

const INDEX_TYPES = new Set([
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);
const CONFIG_TYPES = new Set([
  "application/vnd.oci.image.config.v1+json",
  "application/vnd.docker.container.image.v1+json",
]);

export interface ManifestFacts {
  mediaType: string;
  configMediaType?: string;
  architecture?: string;
  os?: string;
  references?: ManifestReference[];
}

interface RawManifest {
  mediaType?: string;
  config?: { mediaType?: string; digest?: string; size?: number };
  manifests?: Array<{ digest?: string; platform?: { architecture?: string; os?: string } }>;
}

/**
 * Reads what ACR reports about a manifest: media type, an index's references, and an image's platform (from its
 * config blob, fetched from the backend). docker-registry already validated the manifest, so parse failures here
 * only mean fewer attributes, never a rejected push.
 */
export async function inspectManifest(
  backendUrl: string,
  repository: string,
  body: Buffer,
  contentType: string | undefined,
): Promise<ManifestFacts> {
  let raw: RawManifest = {};
  try {
    raw = JSON.parse(body.toString("utf8")) as RawManifest;
  } catch {
    return { mediaType: contentType ?? "application/octet-stream" };
  }
  const mediaType = raw.mediaType ?? contentType ?? "application/vnd.oci.image.manifest.v1+json";
  if (INDEX_TYPES.has(mediaType)) {
    const references = (raw.manifests ?? [])
      .filter(
        (m): m is { digest: string; platform?: { architecture?: string; os?: string } } => typeof m.digest === "string",
      )
      .map((m) => ({ digest: m.digest, architecture: m.platform?.architecture, os: m.platform?.os }));
    return { mediaType, references };
  }
  const config = raw.config;
  const facts: ManifestFacts = { mediaType, configMediaType: config?.mediaType };
  if (config?.digest && config.mediaType && CONFIG_TYPES.has(config.mediaType) && (config.size ?? 0) < 1024 * 1024) {
    try {
      const response = await backendRequest(backendUrl, "GET", `/v2/${repository}/blobs/${config.digest}`, {});
      const blob = await readAll(response);
      if (response.statusCode === 200) {
        const parsed = JSON.parse(blob.toString("utf8")) as { architecture?: string; os?: string };
        facts.architecture = parsed.architecture;
        facts.os = parsed.os;
      }
    } catch {
      // Platform is informative only; the push itself has already succeeded.
    }
  }
  return facts;
}
