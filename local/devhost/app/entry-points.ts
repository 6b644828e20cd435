import { readdir, readFile } from "node:fs/promises";
import { join, posix, relative, sep } from "node:path";
import picomatch from "picomatch";

/** Reads `main` from the app's package.json, as the Node worker does to find the files that register functions. */
export async function readMainPattern(appRoot: string): Promise<string> {
  const file = join(appRoot, "package.json");
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read ${file}: ${(error as Error).message}`);
  }
  const main = (parsed as { main?: unknown }).main;
  if (typeof main !== "string" || main.trim() === "") {
    throw new Error(`${file} has no "main": the v4 programming model needs it to find the function entry points.`);
  }
  return main;
}

/**
 * Expands the `main` glob relative to the app root (the worker uses globby with the same pattern): returns absolute
 * paths in a stable order. Only the pattern's static base folder is walked; dot folders and node_modules are skipped.
 */
export async function expandEntryPoints(appRoot: string, pattern: string): Promise<string[]> {
  const normalized = pattern.replace(/^\.\//, "");
  const scan = picomatch.scan(normalized);
  const isMatch = picomatch(normalized, { dot: false });
  const base = scan.isGlob ? scan.base : posix.dirname(normalized);
  const found: string[] = [];
  await walk(join(appRoot, base), async (absolute) => {
    const rel = relative(appRoot, absolute).split(sep).join("/");
    if (isMatch(rel)) found.push(absolute);
  });
  return found.sort();
}

async function walk(dir: string, onFile: (absolute: string) => Promise<void>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const absolute = join(dir, entry.name);
    if (entry.isDirectory()) await walk(absolute, onFile);
    else if (entry.isFile()) await onFile(absolute);
  }
}
