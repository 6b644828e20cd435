import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writePrivateFile } from "../fs/private-files.js";

export interface SkopeoResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real skopeo binary. Never throws on a non-zero exit: tests assert on the result. */
export function skopeo(args: string[], timeoutMs = 120_000): Promise<SkopeoResult> {
  return new Promise((resolve) => {
    execFile(
      "skopeo",
      ["--insecure-policy", ...args],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export interface RegistryAccess {
  certDir: string;
  creds: string;
}

export function push(
  source: string,
  destination: string,
  access: RegistryAccess,
  options: { all?: boolean } = {},
): Promise<SkopeoResult> {
  return skopeo([
    "copy",
    ...(options.all ? ["--all"] : []),
    "--dest-cert-dir",
    access.certDir,
    "--dest-creds",
    access.creds,
    source,
    `docker://${destination}`,
  ]);
}

export function pull(source: string, destinationDir: string, access: RegistryAccess): Promise<SkopeoResult> {
  return skopeo([
    "copy",
    "--src-cert-dir",
    access.certDir,
    "--src-creds",
    access.creds,
    `docker://${source}`,
    `dir:${destinationDir}`,
  ]);
}

/** Fetches just the manifest, the cheapest real "pull" to test gating. */
export function inspectRaw(reference: string, access: RegistryAccess): Promise<SkopeoResult> {
  return skopeo(["inspect", "--raw", "--cert-dir", access.certDir, "--creds", access.creds, `docker://${reference}`]);
}

/**
 * Pushes with the credentials in an auth file instead of on the command line, where any user of the machine could
 * read them (/proc/<pid>/cmdline). The file is containers-auth.json(5) (containers/image docs/containers-auth.json.5.md:
 * `{"auths": {"<registry>": {"auth": base64("<username>:<password>")}}}`), written 0600 in a 0700 folder of its own
 * and removed afterwards.
 */
export async function pushWithAuthFile(
  source: string,
  destination: string,
  access: { certDir: string; registry: string; username: string; password: string },
): Promise<SkopeoResult> {
  const dir = mkdtempSync(join(tmpdir(), "aqg-auth-"));
  const authFile = join(dir, "auth.json");
  try {
    const auth = Buffer.from(`${access.username}:${access.password}`).toString("base64");
    writePrivateFile(authFile, JSON.stringify({ auths: { [access.registry]: { auth } } }));
    return await skopeo([
      "copy",
      "--dest-cert-dir",
      access.certDir,
      "--dest-authfile",
      authFile,
      source,
      `docker://${destination}`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
