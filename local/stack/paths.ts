import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The project folder (the one with package.json), whether this runs from source (tests) or from dist/. */
export function projectRoot(from: string = import.meta.dirname): string {
  let dir = from;
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "host.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no project folder (package.json + host.json) above ${from}`);
    dir = parent;
  }
  return dir;
}
