import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const projectRoot = resolve(import.meta.dirname, "../..");

/** A stable folder under .local/ for state shared by all tests of a run (e.g. the CA). */
export function localStateRoot(name: string): string {
  return join(projectRoot, ".local", "test", name);
}

/** A fresh temporary folder, e.g. for one emulator's data. */
export function freshTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `aqg-${prefix}-`));
}
