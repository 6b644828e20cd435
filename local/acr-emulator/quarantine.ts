import type { ManifestRecord } from "./model.js";

/** The state a freshly pushed manifest gets while the policy is on. ACR's real string is unconfirmed (acr-protocol.md §2.5). */
export const QUARANTINED = "Quarantined";

/**
 * Whether a manifest may be pulled by anyone with pull rights. With the policy on, only `Passed` is released; a manifest
 * the emulator has no record of (pushed before it knew, or behind its back) counts as not released — fail closed, as ACR
 * blocks existing images once quarantine is enabled.
 */
export function isReleased(record: ManifestRecord | undefined, policy: "enabled" | "disabled"): boolean {
  if (policy === "disabled") return true;
  return record?.quarantineState === "Passed";
}
