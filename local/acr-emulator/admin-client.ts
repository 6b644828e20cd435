/** Calls the emulator's admin API (JSON in, JSON out); a non-2xx answer is an error naming the call and the answer. */
export async function callEmulatorAdmin(
  adminUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${adminUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`admin ${method} ${path} → ${response.status}: ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** Replaces the emulator's latency rules (`[]` clears them); see docs/local-stack.md, "Admin API". */
export async function setEmulatorLatency(
  adminUrl: string,
  rules: Array<{ method: string; pathPrefix: string; delayMs: number; hold?: "response" | "request"; times?: number }>,
): Promise<void> {
  await callEmulatorAdmin(adminUrl, "PUT", "/latency", rules);
}

/**
 * Waits until the emulator's webhook dispatcher has nothing in flight (retries included); throws, naming what is
 * still pending, when `timeoutMs` passes first.
 */
export async function drainEmulatorDeliveries(adminUrl: string, timeoutMs = 30_000): Promise<void> {
  await callEmulatorAdmin(adminUrl, "POST", `/deliveries/drain?timeoutMs=${timeoutMs}`);
}
