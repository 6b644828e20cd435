import { WorkerConfigError } from "./errors.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Where the scan queue is: Azurite (a connection string, local only) or a storage account reached by identity. */
export type QueueLocation =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "identity"; serviceUrl: string; clientId: string | undefined };

export interface WorkerConfig {
  queue: QueueLocation;
  scanQueueName: string;
  poisonQueueName: string;
  /**
   * job: take up to maxMessages requests and exit when the queue is empty (one Container Apps Job execution);
   * loop: keep polling until stopped (the local stack).
   */
  mode: "job" | "loop";
  maxMessages: number;
  pollIntervalMs: number;
  /** Trivy's wall time; past it the worker kills Trivy and posts scanner-timeout. */
  scanTimeoutSeconds: number;
  /**
   * How long a received request stays invisible to other workers. Longer than a whole scan (Trivy plus callback), so
   * a live worker is never doubled; a worker that dies leaves the request to come back when it runs out.
   */
  visibilityTimeoutSeconds: number;
  /** A request handed out more often than this goes to the poison queue (and its scan is reported failed). */
  maxDequeueCount: number;
  trivy: { path: string; serverUrl: string | undefined; cacheDir: string | undefined };
  callback: { maxRetries: number; retryDelayMs: number; timeoutMs: number };
}

/** Seconds Trivy gets between SIGTERM and SIGKILL when it has to be stopped (trivy.ts). */
export const KILL_GRACE_SECONDS = 5;
/** Seconds allowed for the queue operations around a scan (poison record, delete). */
const QUEUE_OPERATIONS_SECONDS = 10;
/** The retry policy's cap on one back-off (callback.ts, maxRetryDelayInMs). */
export const MAX_RETRY_DELAY_MS = 30_000;

/**
 * The longest this worker can hold a request: Trivy to its timeout and kill, then up to two callback posts (a report
 * refused with 413 is followed by a failure), each with every retry timing out after its back-off, then the queue
 * operations. The visibility timeout must be at least this, or a second worker could take a request that is still
 * being handled.
 */
export function longestHoldSeconds(config: Pick<WorkerConfig, "scanTimeoutSeconds" | "callback">): number {
  return (
    config.scanTimeoutSeconds +
    KILL_GRACE_SECONDS +
    2 * Math.ceil(callbackBudgetMs(config.callback) / 1000) +
    QUEUE_OPERATIONS_SECONDS
  );
}

/**
 * The most one callback post may take, retries included: every attempt timing out, each back-off at its largest
 * (the retry policy waits retryDelay × 2^n, with jitter below that, capped at MAX_RETRY_DELAY_MS). The post is aborted
 * at this budget even when the gate asks for longer with Retry-After, so the bound holds.
 */
export function callbackBudgetMs(callback: WorkerConfig["callback"]): number {
  let backOffMs = 0;
  for (let retry = 0; retry < callback.maxRetries; retry += 1)
    backOffMs += Math.min(MAX_RETRY_DELAY_MS, callback.retryDelayMs * 2 ** retry);
  return callback.timeoutMs * (callback.maxRetries + 1) + backOffMs;
}

/** Azure Storage caps the visibility timeout at 7 days (Get Messages, visibilitytimeout parameter). */
const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;

/** Queue names: 3-63 lowercase letters, digits and single hyphens, starting and ending alphanumeric. */
const QUEUE_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim()))
    throw new WorkerConfigError(`${name} must be a whole number, not ${JSON.stringify(raw)}`);
  const value = Number(raw.trim());
  if (value < min || value > max)
    throw new WorkerConfigError(`${name} must be between ${min} and ${max}, not ${value}`);
  return value;
}

function queueName(env: Env, name: string, fallback: string): string {
  const value = env[name] || fallback;
  if (!QUEUE_NAME.test(value))
    throw new WorkerConfigError(`${name} ${JSON.stringify(value)} is not a valid queue name`);
  return value;
}

function httpsUrl(name: string, raw: string, allowLoopbackHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WorkerConfigError(`${name} is not a URL`);
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(allowLoopbackHttp && url.protocol === "http:" && loopback))
    throw new WorkerConfigError(`${name} must be https`);
  return url.href.replace(/\/$/, "");
}

