// Builds the folder azd zips and deploys (azure.yaml: services.api.dist): the files .funcignore keeps, selected with
// gitignore semantics by the `ignore` package, plus production dependencies only, installed from package-lock.json.
//
//   node infra/tools/stage-package.mjs [--out <folder>]     (default .local/deploy/package; run after npm run build)
//
// Why a staged folder and not the project root: azd zips the service folder as it is. With remote build the platform
// runs `npm install` with devDependencies and then `npm run build` ("The platform installs both dependencies and
// devDependencies", https://learn.microsoft.com/azure/azure-functions/typescript-build-options#remote-build; Oryx
// doc/runtimes/nodejs.md), which needs the TypeScript sources and tsconfig; without it (remoteBuild: false, what
// Azure-Samples/durable-functions-quickstart-typescript-azd uses) azd ships node_modules as found, devDependencies
// included. Staging ships the compiled app and production dependencies, nothing else.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import ignore from "ignore";

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const IGNORE_FILE = ".funcignore";
/** Never part of the package however .funcignore reads: the dev dependencies (replaced by the install below) and git. */
const NEVER = new Set(["node_modules", ".git"]);

/** The package-relative paths (posix) of the files .funcignore keeps under `root`, in a stable order. */
export function selectFiles(root, rules = readFileSync(join(root, IGNORE_FILE), "utf8")) {
  const matcher = ignore().add(rules);
  const files = [];
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const absolute = join(folder, entry.name);
      const path = relative(root, absolute).split(sep).join("/");
      if (folder === root && NEVER.has(entry.name)) continue;
      if (entry.isDirectory()) {
        // As git does (and azd's walk, which never enters an excluded folder): a folder that is ignored is not entered.
        if (!matcher.ignores(`${path}/`)) walk(absolute);
      } else if (entry.isFile() && !matcher.ignores(path)) {
        files.push(path);
      }
    }
  };
  walk(root);
  return files;
}

/** Copies the selected files into `out` (emptied first) and installs production dependencies there. */
export function stagePackage({
  root = projectRoot,
  out = join(projectRoot, ".local", "deploy", "package"),
  log = () => {},
} = {}) {
  const main = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).main;
  const files = selectFiles(root);
  for (const required of ["package.json", "package-lock.json", "host.json", IGNORE_FILE]) {
    if (!files.includes(required)) throw new Error(`${IGNORE_FILE} leaves out ${required}, which the package needs`);
  }
  if (!files.some((file) => file.startsWith("dist/src/functions/") && file.endsWith(".js"))) {
    throw new Error(
      `no compiled function under dist/src/functions survives ${IGNORE_FILE} (main is "${main}"): run npm run build, and anchor the patterns`,
    );
  }
  rmSync(out, { recursive: true, force: true });
  for (const file of files) {
    mkdirSync(dirname(join(out, file)), { recursive: true });
    copyFileSync(join(root, file), join(out, file));
  }
  log(`staged ${files.length} files from ${root} into ${out}`);
  // Exactly the locked versions, production only: no devDependencies, no optional ones (Core Tools), no install scripts.
  execFileSync(
    "npm",
    // --no-bin-links: no node_modules/.bin symlinks; nothing runs a package binary in the Function App.
    [
      "ci",
      "--omit=dev",
      "--omit=optional",
      "--ignore-scripts",
      "--no-bin-links",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
    ],
    { cwd: out, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_ENV: "production" } },
  );
  if (!existsSync(join(out, "node_modules", "@azure", "functions")))
    throw new Error("npm ci left out @azure/functions");
  log("installed production dependencies (npm ci --omit=dev --omit=optional --ignore-scripts)");
  return { files, out };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  stagePackage({ out: values.out ? resolve(values.out) : undefined, log: (line) => process.stdout.write(`${line}\n`) });
}
