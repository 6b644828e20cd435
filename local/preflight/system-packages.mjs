#!/usr/bin/env node
// Checks the Debian packages a command needs before it runs: `npm start`, `npm test` and .ci/run call this first, so
// the README's two commands are all a newcomer types on a fresh Debian machine. As root with apt-get on PATH it installs
// what is missing; otherwise it prints the exact command and stops with exit code 1. Plain JavaScript with no
// dependencies, so it runs before `npm ci` and on any Node version.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** What each purpose needs: the command to look for and the Debian package that brings it. */
const NEEDS = {
  start: [
    { command: "docker-registry", pkg: "docker-registry", why: "the registry under the ACR emulator" },
    { command: "skopeo", pkg: "skopeo", why: "pushing images to the local registry" },
    { command: "openssl", pkg: "openssl", why: "the local stack's certificate authority" },
    { command: "curl", pkg: "curl", why: "the commands npm start and npm run image print" },
  ],
  test: [
    { command: "az", pkg: "azure-cli", why: "Microsoft's ACR client, the conformance oracle in test/conformance" },
    { command: "shellcheck", pkg: "shellcheck", why: "lints the azd hook scripts" },
    { command: "chromium", pkg: "chromium", why: "the approval page's browser tests (test/browser, playwright-core)" },
  ],
};

function onPath(command) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return result.status === 0;
}

const purposes = process.argv.slice(2);
if (purposes.length === 0 || purposes.some((p) => !(p in NEEDS))) {
  console.error(`usage: system-packages.mjs ${Object.keys(NEEDS).join("|")} [...]`);
  process.exit(2);
}
// `test` needs everything `start` needs: the tests run the whole stack.
const wanted = [...new Set(purposes.includes("test") ? ["start", ...purposes] : purposes)].flatMap((p) => NEEDS[p]);
const missing = wanted.filter((need) => !onPath(need.command));
if (missing.length === 0) process.exit(0);

const packages = [...new Set(missing.map((need) => need.pkg))];
const list = missing.map((need) => `  ${need.pkg} (${need.command}: ${need.why})`).join("\n");
const installArgs = ["install", "-y", "-qq", "--no-install-recommends", ...packages];
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (isRoot && onPath("apt-get")) {
  console.error(`Installing missing Debian packages:\n${list}`);
  if (run("apt-get", ["update", "-qq"]) && run("apt-get", installArgs)) {
    const still = missing.filter((need) => !onPath(need.command));
    if (still.length === 0) process.exit(0);
    console.error(`Installed, but still not on PATH: ${still.map((need) => need.command).join(", ")}`);
  } else {
    console.error("apt-get failed (see above).");
  }
  process.exit(1);
}
console.error(
  `Missing Debian packages:\n${list}\nInstall them, then run the command again:\n  sudo apt-get install -y ${packages.join(" ")}`,
);
process.exit(1);
