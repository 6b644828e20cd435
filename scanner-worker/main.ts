import { CallbackClient } from "./callback.js";
import { readWorkerConfig } from "./config.js";
import { jsonLogger } from "./log.js";
import { queueClient, storageQueues } from "./queues.js";
import { runWorker } from "./worker.js";

/**
 * The scan worker's entry point: one Container Apps Job execution (WORKER_MODE=job, the default) or a long-running
 * consumer for the local stack (WORKER_MODE=loop). Settings: scanner-worker/README.md.
 */
async function main(): Promise<number> {
  let config;
  try {
    config = readWorkerConfig();
  } catch (error) {
    jsonLogger("error", "worker-config-invalid", { error: (error as Error).message });
    return 2;
  }
  const scan = queueClient(config.queue, config.scanQueueName);
  const poison = queueClient(config.queue, config.poisonQueueName);
  // Azurite starts empty. In Azure both queues come from the deployment, and the worker's roles (Message Processor,
  // Message Sender) do not include creating queues.
  if (config.queue.kind === "connectionString") {
    await scan.createIfNotExists();
    await poison.createIfNotExists();
  }
  const controller = new AbortController();
  const stop = (why: string) => {
    if (controller.signal.aborted) return;
    jsonLogger("warn", "worker-stopping", { why });
    controller.abort();
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  // Started by the local stack with an IPC channel: when that parent goes away, so does the worker.
  if (process.send) process.once("disconnect", () => stop("parent process gone"));

  const run = await runWorker({
    config,
    queues: storageQueues(scan, poison),
    callback: new CallbackClient(config.callback),
    log: jsonLogger,
    signal: controller.signal,
  });
  jsonLogger("info", "worker-done", { handled: run.handled.length, outcomes: run.handled.join(",") || "none" });
  return run.exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
    if (process.connected) process.disconnect();
  },
  (error: Error) => {
    jsonLogger("error", "worker-crashed", { error: error.message });
    process.exitCode = 1;
    if (process.connected) process.disconnect();
  },
);
