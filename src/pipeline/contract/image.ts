import { splitImageReference } from "../../oci/grammar.js";

/** One image the gate decides on: a manifest digest in a repository of a registry. */
export interface ImageKey {
  loginServer: string;
  repository: string;
  digest: string;
}

/** `loginServer/repository@digest`: how images are named in statuses, audit records and links. */
export function imageReference(key: ImageKey): string {
  return `${key.loginServer}/${key.repository}@${key.digest}`;
}

/** Reads `loginServer/repository@digest` (case-folded) in the OCI grammar; undefined for anything else. */
export function parseImageReference(reference: string): ImageKey | undefined {
  return splitImageReference(reference.trim().toLowerCase());
}
