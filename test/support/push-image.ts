import { expect } from "vitest";
import type { TestStack } from "./local-stack.js";
import { buildOciImage } from "./oci-image.js";
import { freshTempDir } from "./paths.js";
import { push } from "./skopeo.js";

/**
 * Builds a small OCI image and pushes it with skopeo to the stack's registry as `repository:v1`, as a person would;
 * returns the image's reference by digest (`loginServer/repository@sha256:…`).
 */
export async function pushTestImage(stack: TestStack, repository: string): Promise<string> {
  const image = await buildOciImage(freshTempDir("img"));
  const result = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
    certDir: stack.acr.certDir,
    creds: stack.pushCreds,
  });
  expect(result.code, result.stderr).toBe(0);
  return `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`;
}
