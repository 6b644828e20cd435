import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../stack/paths.js";

export interface LocalScanWorkerOptions {
  /** Azurite's connection string (the worker uses managed identity in Azure; locally, Azurite's account key). */
  connectionString: string;
  scanQueueName: string;
  mode: "loop" | "job";
  /** More worker settings (scanner-worker/config.ts), e.g. SCAN_TIMEOUT_SECONDS; they win over the defaults here. */
  env?: Record<string, string>;
  /** Receives each line the worker logs (JSON). */
  onLine?: (line: string) => void;
}

export interface LocalScanWorker {
  process: ChildProcess;
  /** Every line logged so far. */
  lines: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves at the first logged event of this name. */
  waitForEvent(event: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Asks the worker to stop (SIGTERM: Trivy is stopped, the request it held goes back to the queue) and waits. */
  stop(): Promise<void>;
}

/** The stand-in `trivy` executable, and the compiled worker it is used with. */
export function standInPaths(root = projectRoot(import.meta.dirname)): { trivy: string; worker: string } {
  return {
    trivy: join(root, "local", "trivy-standin", "trivy"),
    worker: join(root, "dist", "scanner-worker", "main.js"),
  };
}

/**
 * The scan worker as the local stack runs it: the compiled scanner-worker in its own process, as in Azure, reading
 * Azurite's scan queue and running the stand-in trivy. An IPC channel ties it to this process, so it stops when this
 * process goes away, however abruptly.
 */
export function startLocalScanWorker(options: LocalScanWorkerOptions): LocalScanWorker {
  const paths = standInPaths();
  if (!existsSync(paths.worker)) throw new Error(`${paths.worker} is missing: run npm run build`);
  const child = spawn(process.execPath, [paths.worker], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env: {
      ...process.env,
      SCAN_QUEUE_CONNECTION_STRING: options.connectionString,
      SCAN_QUEUE_NAME: options.scanQueueName,
      WORKER_MODE: options.mode,
      TRIVY_PATH: paths.trivy,
      TRIVY_STANDIN_NODE: process.execPath,
      ...options.env,
    },
  });
  const lines: string[] = [];
  const waiters: Array<{ event: string; resolve: (fields: Record<string, unknown>) => void }> = [];
  let buffered = "";
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const line of parts) {
      if (!line.trim()) continue;
      lines.push(line);
      options.onLine?.(line);
      let fields: Record<string, unknown> | undefined;
      try {
        fields = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      for (const waiter of waiters.filter((w) => w.event === fields.event)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(fields);
      }
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    process: child,
    lines,
    exited,
    waitForEvent(event, timeoutMs = 30_000) {
      const seen = lines.map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      });
      const already = seen.find((f) => f?.event === event);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the worker did not log ${event} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          event,
          resolve: (fields) => {
            clearTimeout(timer);
            resolve(fields);
          },
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
