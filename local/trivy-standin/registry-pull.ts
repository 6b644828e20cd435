import { createHash } from "node:crypto";

/** An image reference as Trivy takes it: `<registry>/<repository>(@<digest>|:<tag>)`. */
export interface ImageReference {
  registry: string;
  repository: string;
  reference: string;
}

export class PullError extends Error {
  override readonly name = "PullError";
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];
const INDEX_TYPES = new Set([MANIFEST_TYPES[2], MANIFEST_TYPES[3]]);

export function parseReference(text: string): ImageReference {
  const slash = text.indexOf("/");
  if (slash <= 0) throw new PullError(`could not parse reference: ${text}`);
  const registry = text.slice(0, slash);
  const rest = text.slice(slash + 1);
  const at = rest.indexOf("@");
  if (at > 0) return { registry, repository: rest.slice(0, at), reference: rest.slice(at + 1) };
  const colon = rest.lastIndexOf(":");
  if (colon > 0) return { registry, repository: rest.slice(0, colon), reference: rest.slice(colon + 1) };
  return { registry, repository: rest, reference: "latest" };
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** The registry's error as go-containerregistry prints it: `GET <url>: CODE: message`. */
async function failure(url: string, response: Response): Promise<PullError> {
  let said = `unexpected status code ${response.status}`;
  try {
    const body = (await response.json()) as { errors?: Array<{ code?: string; message?: string }> };
    const first = body.errors?.[0];
    if (first?.code) said = `${first.code}: ${first.message ?? ""}`.trim();
  } catch {
    // not a registry error body
  }
  return new PullError(`GET ${url}: ${said}`);
}

async function get(url: string, token: string | undefined, accept: string[], signal: AbortSignal): Promise<Buffer> {
  const response = await fetch(url, {
    headers: { Accept: accept.join(", "), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    signal,
  });
  if (!response.ok) throw await failure(url, response);
  return Buffer.from(await response.arrayBuffer());
}

export interface PulledImage {
  manifestDigest: string;
  /** The config blob's digest (Trivy's ImageID). */
  configDigest: string | undefined;
}

/**
 * Pulls what Trivy reads first, as Trivy does (go-containerregistry over the Docker Registry HTTP API V2): the
 * manifest by digest or tag, with the bearer token given, its digest checked against the one asked for; for an index
 * the linux/amd64 (else first) platform manifest; then the image config blob, its digest checked. A missing or wrong
 * token fails here with the registry's own error, as a real scan would.
 */
export async function pullImage(
  ref: ImageReference,
  token: string | undefined,
  signal: AbortSignal,
): Promise<PulledImage> {
  const base = `https://${ref.registry}/v2/${ref.repository}`;
  let manifestUrl = `${base}/manifests/${ref.reference}`;
  let bytes = await get(manifestUrl, token, MANIFEST_TYPES, signal);
  if (ref.reference.startsWith("sha256:") && sha256(bytes) !== ref.reference)
    throw new PullError(`GET ${manifestUrl}: manifest digest ${sha256(bytes)} does not match ${ref.reference}`);
  let manifest = JSON.parse(bytes.toString("utf8")) as {
    mediaType?: string;
    manifests?: Array<{ digest: string; platform?: { os?: string; architecture?: string } }>;
    config?: { digest: string };
  };
  let manifestDigest = sha256(bytes);
  if (INDEX_TYPES.has(manifest.mediaType ?? "") || Array.isArray(manifest.manifests)) {
    const platforms = manifest.manifests ?? [];
    const chosen =
      platforms.find((m) => m.platform?.os === "linux" && m.platform.architecture === "amd64") ?? platforms[0];
    if (!chosen) throw new PullError(`GET ${manifestUrl}: the index lists no manifests`);
    manifestUrl = `${base}/manifests/${chosen.digest}`;
    bytes = await get(manifestUrl, token, MANIFEST_TYPES, signal);
    if (sha256(bytes) !== chosen.digest)
      throw new PullError(`GET ${manifestUrl}: manifest digest ${sha256(bytes)} does not match ${chosen.digest}`);
    manifest = JSON.parse(bytes.toString("utf8")) as typeof manifest;
    manifestDigest = chosen.digest;
  }
  const configDigest = manifest.config?.digest;
  if (configDigest) {
    const blobUrl = `${base}/blobs/${configDigest}`;
    const config = await get(blobUrl, token, ["*/*"], signal);
    if (sha256(config) !== configDigest)
      throw new PullError(`GET ${blobUrl}: blob digest ${sha256(config)} does not match ${configDigest}`);
  }
  return { manifestDigest, configDigest };
}
