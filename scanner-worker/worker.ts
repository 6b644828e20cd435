import { setTimeout as sleep } from "node:timers/promises";
import type { CallbackClient } from "./callback.js";
import type { WorkerConfig } from "./config.js";
import { handleRequest, type HandledOutcome, type HandlerDependencies } from "./handle-request.js";
import type { Logger } from "./log.js";
import type { WorkerQueues } from "./queues.js";

export interface WorkerDependencies {
  config: WorkerConfig;
  queues: WorkerQueues;
  callback: CallbackClient;
  log: Logger;
  /** Aborted when the worker must stop (SIGTERM, the parent process gone): Trivy is stopped, nothing is deleted. */
  signal?: AbortSignal;
  runScanner?: HandlerDependencies["runScanner"];
}

export interface WorkerRun {
  handled: HandledOutcome[];
  /** 0 when every request taken was settled (or released because the worker was told to stop); 1 otherwise. */
  exitCode: 0 | 1;
}

/**
 * Takes requests off the scan queue and handles them one at a time. In job mode (one Container Apps Job execution)
 * it stops after `maxMessages` requests or as soon as the queue has none visible; in loop mode (the local stack) it
 * polls until stopped. An error of the queue itself ends a job execution with exit code 1 (the execution shows as
 * failed, and the request comes back when its visibility runs out); in loop mode it is logged and polling goes on.
 */
export async function runWorker(deps: WorkerDependencies): Promise<WorkerRun> {
  const { config, signal } = deps;
  const handled: HandledOutcome[] = [];
  let failed = false;
  const handler: HandlerDependencies = {
    config,
    queues: deps.queues,
    callback: deps.callback,
    log: deps.log,
    ...(deps.runScanner ? { runScanner: deps.runScanner } : {}),
  };
  while (!signal?.aborted) {
    if (config.mode === "job" && handled.length >= config.maxMessages) break;
    try {
      const received = await deps.queues.receive(config.visibilityTimeoutSeconds);
      if (!received) {
        if (config.mode === "job") break;
        await sleep(config.pollIntervalMs, undefined, signal ? { signal } : {}).catch(() => undefined);
        continue;
      }
      const outcome = await handleRequest(handler, received, signal);
      handled.push(outcome);
      if (outcome === "retry-later") failed = true;
    } catch (error) {
      failed = true;
      deps.log("error", "worker-error", { error: (error as Error).message, code: (error as { code?: string }).code });
      if (config.mode === "job") break;
      await sleep(config.pollIntervalMs, undefined, signal ? { signal } : {}).catch(() => undefined);
    }
  }
  return { handled, exitCode: failed ? 1 : 0 };
}
