import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isRepositoryName, isTag } from "../../src/oci/grammar.js";
import { buildOciImage } from "../tools/oci-image.js";
import { pushWithAuthFile } from "../tools/skopeo.js";
import type { StackDescriptor } from "./descriptor.js";
import { ImagePushError, LocalUsageError } from "./errors.js";

export interface ImageName {
  repository: string;
  tag: string;
}

export const DEFAULT_TAG = "latest";

/** `<repository>[:tag]` as people type it; a full reference (registry host, digest) is refused with a hint. */
export function parseImageName(text: string): ImageName {
  const given = text.trim();
  if (given.includes("@")) throw new LocalUsageError(`"${text}": give a repository and an optional tag, not a digest`);
  const slash = given.lastIndexOf("/");
  const colon = given.lastIndexOf(":");
  const [repository, tag] = colon > slash ? [given.slice(0, colon), given.slice(colon + 1)] : [given, DEFAULT_TAG];
  const first = repository.split("/")[0]!;
  if (repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost"))
    throw new LocalUsageError(`"${text}": give the repository without a registry (the local registry is implied)`);
  if (!isRepositoryName(repository))
    throw new LocalUsageError(
      `"${repository}" is not a repository name (lower-case letters and digits, joined by . _ __ or -, parts separated by /)`,
    );
  if (!isTag(tag)) throw new LocalUsageError(`"${tag}" is not a tag (letters, digits, _ . -; at most 128)`);
  return { repository, tag };
}

export interface PushedImage extends ImageName {
  digest: string;
  /** loginServer/repository@digest: what the gate's status and approvals name. */
  reference: string;
}

/**
 * Builds a small single-layer OCI image (its own random payload, so its own digest) and pushes it to the stack's
 * registry with skopeo, as the stack's push token (credentials in a private auth file, never on the command line).
 */
export async function buildAndPush(stack: StackDescriptor, name: ImageName): Promise<PushedImage> {
  const work = mkdtempSync(join(tmpdir(), "aqg-image-"));
  try {
    const image = await buildOciImage(join(work, "layout")).catch((error: Error) => {
      throw new ImagePushError(`building the image failed: ${error.message}`, { cause: error });
    });
    const target = `${stack.acr.loginServer}/${name.repository}:${name.tag}`;
    const result = await pushWithAuthFile(image.layoutRef, target, {
      certDir: stack.acr.certDir,
      registry: stack.acr.loginServer,
      ...stack.pushCredentials,
    });
    if (result.code !== 0)
      throw new ImagePushError(`skopeo could not push ${target} (exit ${result.code}): ${result.stderr.trim()}`);
    return {
      ...name,
      digest: image.manifestDigest,
      reference: `${stack.acr.loginServer}/${name.repository}@${image.manifestDigest}`,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
