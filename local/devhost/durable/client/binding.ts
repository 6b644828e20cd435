/** Placeholder the extension puts in management URLs; the client replaces it with an instance id. */
export const INSTANCE_ID_PLACEHOLDER = "INSTANCEID";

export interface DurableEndpoints {
  /** The app's public origin, e.g. http://127.0.0.1:7071 (management URLs). */
  origin: string;
  hubName: string;
  /** The extension's system key (`code` on the webhook URLs). */
  systemKey: string;
}

export const WEBHOOK_BASE_PATH = "/runtime/webhooks/durabletask";
export const RPC_BASE_PATH = "/durabletask/";

/** The management links the extension hands out for an instance (CreateCheckStatusResponse's body). */
export function managementUrls(endpoints: DurableEndpoints, instanceId: string): Record<string, string> {
  const query = `taskHub=${encodeURIComponent(endpoints.hubName)}&connection=Storage&code=${encodeURIComponent(endpoints.systemKey)}`;
  const prefix = `${endpoints.origin}${WEBHOOK_BASE_PATH}/instances/${instanceId === INSTANCE_ID_PLACEHOLDER ? instanceId : encodeURIComponent(instanceId)}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${prefix}?${query}`,
    sendEventPostUri: `${prefix}/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${prefix}/terminate?reason={text}&${query}`,
    rewindPostUri: `${prefix}/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${prefix}?${query}`,
    restartPostUri: `${prefix}/restart?${query}`,
    suspendPostUri: `${prefix}/suspend?reason={text}&${query}`,
    resumePostUri: `${prefix}/resume?reason={text}&${query}`,
  };
}

/**
 * The data of a `durableClient` input binding, as the extension serialises it: durable-functions' DurableClient uses
 * `rpcBaseUrl` for every operation and the management URLs for createCheckStatusResponse. `rpcOrigin` is the loopback
 * listener's origin (the extension's is http://127.0.0.1:17071; its URL carries no key, like the real one).
 */
export function durableClientBindingData(endpoints: DurableEndpoints & { rpcOrigin: string }): Record<string, unknown> {
  const query = `code=${encodeURIComponent(endpoints.systemKey)}`;
  const base = `${endpoints.origin}${WEBHOOK_BASE_PATH}`;
  return {
    taskHubName: endpoints.hubName,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${query}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${query}`,
    },
    managementUrls: managementUrls(endpoints, INSTANCE_ID_PLACEHOLDER),
    baseUrl: base,
    requiredQueryStringParameters: query,
    rpcBaseUrl: `${endpoints.rpcOrigin}${RPC_BASE_PATH}`,
  };
}
