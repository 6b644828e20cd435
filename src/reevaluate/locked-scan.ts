import type { RegistryClient } from "../acr/registry-client.js";
import type { ImageToScan, Rescanner } from "./rescanner.js";
import type { FreshJudgement } from "./violations.js";

/**
 * Re-scanning an image the gate holds locked. `readEnabled=false` refuses every pull, the scanner's too, so a fresh
 * scan could never show the image is fixed. When the registry shows the image `Failed` as well, the lock is lifted for
 * the scan alone: a `Failed` image is still refused to everyone without quarantine read (the scanner pulls with the
 * gate's quarantine-reader token), and the lock is put back whatever the scan says (a pass re-opens the image through
 * the normal release afterwards). When it does not show `Failed` (the registry refused Passed → Failed), lifting the
 * lock would open the image to everyone: the re-scan is unusable and the image stays blocked until a person approves.
 */
export function lockedImageScanner(
  rescanner: Rescanner,
  registry: (loginServer: string) => Pick<RegistryClient, "getManifest" | "ensureReadEnabled">,
  log: (line: Record<string, unknown>) => void,
): Rescanner {
  return {
    async rescan(image: ImageToScan, now: Date): Promise<FreshJudgement> {
      const client = registry(image.loginServer);
      const shown = await client.getManifest(image.repository, image.digest);
      if (shown.changeableAttributes.readEnabled !== false) return rescanner.rescan(image, now);
      if (shown.quarantine.state !== "Failed")
        return {
          usable: false,
          code: "locked-not-failed",
          message: "the image is locked but not Failed; lifting the lock for a scan would open it to every puller",
        };
      await client.ensureReadEnabled(image.repository, image.digest, true);
      try {
        return await rescanner.rescan(image, now);
      } finally {
        try {
          await client.ensureReadEnabled(image.repository, image.digest, false);
        } catch (error) {
          // Still Failed, so still refused to ordinary pullers; the next run re-asserts the lock.
          log({
            event: "relock-failed",
            image: `${image.loginServer}/${image.repository}@${image.digest}`,
            error: (error as Error).message,
          });
        }
      }
    },
  };
}
