import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "../../../http/errors.js";
import { sendEmpty, sendJson } from "../../../http/respond.js";
import { keyMatches, presentedKey, type HostKeys } from "../../http/auth-keys.js";
import type { HostArea } from "../../http/host-server.js";
import { managementUrls, RPC_BASE_PATH, WEBHOOK_BASE_PATH } from "./binding.js";
import { booleanParam, instanceQueryParams, pathSegments, readJsonText } from "./request-params.js";
import { ClientError, type OrchestrationService } from "../runtime/orchestration-service.js";
import { formatHistory, toStatusPayload } from "./status-format.js";

export interface DurableHttpApiOptions {
  service: OrchestrationService;
  hubName: string;
  keys: HostKeys;
  /** The app's public origin (e.g. http://127.0.0.1:7071): the base of the management links the API hands out. */
  publicOrigin: () => string;
}

const UNSUPPORTED_OPERATIONS = new Set(["rewind", "restart", "suspend", "resume"]);

/**
 * The Durable extension's HTTP API, served twice like the extension does:
 * - `webhookArea`: `/runtime/webhooks/durabletask/` on the app port, the management URLs handed to callers. The
 *   Functions host authorises these extension webhooks with the extension's system key (`durabletask_extension`) or
 *   the master key, read from `x-functions-key` or `code`; anything else answers 401. Sources: Microsoft Learn, "HTTP
 *   API reference" (Durable Functions: every API takes `code={systemKey}`),
 *   https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-http-api ; "Work with access keys in
 *   Azure Functions" (system keys for the Durable Task extension APIs; the master key has admin access),
 *   https://learn.microsoft.com/azure/azure-functions/function-keys-how-to ; azure-functions-host source:
 *   `HostController.ExtensionWebHookHandler` (route `runtime/webhooks/{name}/{*extra}`: "must either be authorized at
 *   the admin level, or system level with a matching key name", else `Unauthorized()`), `AuthUtility
 *   .PrincipalHasAuthLevelClaim` (an Admin-level key satisfies every level) and `AuthenticationLevelHandler`
 *   (`x-functions-key` first, then `code`). A function key is not enough.
 * - `rpcArea`: `/durabletask/`, the durableClient binding's `rpcBaseUrl`, without a key. The extension serves it from
 *   a separate listener on 127.0.0.1 for the language worker only, never on the app port (Azure/azure-functions-durable-
 *   extension `src/WebJobs.Extensions.DurableTask/LocalHttpListener.cs`: http://127.0.0.1:17071/durabletask/, a port
 *   in 30000–31000 if that is taken); the devhost does the same on a free loopback port.
 */
export class DurableHttpApi {
  readonly #options: DurableHttpApiOptions;
  readonly webhookArea: HostArea;
  readonly rpcArea: HostArea;

