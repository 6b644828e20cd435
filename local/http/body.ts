import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.js";

/**
 * Reads a request body up to `limitBytes`; a larger body is refused with 413 instead of being buffered. Listens for
 * the stream's events rather than iterating it asynchronously: the async iterator's promise per chunk and its
 * end-of-stream bookkeeping were a visible share of the devhost's CPU per request under a burst of small webhooks.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    return Promise.reject(new HttpError(413, "SIZE_INVALID", `request body exceeds ${limitBytes} bytes`));
  }
  // Already read to the end by someone else: nothing left, as the iterator would have found.
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        stop();
        // Drained, not buffered: the caller answers 413 on a connection that stays usable.
        req.resume();
        reject(new HttpError(413, "SIZE_INVALID", `request body exceeds ${limitBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    // An aborted request emits neither 'end' nor (always) 'error': 'close' before 'end' is a failure too, as the
    // async iterator reported it (ERR_STREAM_PREMATURE_CLOSE).
    const onClose = (): void => {
      stop();
      reject(Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
    };
    const stop = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
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
