import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { currentProgrammingModel } from "./app/core-api.js";
import { loadApp } from "./app/load-app.js";
import { readHostConfig, type HostConfig } from "./config/host-json.js";
import { applySettings } from "./config/settings.js";
import { durableClientBindingData } from "./durable/client/binding.js";
import { DurableHttpApi } from "./durable/client/http-api.js";
import { OrchestrationService } from "./durable/runtime/orchestration-service.js";
import { DurableStore } from "./durable/store/table-store.js";
import { AdminApi } from "./http/admin-api.js";
import { resolveKeys, type HostKeys } from "./http/auth-keys.js";
import { HttpFunctionDispatcher } from "./http/function-dispatch.js";
import { startHostServer, type HostArea } from "./http/host-server.js";
import { RouteTable } from "./http/route-table.js";
import { executeHooks, readOnlyHookContext } from "./invoke/hooks.js";
import { Invoker } from "./invoke/invoker.js";
import { consoleSink, HostLogger, parseLogLevel, type LogSink } from "./invoke/logger.js";
import { ScheduleStatusStore } from "./timers/schedule-status-store.js";
import { TimerScheduler } from "./timers/timer-scheduler.js";
import { adjustableClockFromEnv, HostClock } from "./util/host-clock.js";
import { Semaphore } from "./util/semaphore.js";

export type { LogEntry, LogSink } from "./invoke/logger.js";
export type { HostKeys } from "./http/auth-keys.js";

export interface DevHostOptions {
  /** The app folder: holds package.json (with `main`), host.json and optionally local.settings.json. */
  appRoot: string;
  /** Port to listen on; 0 picks a free one. Defaults to 7071, like Core Tools. */
  port?: number;
  /** Address to listen on; defaults to 127.0.0.1 (loopback only). */
  host?: string;
  /** App settings that win over local.settings.json and the environment. */
  settings?: Record<string, string>;
  /** Storage for durable state and timer status (e.g. Azurite's connection string); also becomes AzureWebJobsStorage unless `settings` says otherwise. */
  storageConnectionString: string;
  /** Defaults to `<appRoot>/host.json`. */
  hostJsonPath?: string;
  /** Where log lines go; defaults to the console. */
  logSinks?: LogSink[];
  /**
   * Test use only: a host clock that `POST /admin/host/clock` can move forward (durable timers, orchestration time,
   * timer triggers). Defaults to the process environment's DEVHOST_ADJUSTABLE_CLOCK (off when unset).
   */
  adjustableClock?: boolean;
}

export interface DevHost {
  url: string;
  port: number;
  keys: HostKeys;
  taskHub: string;
  functions: { name: string; kind: string }[];
  /** Whether the host clock can be moved forward (`POST /admin/host/clock`). */
  adjustableClock: boolean;
  close(): Promise<void>;
}

/**
 * Starts the local Functions + Durable host for a compiled v4-model app: loads its registrations, serves HTTP triggers
 * under the route prefix, runs timer triggers, and runs orchestrations with their state in Table Storage under the task
 * hub name. Instances that were active when a previous host stopped (even by SIGKILL) resume from their history.
 */
