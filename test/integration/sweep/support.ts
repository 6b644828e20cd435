import { BlobServiceClient } from "@azure/storage-blob";
import type { TestStack } from "../../support/local-stack.js";
import type { SweepReport } from "../../../src/sweep/report.js";
import { callEmulatorAdmin } from "../../../local/acr-emulator/admin-client.js";

export function admin(stack: TestStack, method: string, path: string, body?: unknown): Promise<unknown> {
  return callEmulatorAdmin(stack.acr.adminUrl, method, path, body);
}

/** POST /api/sweep/run with the master key (the function is admin-only). */
export async function sweepNow(stack: TestStack, query = ""): Promise<SweepReport> {
  const response = await fetch(`${stack.devhost.url}/api/sweep/run${query}`, {
    method: "POST",
    headers: { "x-functions-key": stack.devhost.keys.masterKey },
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`sweep/run → ${response.status}: ${text.slice(0, 2000)}`);
  const body = JSON.parse(text) as { reports: SweepReport[] };
  if (body.reports.length !== 1) throw new Error(`expected one report, got ${body.reports.length}`);
  return body.reports[0]!;
}

/** The stored report blob ("compliance-reports/<registry>/<time>.json") from Azurite. */
export async function readReportBlob(stack: TestStack, reportBlob: string): Promise<unknown> {
  const [container, ...rest] = reportBlob.split("/");
  const blob = BlobServiceClient.fromConnectionString(stack.azurite.connectionString)
    .getContainerClient(container!)
    .getBlobClient(rest.join("/"));
  return JSON.parse((await blob.downloadToBuffer()).toString("utf8")) as unknown;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
