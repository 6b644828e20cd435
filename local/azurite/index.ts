import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

/** The well-known development account every Azurite instance accepts (public, documented by Microsoft). */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  /** Folder for Azurite's data (created if missing). Data survives restarts unless `inMemory` is set. */
  location: string;
  /** Loopback address to listen on; defaults to 127.0.0.1. */
  host?: string;
  /** Fixed ports; 0 (the default) picks a free port for each service. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** Keep everything in memory (nothing written under `location`). */
  inMemory?: boolean;
  /** How long to wait for all three services to listen; defaults to 30 s. */
  startTimeoutMs?: number;
  /** Receives Azurite's own console lines (start/stop messages, errors); defaults to dropping them. */
  onOutput?: (line: string) => void;
}

export interface RunningAzurite {
  connectionString: string;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  accountName: string;
  accountKey: string;
  pid: number;
  /** Stops Azurite gracefully (it flushes its database files), killing it if it does not exit in time. */
  close(): Promise<void>;
}

/**
 * Runs Azurite's CLI inside a small wrapper process that shuts Azurite down when the IPC channel to its parent closes:
 * that happens on close() and also when the parent dies abruptly (even by SIGKILL), so no Azurite is ever orphaned.
 */
const WRAPPER = [
  "const [script, ...args] = process.argv.slice(1);",
  "process.argv = [process.argv[0], script, ...args];",
  "process.once('disconnect', () => { setTimeout(() => process.exit(0), 10000).unref(); process.kill(process.pid, 'SIGTERM'); });",
  "require(script);",
].join("\n");

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (https?):\/\/([^:\s]+):(\d+)/;

export async function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
  const host = options.host ?? "127.0.0.1";
  const location = resolve(options.location);
  mkdirSync(location, { recursive: true });
  const script = createRequire(import.meta.url).resolve("azurite/dist/src/azurite.js");
  const args = [
    "--silent",
    "--disableTelemetry",
    "--skipApiVersionCheck",
    "--location",
    location,
    "--blobHost",
    host,
    "--blobPort",
    String(options.blobPort ?? 0),
    "--queueHost",
    host,
    "--queuePort",
    String(options.queuePort ?? 0),
    "--tableHost",
    host,
    "--tablePort",
    String(options.tablePort ?? 0),
    ...(options.inMemory ? ["--inMemoryPersistence"] : []),
  ];
  // AZURITE_DB would move blob metadata to an external SQL database; this stack always uses local files.
  const env = { ...process.env };
  delete env.AZURITE_DB;
  const child = spawn(process.execPath, ["-e", WRAPPER, script, ...args], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env,
  });
  const ports = await waitForPorts(child, options.startTimeoutMs ?? 30_000, options.onOutput);
  const blobEndpoint = `http://${host}:${ports.blob}/${AZURITE_ACCOUNT_NAME}`;
  const queueEndpoint = `http://${host}:${ports.queue}/${AZURITE_ACCOUNT_NAME}`;
  const tableEndpoint = `http://${host}:${ports.table}/${AZURITE_ACCOUNT_NAME}`;
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};` +
      `BlobEndpoint=${blobEndpoint};QueueEndpoint=${queueEndpoint};TableEndpoint=${tableEndpoint};`,
    blobEndpoint,
    queueEndpoint,
    tableEndpoint,
    blobPort: ports.blob,
    queuePort: ports.queue,
    tablePort: ports.table,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    pid: child.pid ?? -1,
    close: () => stop(child),
  };
}

function waitForPorts(
  child: ChildProcess,
  timeoutMs: number,
  onOutput: ((line: string) => void) | undefined,
): Promise<{ blob: number; queue: number; table: number }> {
  return new Promise((resolvePorts, reject) => {
    const ports: Record<string, number> = {};
    const recent: string[] = [];
    let buffered = "";
    const onLine = (line: string): void => {
      onOutput?.(line);
      recent.push(line);
      if (recent.length > 20) recent.shift();
      const match = LISTENING.exec(line);
      if (!match) return;
      ports[match[1]!.toLowerCase()] = Number(match[4]);
      if (ports.blob && ports.queue && ports.table) {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolvePorts({ blob: ports.blob, queue: ports.queue, table: ports.table });
      }
    };
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split(/\r?\n/);
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) onLine(line);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited before listening (code ${code}, signal ${signal}): ${recent.join(" | ")}`));
    };
    child.once("exit", onExit);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`Azurite could not be started: ${error.message}`));
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`Azurite did not listen within ${timeoutMs} ms: ${recent.join(" | ")}`));
    }, timeoutMs);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  if (child.connected) child.disconnect();
  else child.kill("SIGTERM");
  const killTimer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(killTimer);
}
