import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.js";

/** Reads a request body up to `limitBytes`; a larger body is refused with 413 instead of being buffered. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    throw new HttpError(413, "SIZE_INVALID", `request body exceeds ${limitBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      req.resume();
      throw new HttpError(413, "SIZE_INVALID", `request body exceeds ${limitBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON body; malformed JSON is a 400, never an exception that escapes the handler. */
export async function readJson(req: IncomingMessage, limitBytes = 64 * 1024): Promise<unknown> {
  const raw = await readBody(req, limitBytes);
  if (raw.length === 0) throw new HttpError(400, "BODY_INVALID", "request body is empty; JSON expected");
  try {
    return JSON.parse(raw.toString("utf8")) as unknown;
  } catch (error) {
    throw new HttpError(400, "BODY_INVALID", `request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Parses an application/x-www-form-urlencoded body, keeping repeated fields (ACR's `scope` may repeat). */
export async function readForm(req: IncomingMessage, limitBytes = 64 * 1024): Promise<URLSearchParams> {
  const type = String(req.headers["content-type"] ?? "");
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    req.resume();
    throw new HttpError(400, "BODY_INVALID", "expected Content-Type application/x-www-form-urlencoded");
  }
  const raw = await readBody(req, limitBytes);
  return new URLSearchParams(raw.toString("utf8"));
}
