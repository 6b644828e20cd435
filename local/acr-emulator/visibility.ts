import type { EmulatorContext } from "./context.js";
import type { Caller } from "./middleware/auth.js";
import type { ManifestRecord } from "./model.js";
import { isReleased } from "./quarantine.js";

/** "Only a user with quarantine reader permissions can see the image" (acr-protocol.md §2.1). */
export function canSee(ctx: EmulatorContext, caller: Caller, record: ManifestRecord): boolean {
  return caller.capabilities.has("quarantineRead") || isReleased(record, ctx.store.settings().quarantinePolicy);
}
