import { execFile, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freshTempDir } from "../../support/paths.js";

export interface AzResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Microsoft's own client, azure-cli (Debian package `azure-cli`, 2.45 here), as the oracle for the emulator. Without it
 * these tests must fail, never pass silently: `.ci/run` installs the package.
 */
export function requireAz(): string {
  const probe = spawnSync("az", ["version", "--output", "json"], { encoding: "utf8", timeout: 60_000 });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      "azure-cli (`az`) is not installed or does not run: the conformance tests use Microsoft's own client as the " +
        "oracle and cannot pass without it. Install the Debian package `azure-cli` (apt-get install azure-cli); " +
        `.ci/run installs it. (${probe.error?.message ?? probe.stderr.slice(0, 300)})`,
    );
  }
  return (JSON.parse(probe.stdout) as Record<string, string>)["azure-cli"] ?? "unknown";
}

export interface AzCloudOptions {
  /** The emulator's HTTPS port: ARM surface at https://localhost:<port>/, login servers "<name>:<port>". */
  port: number;
  /** The local stack's CA, for REQUESTS_CA_BUNDLE (az uses python-requests). */
  caCertPath: string;
  /** Extra environment, e.g. MSI_ENDPOINT for `az login --identity`. */
  env?: Record<string, string>;
}

/**
 * One az configuration of its own (AZURE_CONFIG_DIR in a temporary folder) with a custom cloud registered and active:
 * its resource manager is the emulator's ARM surface and its ACR login-server suffix is ":<port>". azure-cli builds a
 * login server as `<registry name><suffix>` when it cannot look the registry up in ARM (acr/_docker_utils.py
 * _get_credentials), so registry name "localhost" gives "localhost:<port>", which resolves to loopback with no hosts
 * entry (glibc does not resolve *.localhost names here).
 */
export class AzCli {
  readonly configDir = freshTempDir("az");
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: AzCloudOptions) {
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AZURE_CONFIG_DIR: this.configDir,
      REQUESTS_CA_BUNDLE: options.caCertPath,
      AZURE_CORE_COLLECT_TELEMETRY: "false",
      AZURE_CORE_NO_COLOR: "true",
      AZURE_CORE_ONLY_SHOW_ERRORS: "true",
      ...options.env,
    };
  }

  /** The registry name whose login server is the emulator's, through the cloud's suffix. */
  static readonly REGISTRY_NAME = "localhost";

  async useEmulatorCloud(): Promise<void> {
    const base = `https://localhost:${this.options.port}/`;
    const register = await this.run([
      "cloud",
      "register",
      "--name",
      "AcrEmulator",
      "--endpoint-resource-manager",
      base,
      "--suffix-acr-login-server-endpoint",
      `:${this.options.port}`,
      // Given explicitly, so az does not ask the ARM surface for /metadata/endpoints.
      "--endpoint-active-directory",
      "https://login.invalid",
      "--endpoint-active-directory-resource-id",
      "https://management.core.windows.net/",
      "--endpoint-active-directory-graph-resource-id",
      "https://graph.invalid/",
    ]);
    if (register.code !== 0) throw new Error(`az cloud register failed: ${register.stderr}`);
    const set = await this.run(["cloud", "set", "--name", "AcrEmulator"]);
    if (set.code !== 0) throw new Error(`az cloud set failed: ${set.stderr}`);
  }

  /** A secret for `--password @file`, so it never appears on a command line. */
  secretFile(name: string, value: string): string {
    const path = join(this.configDir, `${name}.secret`);
    writeFileSync(path, value, { mode: 0o600 });
    return `@${path}`;
  }

  run(args: readonly string[], timeoutMs = 120_000): Promise<AzResult> {
    return new Promise((resolve) => {
      execFile(
        "az",
        [...args],
        { env: this.env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });
  }

  /** Runs a command with `--output json` and parses its answer; a non-zero exit is an error naming the command. */
  async json<T = unknown>(args: readonly string[]): Promise<T> {
    const result = await this.run([...args, "--output", "json"]);
    if (result.code !== 0) throw new Error(`az ${args.slice(0, 3).join(" ")} exited ${result.code}: ${result.stderr}`);
    return (result.stdout.trim() ? JSON.parse(result.stdout) : null) as T;
  }
}
