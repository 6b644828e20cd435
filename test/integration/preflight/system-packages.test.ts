import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../../local/stack/paths.js";

const script = join(projectRoot(), "local", "preflight", "system-packages.mjs");
// A PATH holding only node: every system package looks missing and apt-get is not there to install them.
const bare = mkdtempSync(join(tmpdir(), "preflight-"));
symlinkSync(process.execPath, join(bare, "node"));
afterAll(() => rmSync(bare, { recursive: true, force: true }));

function preflight(args: string[], path: string) {
  return spawnSync(process.execPath, [script, ...args], { env: { PATH: path }, encoding: "utf8" });
}

describe("system package preflight (npm start / npm test / .ci/run)", () => {
  it("without apt-get, names every missing package and prints the exact install command, exit 1", () => {
    const result = preflight(["test"], bare);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("sudo apt-get install -y docker-registry skopeo openssl curl azure-cli shellcheck");
    expect(result.stderr).toContain("docker-registry (docker-registry: the registry under the ACR emulator)");
  });

  it("start needs only what the stack runs", () => {
    const result = preflight(["start"], bare);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("sudo apt-get install -y docker-registry skopeo openssl curl\n");
    expect(result.stderr).not.toContain("azure-cli");
  });

  it("passes silently when everything is on PATH (this machine, after .ci/run's own preflight)", () => {
    const result = preflight(["test"], process.env.PATH ?? "");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("refuses an unknown purpose with a usage line", () => {
    const result = preflight(["deploy"], bare);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("usage:");
  });
});
