import type { HttpRequest, HttpResponseInit } from "@azure/functions";

/** A JSON problem answer; never includes stack traces or secrets. */
export function problem(status: number, message: string, extra: Record<string, unknown> = {}): HttpResponseInit {
  return { status, jsonBody: { error: message, ...extra } };
}

/** Reads a JSON body with a size limit: an oversized, empty or malformed body is a clear 4xx, never a crash. */
export async function readJsonBody(
  request: HttpRequest,
  maxBytes: number,
): Promise<{ value: unknown } | { error: HttpResponseInit }> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) return { error: problem(413, `body larger than ${maxBytes} bytes`) };
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) return { error: problem(413, `body larger than ${maxBytes} bytes`) };
  if (!text.trim()) return { error: problem(400, "empty body; JSON expected") };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: problem(400, `body is not valid JSON: ${(error as Error).message}`) };
  }
}
