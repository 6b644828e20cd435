import { createHash } from "node:crypto";

/** One image the gate decides on: a manifest digest in a repository of a registry. */
export interface ImageKey {
  loginServer: string;
  repository: string;
  digest: string;
}

export function imageReference(key: ImageKey): string {
  return `${key.loginServer}/${key.repository}@${key.digest}`;
}

/**
 * The pipeline's Durable instance id, derived from the image alone, so every webhook delivery, sweep and retry for
 * the same digest converges on one instance. Hashed because instance ids may not contain '/', and to keep them short.
 */
export function pipelineInstanceId(key: ImageKey): string {
  const hash = createHash("sha256").update(imageReference(key).toLowerCase()).digest("hex").slice(0, 40);
  return `qp-${hash}`;
}
