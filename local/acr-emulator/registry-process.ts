import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ensurePrivateDir, withPrivateUmask, writePrivateFile } from "../fs/private-files.js";

export interface BackendRegistry {
  /** http://127.0.0.1:port — loopback only, never exposed. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * Starts the CNCF reference registry (Debian's `docker-registry`) as a child process with its own config and data
 * folder, bound to loopback. Relative URLs keep its upload `Location` headers valid behind the emulator.
 */
export async function startBackendRegistry(
  dataDir: string,
  binary = process.env.DOCKER_REGISTRY_BIN ?? "docker-registry",
  /** Serve TLS itself (benchmarks compare against a registry deployed the way ACR is reached: over HTTPS). */
  tls?: { certPath: string; keyPath: string },
): Promise<BackendRegistry> {
  const storage = join(dataDir, "blobs");
  ensurePrivateDir(dataDir);
  mkdirSync(storage, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const configPath = join(dataDir, "docker-registry.yml");
  // Holds docker-registry's http.secret (it signs upload state): private like every secret of the stack.
  writePrivateFile(
    configPath,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${JSON.stringify(storage)}`,
      "  delete:",
      "    enabled: true",
      "  maintenance:",
      "    uploadpurging:",
      "      enabled: false",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "  relativeurls: true",
      ...(tls
        ? ["  tls:", `    certificate: ${JSON.stringify(tls.certPath)}`, `    key: ${JSON.stringify(tls.keyPath)}`]
        : []),
      `  secret: ${randomBytes(16).toString("hex")}`,
      "health:",
      "  storagedriver:",
      "    enabled: false",
      "",
    ].join("\n"),
  );
  // Spawned under umask 077: the blobs and upload state it writes are private from the start.
  const child = await withPrivateUmask(async () =>
    spawn(binary, ["serve", configPath], { stdio: ["ignore", "ignore", "pipe"] }),
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.once("error", (error) => {
    stderr += `\n${error.message}`;
  });
  const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  await waitUntilReady(url, child, () => stderr);
  return { url, port, stop: () => stopChild(child, exited) };
}

async function waitUntilReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`docker-registry exited during start-up (${child.exitCode ?? child.signalCode}): ${stderr()}`);
    }
    try {
      const response = await fetch(`${url}/v2/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`docker-registry did not answer on ${url} within 15 s: ${stderr()}`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
