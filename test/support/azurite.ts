import { rmSync } from "node:fs";
import { startAzurite, type RunningAzurite } from "../../local/azurite/index.js";
import { freshTempDir } from "./paths.js";

export interface TestAzurite extends RunningAzurite {
  /** The data folder (a fresh temporary folder unless one was given). */
  location: string;
  /** Stops Azurite and removes its data folder if this helper created it. */
  dispose(): Promise<void>;
}

/**
 * Starts an Azurite (Blob, Queue, Table) on free loopback ports for one test file. Pass `location` to keep data across
 * restarts (e.g. a crash test); otherwise a fresh temporary folder is used and removed on dispose().
 */
export async function startTestAzurite(options: { location?: string; inMemory?: boolean } = {}): Promise<TestAzurite> {
  const ownsLocation = options.location === undefined;
  const location = options.location ?? freshTempDir("azurite");
  const azurite = await startAzurite({ location, inMemory: options.inMemory });
  return {
    ...azurite,
    location,
    dispose: async () => {
      await azurite.close();
      if (ownsLocation) rmSync(location, { recursive: true, force: true });
    },
  };
}
