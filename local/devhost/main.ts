import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startDevHost } from "./index.js";

/**
 * Command line entry: `node dist/local/devhost/main.js --app-root . --storage "<connection string>" [--port 7071]
 * [--host 127.0.0.1] [--host-json file] [--setting KEY=VALUE …]`. Prints one line `DEVHOST_READY {json}` (url, port,
 * keys, task hub) once it serves, and shuts down cleanly on SIGINT/SIGTERM. DEVHOST_ADJUSTABLE_CLOCK=1 in the
 * environment gives it a clock that tests can move forward (`POST /admin/host/clock`; see docs/local-stack.md).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "app-root": { type: "string", default: "." },
      storage: { type: "string" },
      port: { type: "string", default: "7071" },
      host: { type: "string", default: "127.0.0.1" },
      "host-json": { type: "string" },
      setting: { type: "string", multiple: true, default: [] },
    },
    strict: true,
  });
  const storage = values.storage ?? process.env.DEVHOST_STORAGE_CONNECTION_STRING;
  if (!storage)
    throw new Error("Give the storage connection string with --storage or DEVHOST_STORAGE_CONNECTION_STRING.");
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number (got ${values.port}).`);
  const settings: Record<string, string> = {};
  for (const pair of values.setting ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new Error(`--setting expects KEY=VALUE (got "${pair}").`);
    settings[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const host = await startDevHost({
    appRoot: resolve(values["app-root"]!),
    storageConnectionString: storage,
    port,
    host: values.host,
    hostJsonPath: values["host-json"],
    settings,
  });
  console.log(
    `DEVHOST_READY ${JSON.stringify({ url: host.url, port: host.port, keys: host.keys, taskHub: host.taskHub })}`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`[devhost] ${signal}: shutting down`);
    host.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`[devhost] shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  // Like the Node worker, an unhandled rejection in app code is reported, not fatal to every other function.
  process.on("unhandledRejection", (reason) => {
    console.error(`[devhost] Unhandled promise rejection: ${(reason as Error)?.stack ?? String(reason)}`);
  });
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`[devhost] ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
