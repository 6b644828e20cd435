import { execFile } from "node:child_process";

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
