import type { IncomingMessage } from "node:http";
import { readBody } from "../../../http/body.js";
import { HttpError } from "../../../http/errors.js";
import type { RuntimeStatus } from "../replay/history.js";
import type { InstanceQuery } from "../store/table-store.js";

const RUNTIME_STATUSES: RuntimeStatus[] = [
  "Pending",
  "Running",
  "Completed",
  "ContinuedAsNew",
  "Failed",
  "Canceled",
  "Terminated",
  "Suspended",
];
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** Reads an optional JSON body and returns it as JSON text (undefined when empty); malformed JSON is a 400. */
export async function readJsonText(req: IncomingMessage, requireJsonContentType: boolean): Promise<string | undefined> {
  const raw = (await readBody(req, MAX_PAYLOAD_BYTES)).toString("utf8").trim();
  if (raw === "") return undefined;
  if (requireJsonContentType) {
    const mediaType = String(req.headers["content-type"] ?? "")
      .split(";")[0]!
      .trim()
      .toLowerCase();
    if (mediaType !== "application/json")
      throw new HttpError(400, "BODY_INVALID", "Only application/json request content is supported");
  }
  try {
    JSON.parse(raw);
  } catch (error) {
    throw new HttpError(400, "BODY_INVALID", `Invalid JSON content: ${(error as Error).message}`);
  }
  return raw;
}

export function booleanParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  if (value === null || value === "") return fallback;
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new HttpError(400, "QUERY_INVALID", `Query parameter '${name}' must be true or false.`);
}

function dateParam(query: URLSearchParams, name: string): Date | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new HttpError(400, "QUERY_INVALID", `Query parameter '${name}' is not a valid date: ${value}`);
  return new Date(parsed);
}

export function runtimeStatusParam(query: URLSearchParams): RuntimeStatus[] | undefined {
  const values = query
    .getAll("runtimeStatus")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
  if (values.length === 0) return undefined;
  return values.map((value) => {
    const status = RUNTIME_STATUSES.find((s) => s.toLowerCase() === value.toLowerCase());
    if (!status)
      throw new HttpError(
        400,
        "QUERY_INVALID",
        `Unknown runtimeStatus '${value}' (use ${RUNTIME_STATUSES.join(", ")}).`,
      );
    return status;
  });
}

/** The list/purge filters of the extension's HTTP API: runtimeStatus, createdTimeFrom/To, instanceIdPrefix, top. */
export function instanceQueryParams(query: URLSearchParams): InstanceQuery {
  const topText = query.get("top");
  let pageSize: number | undefined;
  if (topText !== null && topText !== "") {
    pageSize = Number(topText);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw new HttpError(400, "QUERY_INVALID", "Query parameter 'top' must be an integer between 1 and 1000.");
    }
  }
  return {
    statuses: runtimeStatusParam(query),
    createdFrom: dateParam(query, "createdTimeFrom"),
    createdTo: dateParam(query, "createdTimeTo"),
    instanceIdPrefix: query.get("instanceIdPrefix") || undefined,
    pageSize,
  };
}

/** Splits the path after the API base into decoded segments; a malformed escape is a 400. */
export function pathSegments(rest: string): string[] {
  return rest
    .split("/")
    .filter((s) => s !== "")
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new HttpError(400, "PATH_INVALID", `Malformed path segment '${segment}'.`);
      }
    });
}
