/**
 * The local stack of local/stack/compose.ts (identity endpoint, ACR emulator over docker-registry, Azurite, Harbor
 * scanner emulator, devhost), but with the devhost running the app from another folder: the unpacked deployment
 * package. The devhost runs as its own plain Node process through its command-line entry (dist/local/devhost/main.js),
 * so the app's modules load with Node's own resolution from the package's node_modules, as on the Functions host, and
 * not through the test runner's module loader. Only the devhost's and the stack's top-level entry points are used.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startAcrEmulator, type AcrEmulator } from "../../../local/acr-emulator/server.js";
import { startAzurite, type RunningAzurite } from "../../../local/azurite/index.js";
import { startIdentityServer, type IdentityServer } from "../../../local/identity/server.js";
import { startScannerEmulator, type ScannerEmulator } from "../../../local/scanner-emulator/server.js";
import { reportFor } from "../../../local/stack/advisories.js";
import { appSettings, pointWebhookAt } from "../../../local/stack/compose.js";
import { registryCredentials } from "../../../local/stack/credentials.js";
import {
  APP_IDENTITY,
  CONSUMER_IDENTITY,
  DEMO_CREDENTIALS,
  DEVELOPER_IDENTITY,
  STACK_PRINCIPALS,
} from "../../../local/stack/defaults.js";
import { freshTempDir, localStateRoot, projectRoot } from "../../support/paths.js";

/** What the devhost CLI reports on its DEVHOST_READY line. */
export interface DevHostProcess {
  url: string;
  port: number;
  keys: { functionKey: string; masterKey: string; durableSystemKey: string };
  taskHub: string;
  process: ChildProcess;
}

/** A free loopback port, so that the status links can name the devhost before it starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startDevHostProcess(
  appRoot: string,
  storage: string,
  settings: Record<string, string>,
  logs: string[],
): Promise<DevHostProcess> {
  const port = await freePort();
  const args = [
    join(projectRoot, "dist", "local", "devhost", "main.js"),
    "--app-root",
    appRoot,
    "--port",
    String(port),
  ];
  for (const [name, value] of Object.entries({ ...settings, STATUS_BASE_URL: `http://127.0.0.1:${port}/api` }))
    args.push("--setting", `${name}=${value}`);
  const { NODE_PATH: _ignored, ...environment } = process.env;
  const child = spawn(process.execPath, args, {
    cwd: appRoot,
    env: { ...environment, DEVHOST_STORAGE_CONNECTION_STRING: storage },
    stdio: ["ignore", "pipe", "pipe"],
  });
  createInterface({ input: child.stderr! }).on("line", (line) => logs.push(line));
  return new Promise<DevHostProcess>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`devhost did not start:\n${logs.slice(-40).join("\n")}`)), 120_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`devhost exited with ${code}:\n${logs.slice(-40).join("\n")}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      logs.push(line);
      if (!line.startsWith("DEVHOST_READY ")) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({
        ...(JSON.parse(line.slice("DEVHOST_READY ".length)) as Omit<DevHostProcess, "process">),
        process: child,
      });
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

export interface PackageStack {
  identity: IdentityServer;
  acr: AcrEmulator;
  azurite: RunningAzurite;
  scanner: ScannerEmulator;
  devhost: DevHostProcess;
  /** The devhost process's output, for diagnostics. */
  logs: string[];
  pushCreds: string;
  pullCreds(): Promise<string>;
  status(reference: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startPackageStack(appRoot: string): Promise<PackageStack> {
  const stateDir = freshTempDir("package-stack");
  const caDir = localStateRoot("tls");
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const step of stoppers.reverse())
      await step().catch((error: Error) => console.error(`stopping: ${error.message}`));
  };
  try {
    const identity = await startIdentityServer({
      port: 0,
      stateDir: join(stateDir, "identity"),
      config: { userAssigned: [APP_IDENTITY, DEVELOPER_IDENTITY, CONSUMER_IDENTITY], users: [] },
    });
    stoppers.push(() => identity.close());
    const acr = await startAcrEmulator({
      dataDir: join(stateDir, "acr"),
      caDir,
      identity: { jwksUri: identity.jwksUri, issuer: identity.issuer },
      port: 0,
      adminPort: 0,
      principals: STACK_PRINCIPALS,
      settings: { quarantinePolicy: "enabled" },
    });
    stoppers.push(() => acr.stop());
    const azurite = await startAzurite({ location: join(stateDir, "azurite") });
    stoppers.push(() => azurite.close());
    const scanner = await startScannerEmulator({ caDir, port: 0, reportFor, pendingPolls: 1, refreshAfterSeconds: 1 });
    stoppers.push(() => scanner.stop());
    const logs: string[] = [];
    const devhost = await startDevHostProcess(
      appRoot,
      azurite.connectionString,
      // No sweep firing on its own in the middle of the test.
      // The Harbor path: this stack starts no scan worker (the queue path and its worker are tested in test/scanner-worker).
      { ...appSettings({ identity, acr, scanner }), SCANNER_KIND: "harbor", SWEEP_SCHEDULE: "0 0 0 1 1 *" },
      logs,
    );
    stoppers.push(() => stopProcess(devhost.process));
    await pointWebhookAt(acr, devhost.url, devhost.keys.functionKey);
    return {
      identity,
      acr,
      azurite,
      scanner,
      devhost,
      logs,
      pushCreds: `${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password}`,
      pullCreds: () => registryCredentials(identity, acr, CONSUMER_IDENTITY.clientId),
      async status(reference) {
        const response = await fetch(`${devhost.url}/api/images/status?image=${encodeURIComponent(reference)}`, {
          headers: { "x-functions-key": devhost.keys.functionKey },
        });
        return (await response.json()) as Record<string, unknown>;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