  constructor(options: DurableHttpApiOptions) {
    this.#options = options;
    this.webhookArea = {
      name: "durable",
      claims: (url) => {
        const path = url.pathname.toLowerCase();
        return path === WEBHOOK_BASE_PATH || path.startsWith(`${WEBHOOK_BASE_PATH}/`);
      },
      handle: (req, res, url) => this.#handle(req, res, url, WEBHOOK_BASE_PATH, true),
    };
    this.rpcArea = {
      name: "durable-rpc",
      claims: (url) => url.pathname.toLowerCase().startsWith(RPC_BASE_PATH),
      handle: (req, res, url) => this.#handle(req, res, url, RPC_BASE_PATH, false),
    };
  }

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL, basePath: string, keyed: boolean): Promise<void> {
    try {
      if (keyed && !this.#authorised(req, url)) {
        req.resume();
        sendEmpty(res, 401);
        return;
      }
      await this.#route(req, res, url, basePath);
    } catch (error) {
      req.resume();
      if (error instanceof ClientError || error instanceof HttpError) {
        sendJson(res, error.status, { Message: error.message });
        return;
      }
      throw error;
    }
  }

  #authorised(req: IncomingMessage, url: URL): boolean {
    const { keys } = this.#options;
    const key = presentedKey(req.headers, url.searchParams);
    return keyMatches(key, keys.durableSystemKey) || keyMatches(key, keys.masterKey);
  }

  async #route(req: IncomingMessage, res: ServerResponse, url: URL, basePath: string): Promise<void> {
    const taskHub = url.searchParams.get("taskHub");
    if (taskHub && taskHub.toLowerCase() !== this.#options.hubName.toLowerCase()) {
      throw new HttpError(
        400,
        "TASKHUB_INVALID",
        `This host serves task hub '${this.#options.hubName}', not '${taskHub}'.`,
      );
    }
    const [controller, ...rest] = pathSegments(url.pathname.slice(basePath.length));
    const method = (req.method ?? "GET").toUpperCase();
    if (
      controller?.toLowerCase() === "orchestrators" &&
      method === "POST" &&
      (rest.length === 1 || rest.length === 2)
    ) {
      return this.#start(req, res, rest[0]!, rest[1]);
    }
    if (controller?.toLowerCase() === "entities")
      throw new HttpError(501, "NOT_SUPPORTED", "The local devhost does not support durable entities.");
    if (controller?.toLowerCase() !== "instances") {
      req.resume();
      sendEmpty(res, 404);
      return;
    }
    const [instanceId, operation, eventName, ...extra] = rest;
    if (extra.length > 0) throw new HttpError(404, "NOT_FOUND", "Unknown durable API path.");
    if (instanceId === undefined) {
      if (method === "GET") return this.#list(req, res, url);
      if (method === "DELETE") return this.#purgeWhere(req, res, url);
    } else if (operation === undefined) {
      if (method === "GET") return this.#status(req, res, url, instanceId);
      if (method === "DELETE") return this.#purge(req, res, instanceId);
    } else if (method === "POST") {
      const op = operation.toLowerCase();
      if (op === "raiseevent" && eventName) return this.#raiseEvent(req, res, instanceId, eventName);
      if (op === "terminate" && eventName === undefined) return this.#terminate(req, res, url, instanceId);
      if (UNSUPPORTED_OPERATIONS.has(op))
        throw new HttpError(501, "NOT_SUPPORTED", `The local devhost does not support '${operation}'.`);
    }
    req.resume();
    sendEmpty(res, 404);
  }

  async #start(
    req: IncomingMessage,
    res: ServerResponse,
    functionName: string,
    instanceId: string | undefined,
  ): Promise<void> {
    const input = await readJsonText(req, false);
    const id = await this.#options.service.startNew(functionName, instanceId, input);
    const links = managementUrls(
      {
        origin: this.#options.publicOrigin(),
        hubName: this.#options.hubName,
        systemKey: this.#options.keys.durableSystemKey,
      },
      id,
    );
    sendJson(
      res,
      202,
      {
        id,
        statusQueryGetUri: links.statusQueryGetUri,
        sendEventPostUri: links.sendEventPostUri,
        terminatePostUri: links.terminatePostUri,
        purgeHistoryDeleteUri: links.purgeHistoryDeleteUri,
        restartPostUri: links.restartPostUri,
        suspendPostUri: links.suspendPostUri,
        resumePostUri: links.resumePostUri,
      },
      { Location: links.statusQueryGetUri!, "Retry-After": "10" },
    );
  }

  async #status(req: IncomingMessage, res: ServerResponse, url: URL, instanceId: string): Promise<void> {
    req.resume();
    const query = url.searchParams;
    const showHistory = booleanParam(query, "showHistory", false);
    const showHistoryOutput = booleanParam(query, "showHistoryOutput", false);
    const showInput = booleanParam(query, "showInput", true);
    const failureIs500 = booleanParam(query, "returnInternalServerErrorOnFailure", false);
    const { service } = this.#options;
    const record = await service.getInstance(instanceId);
    if (!record) {
      sendEmpty(res, 404);
      return;
    }
    const history =
      showHistory && record.runtimeStatus !== "Pending"
        ? formatHistory(
            (await service.history(record)).map((r) => r.event),
            { showHistoryOutput, showInput },
          )
        : undefined;
    const payload = toStatusPayload(record, { showInput, history });
    switch (record.runtimeStatus) {
      case "Running":
      case "Pending":
      case "ContinuedAsNew":
      case "Suspended":
        sendJson(res, 202, payload, { Location: url.href, "Retry-After": "5" });
        return;
      case "Failed":
        sendJson(res, failureIs500 ? 500 : 200, payload);
        return;
      default:
        sendJson(res, 200, payload);
    }
  }

  async #list(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    req.resume();
    const query = instanceQueryParams(url.searchParams);
    const showInput = booleanParam(url.searchParams, "showInput", true);
    const token = req.headers["x-ms-continuation-token"];
    const continuationToken = (Array.isArray(token) ? token[0] : token) || undefined;
    let page;
    try {
      page = await this.#options.service.query({ ...query, continuationToken });
    } catch (error) {
      if (continuationToken)
        throw new HttpError(400, "TOKEN_INVALID", `Invalid continuation token: ${(error as Error).message}`);
      throw error;
    }
    const headers: Record<string, string> = page.continuationToken
      ? { "x-ms-continuation-token": page.continuationToken }
      : {};
    sendJson(
      res,
      200,
      page.items.map((record) => toStatusPayload(record, { showInput })),
      headers,
    );
  }

  async #raiseEvent(req: IncomingMessage, res: ServerResponse, instanceId: string, eventName: string): Promise<void> {
    const input = await readJsonText(req, true);
    await this.#options.service.raiseEvent(instanceId, eventName, input);
    sendEmpty(res, 202);
  }

  async #terminate(req: IncomingMessage, res: ServerResponse, url: URL, instanceId: string): Promise<void> {
    req.resume();
    await this.#options.service.terminate(instanceId, url.searchParams.get("reason") ?? undefined);
    sendEmpty(res, 202);
  }

  async #purge(req: IncomingMessage, res: ServerResponse, instanceId: string): Promise<void> {
    req.resume();
    const deleted = await this.#options.service.purge(instanceId);
    if (deleted === 0) sendEmpty(res, 404);
    else sendJson(res, 200, { instancesDeleted: deleted });
  }

  async #purgeWhere(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    req.resume();
    const { statuses, createdFrom, createdTo, instanceIdPrefix } = instanceQueryParams(url.searchParams);
    const deleted = await this.#options.service.purgeWhere({ statuses, createdFrom, createdTo, instanceIdPrefix });
    if (deleted === 0) sendEmpty(res, 404);
    else sendJson(res, 200, { instancesDeleted: deleted });
  }
}
