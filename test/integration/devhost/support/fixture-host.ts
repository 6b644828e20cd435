import { startDevHost, type DevHost, type LogEntry } from "../../../../local/devhost/index.js";

export interface FixtureSettings {
  taskHub: string;
  logFile?: string;
  extra?: Record<string, string>;
}

/** Settings the fixture app needs, plus a fresh task hub per test file so runs never see each other's instances. */
export function fixtureSettings(options: FixtureSettings): Record<string, string> {
  return {
    FIXTURE_TASK_HUB: options.taskHub,
    FIXTURE_TICK_SCHEDULE: "0 0 0 1 1 *",
    ...(options.logFile ? { FIXTURE_LOG_FILE: options.logFile } : {}),
    ...options.extra,
  };
}

export async function startFixtureHost(
  appRoot: string,
  storage: string,
  settings: Record<string, string>,
): Promise<{ host: DevHost; logs: LogEntry[] }> {
  const logs: LogEntry[] = [];
  const host = await startDevHost({
    appRoot,
    port: 0,
    storageConnectionString: storage,
    settings,
    logSinks: [(entry) => logs.push(entry)],
  });
  return { host, logs };
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes; the last error explains a timeout. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`);
}

export function uniqueHubName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, 40);
}
