import type { ServerResponse } from "node:http";
import { HttpError } from "../http/errors.js";
import { sendJson } from "../http/respond.js";

/** ACR's error envelope: {"errors":[{"code","message","detail"}]} (acr-protocol.md §2.8). */
export function acrError(
  status: number,
  code: string,
  message: string,
  detail: unknown = {},
  headers: Record<string, string> = {},
): HttpError {
  return new HttpError(status, code, message, detail, headers);
}

export function sendAcrError(res: ServerResponse, error: unknown): void {
  const e = error instanceof HttpError ? error : acrError(500, "UNKNOWN", "internal emulator error");
  if (!(error instanceof HttpError)) console.error("[acr-emulator] unexpected error:", error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.status, { errors: [{ code: e.code, message: e.message, detail: e.detail }] }, e.headers);
}
