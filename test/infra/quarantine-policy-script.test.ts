/**
 * The deployment script that enables the quarantine policy (infra/modules/scripts/enable-quarantine-policy.sh), run
 * with bash against a stand-in `az` on PATH that records each call and plays a registry: one PATCH with exactly the
 * quarantinePolicy body; retried while the role is not effective yet; a failed read-back or a changed sibling policy
 * fails the script. (A unit test of one module: the stand-in replaces only the CLI.)
 */
import { execFile } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { freshTempDir, projectRoot } from "../support/paths.js";

const SCRIPT = join(projectRoot, "infra", "modules", "scripts", "enable-quarantine-policy.sh");
const REGISTRY_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/myacr";

/** A stand-in az: logs its arguments; behaviour from files in its folder (patch failures left, policy state). */
function fakeAz(
  folder: string,
  options: { patchFailures: number; siblingsAfter?: string; statusAfter?: string },
): void {
  writeFileSync(join(folder, "patch-failures"), String(options.patchFailures));
  writeFileSync(join(folder, "status"), "disabled");
  const siblingsBefore = '{"trust":{"status":"disabled","type":"Notary"},"retention":{"days":7,"status":"enabled"}}';
  writeFileSync(join(folder, "siblings"), siblingsBefore);
  const script = `#!/usr/bin/env bash
dir="${folder}"
printf '%s\\n' "$*" >> "$dir/calls"
method=""; query=""; body=""
while [ $# -gt 0 ]; do
  case "$1" in --method) method="$2"; shift;; --query) query="$2"; shift;; --body) body="$2"; shift;; esac
  shift
done
if [ "$method" = patch ]; then
  left=$(cat "$dir/patch-failures")
  if [ "$left" -gt 0 ]; then echo "$((left - 1))" > "$dir/patch-failures"; echo "AuthorizationFailed" >&2; exit 1; fi
  printf '%s' "$body" > "$dir/patch-body"
  echo "${options.statusAfter ?? "enabled"}" > "$dir/status"
  ${options.siblingsAfter ? `printf '%s' '${options.siblingsAfter}' > "$dir/siblings"` : ":"}
  exit 0
fi
case "$query" in
  *quarantinePolicy.status) cat "$dir/status";;
  *) cat "$dir/siblings";;
esac
`;
  writeFileSync(join(folder, "az"), script);
  chmodSync(join(folder, "az"), 0o755);
}

async function runScript(folder: string): Promise<{ code: number; stderr: string; output: string }> {
  const output = join(folder, "script-output.json");
  try {
    const result = await promisify(execFile)("bash", [SCRIPT], {
      env: {
        PATH: `${folder}:${process.env.PATH}`,
        REGISTRY_ID,
        ARM_ENDPOINT: "https://management.usgovcloudapi.net/",
        API_VERSION: "2025-04-01",
        RETRY_SECONDS: "0",
        AZ_SCRIPTS_OUTPUT_PATH: output,
      },
    });
    return { code: 0, stderr: result.stderr, output: readFileSync(output, "utf8") };
  } catch (error) {
    const failure = error as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr, output: "" };
  }
}

const calls = (folder: string): string[] => readFileSync(join(folder, "calls"), "utf8").trim().split("\n");

describe("enable-quarantine-policy.sh", () => {
  it("sends one PATCH of quarantinePolicy to the cloud's ARM endpoint, retrying while the role propagates", async () => {
    const folder = freshTempDir("az");
    fakeAz(folder, { patchFailures: 2 });
    const result = await runScript(folder);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.output)).toEqual({ quarantinePolicyStatus: "enabled" });
    expect(JSON.parse(readFileSync(join(folder, "patch-body"), "utf8"))).toEqual({
      properties: { policies: { quarantinePolicy: { status: "enabled" } } },
    });
    const patches = calls(folder).filter((c) => c.includes("--method patch"));
    expect(patches).toHaveLength(3); // two refused, one accepted
    expect(patches[2]).toContain(`--url https://management.usgovcloudapi.net${REGISTRY_ID}?api-version=2025-04-01`);
    expect(calls(folder).every((c) => c.startsWith("rest --method get") || c.startsWith("rest --method patch"))).toBe(
      true,
    );
  });

  it("fails when the registry does not report the policy enabled afterwards", async () => {
    const folder = freshTempDir("az");
    fakeAz(folder, { patchFailures: 0, statusAfter: "disabled" });
    const result = await runScript(folder);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("quarantinePolicy.status 'disabled'");
  });

  it("fails loudly, naming the values before, when a sibling policy changed with the PATCH", async () => {
    const folder = freshTempDir("az");
    fakeAz(folder, { patchFailures: 0, siblingsAfter: '{"trust":null,"retention":null}' });
    const result = await runScript(folder);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("other registry policies changed");
    expect(result.stderr).toContain('"retention":{"days":7,"status":"enabled"}');
  });

  it("refuses to start without its inputs", async () => {
    const folder = freshTempDir("az");
    fakeAz(folder, { patchFailures: 0 });
    const failure = await promisify(execFile)("bash", [SCRIPT], {
      env: { PATH: `${folder}:${process.env.PATH}` },
    }).then(
      () => undefined,
      (error: { stderr: string }) => error,
    );
    expect(failure?.stderr).toContain("REGISTRY_ID is required");
  });
});
