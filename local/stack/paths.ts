import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

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

/** Where `npm start` keeps its state: GATE_LOCAL_STATE, or .local/state in the project folder. */
export function stackStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GATE_LOCAL_STATE ? resolve(env.GATE_LOCAL_STATE) : defaultStackStateDir();
}

export function defaultStackStateDir(): string {
  return join(projectRoot(), ".local", "state");
}