function queueLocation(env: Env): QueueLocation {
  const connectionString = env.SCAN_QUEUE_CONNECTION_STRING;
  const accountName = env.SCAN_QUEUE_ACCOUNT_NAME;
  const serviceUri = env.SCAN_QUEUE_SERVICE_URI;
  if (connectionString && (accountName || serviceUri))
    throw new WorkerConfigError("set either SCAN_QUEUE_CONNECTION_STRING or SCAN_QUEUE_ACCOUNT_NAME, not both");
  if (connectionString) return { kind: "connectionString", connectionString };
  if (serviceUri)
    return {
      kind: "identity",
      serviceUrl: httpsUrl("SCAN_QUEUE_SERVICE_URI", serviceUri, false),
      clientId: env.AZURE_CLIENT_ID || undefined,
    };
  if (accountName) {
    if (!/^[a-z0-9]{3,24}$/.test(accountName))
      throw new WorkerConfigError(
        `SCAN_QUEUE_ACCOUNT_NAME ${JSON.stringify(accountName)} is not a storage account name`,
      );
    return {
      kind: "identity",
      serviceUrl: `https://${accountName}.queue.core.windows.net`,
      clientId: env.AZURE_CLIENT_ID || undefined,
    };
  }
  throw new WorkerConfigError(
    "the scan queue is not configured: set SCAN_QUEUE_ACCOUNT_NAME (managed identity) or SCAN_QUEUE_CONNECTION_STRING (Azurite)",
  );
}

/** Reads every setting once, with clear errors; nothing else in the worker reads the environment. */
export function readWorkerConfig(env: Env = process.env): WorkerConfig {
  const scanQueueName = queueName(env, "SCAN_QUEUE_NAME", "scan-requests");
  const poisonQueueName = queueName(env, "SCAN_POISON_QUEUE_NAME", `${scanQueueName}-poison`);
  if (poisonQueueName === scanQueueName)
    throw new WorkerConfigError("SCAN_POISON_QUEUE_NAME must differ from SCAN_QUEUE_NAME");
  const mode = env.WORKER_MODE || "job";
  if (mode !== "job" && mode !== "loop") throw new WorkerConfigError(`WORKER_MODE must be job or loop, not ${mode}`);
  const scanTimeoutSeconds = integer(env, "SCAN_TIMEOUT_SECONDS", 600, 1, 24 * 3600);
  const callback = {
    maxRetries: integer(env, "CALLBACK_MAX_RETRIES", 3, 0, 10),
    retryDelayMs: integer(env, "CALLBACK_RETRY_DELAY_MS", 1000, 1, 60_000),
    timeoutMs: integer(env, "CALLBACK_TIMEOUT_MS", 60_000, 1000, 600_000),
  };
  const hold = longestHoldSeconds({ scanTimeoutSeconds, callback });
  const visibilityTimeoutSeconds = integer(env, "VISIBILITY_TIMEOUT_SECONDS", hold, 1, MAX_VISIBILITY_SECONDS);
  if (visibilityTimeoutSeconds < hold)
    throw new WorkerConfigError(
      `VISIBILITY_TIMEOUT_SECONDS (${visibilityTimeoutSeconds}) must be at least ${hold}, the longest this worker can ` +
        "hold a request (scan timeout, kill grace, callback timeouts and retries), or a second worker could take a " +
        "request that is still being handled",
    );
  const serverUrl = env.TRIVY_SERVER_URL ? httpsUrl("TRIVY_SERVER_URL", env.TRIVY_SERVER_URL, true) : undefined;
  return {
    queue: queueLocation(env),
    scanQueueName,
    poisonQueueName,
    mode,
    maxMessages: integer(env, "MAX_MESSAGES_PER_EXECUTION", 1, 1, 1000),
    pollIntervalMs: integer(env, "POLL_INTERVAL_MS", 1000, 10, 60_000),
    scanTimeoutSeconds,
    visibilityTimeoutSeconds,
    maxDequeueCount: integer(env, "MAX_DEQUEUE_COUNT", 5, 1, 100),
    trivy: { path: env.TRIVY_PATH || "trivy", serverUrl, cacheDir: env.TRIVY_CACHE_DIR || undefined },
    callback,
  };
}
