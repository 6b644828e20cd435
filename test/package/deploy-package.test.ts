/**
 * The deployment package is what runs: `npm run package` (what azd's prepackage hook runs) stages the app, the zip is
 * built from that folder exactly as azd builds it (./support/azd-zip.ts), unpacked into a folder outside the project,
 * and the devhost (its own Node process) runs the app FROM THERE with the emulators: every function registers and an image pushed with
 * skopeo goes through webhook, scan, policy and release. Prints the package size.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIVITY, ORCHESTRATION } from "../../src/pipeline/contract/index.js";
import { buildOciImage } from "../support/oci-image.js";
import { freshTempDir, projectRoot } from "../support/paths.js";
import { inspectRaw, push } from "../support/skopeo.js";
import { azdZipEntries, buildAzdZip, unpackZip, type ZipResult } from "./support/azd-zip.js";
import { startPackageStack, type PackageStack } from "./support/package-stack.js";

const packageJson = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

function filesUnder(root: string, folder = root): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(root, join(folder, entry.name))
      : [relative(root, join(folder, entry.name)).split(sep).join("/")],
  );
}

/** Every function src/functions registers: names written literally, or through the constants the files import. */
function expectedFunctionNames(): string[] {
  const constants: Record<string, string> = {
    ...Object.fromEntries(Object.entries(ORCHESTRATION).map(([key, name]) => [`ORCHESTRATION.${key}`, name])),
    ...Object.fromEntries(Object.entries(ACTIVITY).map(([key, name]) => [`ACTIVITY.${key}`, name])),
  };
  const names: string[] = [];
  const folder = join(projectRoot, "src", "functions");
  for (const file of readdirSync(folder).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(folder, file), "utf8");
    // app.http("name", …), df.app.*(…), and the pipeline contract's registerActivity / registerOrchestration.
    const calls = [
      ...text.matchAll(
        /\b(?:(?:df\.)?app\.[a-zA-Z]+|register(?:Activity|Orchestration))\(\s*(?:"([^"]+)"|([A-Za-z_.]+))\s*,/g,
      ),
    ];
    expect(calls.length, `${file} registers no function`).toBeGreaterThan(0);
    for (const call of calls) {
      const name = call[1] ?? constants[call[2]!];
      expect(name, `${file}: cannot resolve ${call[2]}`).toBeDefined();
      names.push(name!);
    }
  }
  return names.sort();
}