export async function startDevHost(options: DevHostOptions): Promise<DevHost> {
  const appRoot = resolve(options.appRoot);
  // Read before the app's settings go into process.env: a setting of the app must not be able to turn it on.
  const clock = new HostClock({ adjustable: options.adjustableClock ?? adjustableClockFromEnv(process.env) });
  applySettings(appRoot, { AzureWebJobsStorage: options.storageConnectionString, ...options.settings });
  process.env.FUNCTIONS_WORKER_RUNTIME ??= "node";
  const config: HostConfig = readHostConfig(options.hostJsonPath ?? join(appRoot, "host.json"));
  const logger = new HostLogger(parseLogLevel(config.logLevel), options.logSinks ?? [consoleSink]);
  if (clock.adjustable)
    logger.warn("Host", "The host clock is adjustable (POST /admin/host/clock): for tests only, never for real work.");
  const keys = resolveKeys();
  const hostId =
    process.env.AzureFunctionsWebHost__hostid ||
    `devhost-${createHash("sha256").update(appRoot).digest("hex").slice(0, 16)}`;

  const { registry } = await loadApp(appRoot, (level, _category, message) => logger.log(level, "Host.Worker", message));
  const model = currentProgrammingModel();
  const capabilities = (await model.getCapabilities?.({})) ?? {};
  if (capabilities.HttpUri) {
    throw new Error(
      "The app enables HTTP streaming (app.setup({ enableHttpStream: true })), which the devhost does not support.",
    );
  }
  const appHookData: Record<string, unknown> = {};
  await executeHooks(
    registry.hooks("appStart"),
    readOnlyHookContext({ hookData: {}, appHookData }, { functionAppDirectory: appRoot }),
  );

  const invoker = new Invoker(registry, logger, appHookData);
  const routes = new RouteTable(registry.ofKind("http"));
  const store = await DurableStore.open(options.storageConnectionString, config.hubName).catch((error: unknown) => {
    throw new Error(
      `Cannot open the task hub "${config.hubName}" in Table Storage (is Azurite running?): ${(error as Error).message}`,
    );
  });
  const durable = new OrchestrationService({
    store,
    invoker,
    registry,
    logger,
    maxConcurrentActivityFunctions: config.maxConcurrentActivityFunctions,
    maxConcurrentOrchestratorFunctions: config.maxConcurrentOrchestratorFunctions,
    clock,
  });
  const timers = new TimerScheduler(
    registry.ofKind("timer"),
    invoker,
    new ScheduleStatusStore(options.storageConnectionString, hostId),
    logger,
    clock,
  );
  const functionsArea = new HttpFunctionDispatcher({
    routes,
    routePrefix: config.routePrefix,
    invoker,
    keys,
    logger,
    concurrency: config.maxConcurrentRequests > 0 ? new Semaphore(config.maxConcurrentRequests) : undefined,
  });
  const admin = new AdminApi({ registry, invoker, timers, keys, logger, hostId, clock });
  let origin = "";
  const durableApi = new DurableHttpApi({
    service: durable,
    hubName: config.hubName,
    keys,
    publicOrigin: () => origin,
  });
  const areas: HostArea[] = [
    durableApi.webhookArea,
    {
      name: "admin",
      claims: (url) => admin.handles(url.pathname),
      handle: (req, res, url) => admin.handle(req, res, url),
    },
    {
      name: "functions",
      claims: (url) => functionsArea.relativePath(url.pathname) !== undefined,
      handle: (req, res, url) => functionsArea.handle(req, res, url, functionsArea.relativePath(url.pathname)!),
    },
  ];
  const host = options.host ?? "127.0.0.1";
  const server = await startHostServer(() => areas, { port: options.port ?? 7071, host, logger });
  origin = `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`;
  // Like the extension's LocalHttpListener: the durable client's RPC endpoint listens on loopback only, on a port of
  // its own (a free one here), whatever address the app listens on.
  const rpcServer = await startHostServer(() => [durableApi.rpcArea], { port: 0, host: "127.0.0.1", logger }).catch(
    async (error: unknown) => {
      await server.close();
      throw error;
    },
  );
  process.env.WEBSITE_HOSTNAME = options.settings?.WEBSITE_HOSTNAME ?? `${host}:${server.port}`;
  const clientData = JSON.stringify(
    durableClientBindingData({
      origin,
      rpcOrigin: `http://127.0.0.1:${rpcServer.port}`,
      hubName: config.hubName,
      systemKey: keys.durableSystemKey,
    }),
  );
  invoker.registerInputProvider("durableClient", () => ({ string: clientData }));
  invoker.registerInputProvider("orchestrationClient", () => ({ string: clientData }));

  try {
    await durable.start();
    await timers.start();
  } catch (error) {
    await Promise.allSettled([timers.stop(), durable.close(), server.close(), rpcServer.close()]);
    throw error;
  }
  for (const route of routes.routes) {
    const path = [config.routePrefix, route.template.template.replace(/^\/+/, "")].filter(Boolean).join("/");
    logger.info(
      "Host",
      `${route.fn.name}: [${route.methods ? [...route.methods].join(",") : "ALL"}] ${origin}/${path}`,
    );
  }
  logger.info(
    "Host",
    `Devhost listening on ${origin} (task hub ${config.hubName}, ${registry.all().length} functions).`,
  );

  let closing: Promise<void> | undefined;
  return {
    url: origin,
    port: server.port,
    keys,
    taskHub: config.hubName,
    functions: registry.all().map((f) => ({ name: f.name, kind: f.kind })),
    adjustableClock: clock.adjustable,
    close: () =>
      (closing ??= (async () => {
        await timers.stop();
        await server.close();
        await admin.drain();
        await durable.close();
        await rpcServer.close();
        await executeHooks(
          registry.hooks("appTerminate"),
          readOnlyHookContext({ hookData: {}, appHookData }, {}),
        ).catch((error: unknown) => {
          logger.warn("Host", `appTerminate hook failed: ${(error as Error).message}`);
        });
      })()),
  };
}
