#!/usr/bin/env node
// Runs before every `npm run build`. tsc never deletes what it emitted for a source that no longer exists, and the
// Functions host loads every dist/src/functions/*.js (package.json "main"), so a renamed or deleted function file would
// live on in dist/ and register a stale function. This removes each emitted file whose TypeScript source is gone.
// The build itself stays incremental: unchanged outputs are not rewritten.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";

const root = process.cwd();
const dist = join(root, "dist");
const EMITTED = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;
let removed = 0;

function walk(folder) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      walk(path);
      continue;
    }
    if (!EMITTED.test(entry.name)) continue;
    const source = join(root, relative(dist, path)).replace(EMITTED, ".ts");
    if (!existsSync(source)) {
      rmSync(path);
      removed += 1;
    }
  }
}

if (existsSync(dist)) {
  for (const top of readdirSync(dist, { withFileTypes: true })) if (top.isDirectory()) walk(join(dist, top.name));
}
if (removed > 0) console.log(`prune-dist: removed ${removed} outputs of deleted sources`);
