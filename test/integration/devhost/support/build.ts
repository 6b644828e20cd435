import { randomUUID } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { localStateRoot, projectRoot } from "../../../support/paths.js";

const FIXTURE = join(projectRoot, "test", "fixtures", "devhost-app");

/** Transpiles every .ts file under `sourceDir` (no type check: `tsc --noEmit` covers that) into `outDir`, same layout. */
export function transpileTree(sourceDir: string, outDir: string): void {
  for (const entry of readdirSync(sourceDir, { withFileTypes: true })) {
    const source = join(sourceDir, entry.name);
    if (entry.isDirectory()) {
      transpileTree(source, join(outDir, entry.name));
      continue;
    }
    if (!entry.name.endsWith(".ts") || entry.name.endsWith(".d.ts") || entry.name.endsWith(".test.ts")) continue;
    const output = ts.transpileModule(readFileSync(source, "utf8"), {
      fileName: source,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const target = join(outDir, relative(sourceDir, source).replace(/\.ts$/, ".js"));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
}

function freshBuildDir(kind: string): string {
  const dir = join(localStateRoot("devhost-builds"), `${kind}-${randomUUID()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Builds the fixture app into a fresh folder under .local/test (inside the project, so its imports resolve to the
 * project's node_modules): dist/src/functions/*.js plus package.json and host.json, like a compiled app.
 */
export function buildFixtureApp(): { appRoot: string; dispose(): void } {
  const appRoot = freshBuildDir("fixture-app");
  transpileTree(join(FIXTURE, "src"), join(appRoot, "dist", "src"));
  copyFileSync(join(FIXTURE, "package.json"), join(appRoot, "package.json"));
  copyFileSync(join(FIXTURE, "host.json"), join(appRoot, "host.json"));
  return { appRoot, dispose: () => rmSync(appRoot, { recursive: true, force: true }) };
}

/** Builds local/ (the devhost and its helpers) so `main.js` can run as a separate Node process. */
export function buildDevHostCli(): { mainJs: string; dispose(): void } {
  const root = freshBuildDir("devhost-cli");
  transpileTree(join(projectRoot, "local"), join(root, "local"));
  return {
    mainJs: join(root, "local", "devhost", "main.js"),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