describe("the deployment package, unpacked, is the app that runs", () => {
  let staged: string;
  let unpacked: string;
  let zip: ZipResult;
  let stack: PackageStack;

  beforeAll(async () => {
    if (!existsSync(join(projectRoot, "dist", "src", "functions")))
      throw new Error('no dist/src/functions: run "npm run build" first (npm test does)');
    staged = freshTempDir("package-staged");
    // What `npm run package` runs after the build, i.e. what azd's prepackage hook produces (azure.yaml).
    execFileSync(process.execPath, [join(projectRoot, "infra", "tools", "stage-package.mjs"), "--out", staged], {
      cwd: projectRoot,
      stdio: "pipe",
      timeout: 540_000,
    });
    const zipPath = join(freshTempDir("package-zip"), "api.zip");
    zip = await buildAzdZip(staged, zipPath);
    unpacked = realpathSync(freshTempDir("package-unpacked"));
    const names = await unpackZip(zipPath, unpacked);
    expect(names.filter((n) => !n.endsWith("/"))).toEqual(zip.files);
    console.log(
      `deployment package: ${zip.files.length} files, ${zip.uncompressedBytes} bytes uncompressed, ` +
        `${zip.compressedBytes} bytes compressed (zip)`,
    );
    stack = await startPackageStack(unpacked);
  }, 600_000);
  afterAll(async () => stack?.stop());

  it("holds the compiled app, host.json, the package files and production dependencies, and nothing else", () => {
    const top = [...new Set(zip.files.map((f) => f.split("/")[0]))].sort();
    expect(top).toEqual(["dist", "host.json", "node_modules", "package-lock.json", "package.json"]);
    expect([...new Set(zip.files.filter((f) => f.startsWith("dist/")).map((f) => f.split("/")[1]))].sort()).toEqual([
      "specs",
      "src",
    ]);
    // Every compiled file of the app is in, byte for byte the build's.
    const compiled = filesUnder(join(projectRoot, "dist", "src")).filter((f) => !f.endsWith(".map"));
    expect(compiled.length).toBeGreaterThan(100);
    for (const file of compiled) {
      expect(zip.files, file).toContain(`dist/src/${file}`);
      expect(statSync(join(unpacked, "dist", "src", file)).size).toBe(
        statSync(join(projectRoot, "dist", "src", file)).size,
      );
    }
    expect(zip.files.filter((f) => /\.(ts|map)$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
    expect(zip.files).not.toContain("local.settings.json");
  });

  it("ships production dependencies only: every dependency, no dev or optional dependency", () => {
    const installed = new Set(
      zip.files
        .filter((f) => f.startsWith("node_modules/"))
        .map((f) => f.split("/"))
        .map((parts) => (parts[1]!.startsWith("@") ? `${parts[1]}/${parts[2]}` : parts[1]!)),
    );
    for (const dependency of Object.keys(packageJson.dependencies))
      expect(installed.has(dependency), dependency).toBe(true);
    // Dev-only packages, as npm's lock marks them ("dev": true): a devDependency that a production dependency also
    // needs (the page's @azure/msal-browser, which @azure/identity depends on too) is rightly shipped.
    const lock = JSON.parse(readFileSync(join(projectRoot, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean; optional?: boolean }>;
    };
    const devOnly = (name: string) => lock.packages[`node_modules/${name}`]?.dev === true;
    const notShipped = [
      ...Object.keys(packageJson.devDependencies).filter(devOnly),
      ...Object.keys(packageJson.optionalDependencies ?? {}),
    ];
    expect(notShipped.length).toBeGreaterThan(5);
    expect(notShipped.filter((name) => installed.has(name))).toEqual([]);
  });

  it("resolves every module from the unpacked package, not from the project", () => {
    expect(relative(projectRoot, unpacked).startsWith("..")).toBe(true);
    const require = createRequire(join(unpacked, "package.json"));
    for (const dependency of Object.keys(packageJson.dependencies)) {
      const resolved = realpathSync(require.resolve(dependency));
      expect(resolved.startsWith(unpacked + sep), `${dependency} → ${resolved}`).toBe(true);
    }
  });

  it("registers every function in src/functions", async () => {
    const response = await fetch(`${stack.devhost.url}/admin/functions`, {
      headers: { "x-functions-key": stack.devhost.keys.masterKey },
    });
    expect(response.status).toBe(200);
    const registered = ((await response.json()) as Array<{ name: string }>).map((f) => f.name).sort();
    const expected = expectedFunctionNames();
    expect(expected.length).toBeGreaterThanOrEqual(15);
    expect(registered).toEqual(expected);
  });

  it("gates an image end to end: skopeo push, webhook, scan, policy, released, pullable", async () => {
    const image = await buildOciImage(freshTempDir("package-img"));
    const pushed = await push(image.layoutRef, `${stack.acr.loginServer}/team/packaged-app:v1`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    const reference = `${stack.acr.loginServer}/team/packaged-app@${image.manifestDigest}`;
    const deadline = Date.now() + 90_000;
    let body: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      body = await stack.status(reference);
      if (["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(body.runtimeStatus, `${JSON.stringify(body).slice(0, 2000)}\n${stack.logs.slice(-30).join("\n")}`).toBe(
      "Completed",
    );
    expect((body.outcome as { result: string }).result).toBe("Passed");
    expect((body.timeline as Array<{ action: string }>).map((r) => r.action)).toContain("released");
    const pulled = await inspectRaw(`${stack.acr.loginServer}/team/packaged-app:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code, pulled.stderr).toBe(0);
  }, 120_000);
});

describe("the zip rules are gitignore rules", () => {
  const root = projectRoot;

  it("an unanchored `src/` would drop the compiled app (dist/src) too, which is why .funcignore anchors it", () => {
    const unanchored = azdZipEntries(root, { rules: "src/\nnode_modules/\n" });
    expect(unanchored.filter((f) => f.startsWith("dist/src/"))).toEqual([]);
    const anchored = azdZipEntries(root, { rules: "/src/\nnode_modules/\n" });
    expect(anchored.filter((f) => f.startsWith("dist/src/functions/")).length).toBeGreaterThan(10);
  });

  it("the project's own .funcignore keeps dist/src and host.json, and drops sources, tests and local tooling", () => {
    const rules = readFileSync(join(root, ".funcignore"), "utf8");
    const kept = azdZipEntries(root, { rules: `${rules}\n/node_modules/\n` });
    expect(kept).toContain("host.json");
    expect(kept.some((f) => f.startsWith("dist/src/functions/"))).toBe(true);
    expect(kept.filter((f) => /^(src|test|local|infra|dist\/local|dist\/bench)\//.test(f))).toEqual([]);
  });
});
