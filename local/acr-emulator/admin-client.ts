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
