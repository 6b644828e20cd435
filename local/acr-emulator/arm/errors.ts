import type { ServerResponse } from "node:http";
import { HttpError } from "../../http/errors.js";
import { sendJson } from "../../http/respond.js";

/** ARM's error envelope is {"error":{"code","message"}}, not the registry's {"errors":[…]}. */
export function armError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): HttpError {
  return new HttpError(status, code, message, {}, headers);
}

export function sendArmError(res: ServerResponse, error: unknown): void {
  const e = error instanceof HttpError ? error : armError(500, "InternalServerError", "internal emulator error");
  if (!(error instanceof HttpError)) console.error("[acr-emulator] unexpected ARM error:", error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.status, { error: { code: e.code, message: e.message } }, e.headers);
}
