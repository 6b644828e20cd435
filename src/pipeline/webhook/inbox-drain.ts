import type { StartResult } from "../instances.js";
import type { InboxEntry, InboxRow, WebhookInbox } from "./inbox.js";

export interface InboxDrainDeps {
  inbox: WebhookInbox;
  /** Starts the entry's pipeline idempotently (startPipeline with claims: a repeat finds it started). */
  start(entry: InboxEntry): Promise<StartResult>;
  log(line: string): void;
  warn(line: string): void;
}

export interface DrainReport {
  /** Pipelines this drain started. */
  started: number;
  /** Entries whose pipeline already existed (a repeated delivery, or a drain that ran before). */
  existing: number;
  /** Entries left for the next drain because their start failed. */
  failed: number;
  /** Rows that are not inbox entries (left in place, and named in the log). */
  unreadable: number;
}

/** Starts at a time: the drain runs beside the webhook and the pipelines it starts, and must not crowd them out. */
export const DRAIN_CONCURRENCY = 4;

/**
 * Starts the pipeline of every entry in the inbox and removes the entry once its start is durable. A start that
 * fails leaves its entry for the next drain (nothing is lost; the log says which and why); a start that finds its
 * pipeline already there counts as done, so running two drains at once, or one twice, starts nothing twice.
 */
export async function drainInbox(deps: InboxDrainDeps, concurrency = DRAIN_CONCURRENCY): Promise<DrainReport> {
  const report: DrainReport = { started: 0, existing: 0, failed: 0, unreadable: 0 };
  const running = new Set<Promise<void>>();
  const unreadable = (rowKey: string): void => {
    report.unreadable += 1;
    deps.warn(`webhook inbox: row ${rowKey.slice(0, 80)} is not an inbox entry; left in place`);
  };
  for await (const row of deps.inbox.pending(unreadable)) {
    const task = startOne(deps, row, report).finally(() => running.delete(task));
    running.add(task);
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  if (report.started + report.existing + report.failed > 0)
    deps.log(
      `webhook inbox drained: ${report.started} started, ${report.existing} already there, ${report.failed} left for the next drain`,
    );
  return report;
}

async function startOne(deps: InboxDrainDeps, row: InboxRow, report: DrainReport): Promise<void> {
  try {
    const result = await deps.start(row);
    await deps.inbox.remove(row);
    if (result.started) report.started += 1;
    else report.existing += 1;
  } catch (error) {
    report.failed += 1;
    const code = (error as { code?: unknown }).code;
    deps.warn(
      `webhook inbox: ${row.image.repository}@${row.image.digest} not started yet (${typeof code === "string" ? code : (error as Error).name}); the next drain tries again`,
    );
  }
}
