import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../support/paths.js";

/** The product files the worker compiles with: every relative import of scanner-worker/*.ts, followed transitively. */
function productFilesOfWorker(): string[] {
  const workerDir = join(projectRoot, "scanner-worker");
  const pending = readdirSync(workerDir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(workerDir, f));
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g))
      pending.push(resolve(dirname(file), specifier!.replace(/\.js$/, ".ts")));
  }
  return [...seen].map((f) => relative(projectRoot, f)).filter((f) => f.startsWith("src/"));
}

describe("the worker's image", () => {
  it("copies every product file the worker imports (the image is built from named files, not the whole src/)", () => {
    const dockerfile = readFileSync(join(projectRoot, "scanner-worker", "Dockerfile"), "utf8");
    const copied = new Set(
      [...dockerfile.matchAll(/^COPY (?!--from)(.+) (\S+)$/gm)].flatMap(([, sources]) => sources!.split(/\s+/)),
    );
    const imported = productFilesOfWorker();
    expect(imported).toContain("src/scanning/transient-failure.ts");
    expect(imported.filter((file) => !copied.has(file))).toEqual([]);
  });
});
