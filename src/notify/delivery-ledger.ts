import { isRestError } from "@azure/core-rest-pipeline";
import type { TableClient } from "@azure/data-tables";
import { conflict, createOnce } from "../storage/create-once.js";

/**
 * The delivery ledger (table `<task hub>Notifications`): one row per (event id, sink), claimed with an insert that
 * Table Storage refuses with 409 when the row exists (Insert Entity,
 * https://learn.microsoft.com/rest/api/storageservices/insert-entity). Only the claimant sends, so any number of
 * repeats of the same occurrence (durable redelivery, a replay, a repeated trigger) make one delivery per sink. An
 * attempt that failed leaves the row `failed` with its error, for the next attempt (a durable retry) to take over
 * If-Match its ETag; so does a claim left `sending` by a host that died, once it is older than `staleMs`. Each claim
 * counts `attempts`.
 *
 * Dead letters (table `<task hub>NotifyDeadLetters`): one row per event and sink that stayed undelivered, partitioned
 * by UTC day so the sweep counts a day's with one partition query. No URL or secret is stored.
 */
export type DeliveryState = "sending" | "failed" | "delivered" | "dead-letter";

/** A delivery's row: its state, how many attempts claimed it, and the last failure (status or code, never a URL). */
export interface DeliveryRow {
  state: DeliveryState;
  claimedAt: string;
  attempts: number;
  error?: string;
  status?: number;
}

export interface DeadLetter {
  eventId: string;
  type: string;
  subject: string;
  sink: string;
  kind: string;
  /** The HTTP status or network code; never a URL. */
  error: string;
  status?: number;
  /** How many attempts were made (the ledger's count; 0 when the row could not be read). */
  attempts?: number;
  at: string;
}

type Table = Pick<TableClient, "createTable" | "createEntity" | "getEntity" | "updateEntity" | "listEntities">;

export class DeliveryLedger {
  private readonly created = new Map<Table, () => Promise<void>>();

  constructor(
    private readonly deliveries: Table,
    private readonly deadLetters: Table,
    private readonly staleMs = 120_000,
  ) {}

  /** True when this caller owns the delivery of the event to the sink (and must send it). */
  async claim(eventId: string, sink: string, now: Date): Promise<boolean> {
    await this.ensure(this.deliveries);
    try {
      await this.deliveries.createEntity({
        partitionKey: eventId,
        rowKey: sink,
        state: "sending",
        claimedAt: now.toISOString(),
        attempts: 1,
      });
      return true;
    } catch (error) {
      if (!(isRestError(error) && error.statusCode === 409)) throw error;
    }
    const row = await this.deliveries.getEntity<DeliveryRow>(eventId, sink);
    const stale = row.state === "sending" && now.getTime() - Date.parse(row.claimedAt) >= this.staleMs;
    if (row.state !== "failed" && !stale) return false;
    try {
      await this.deliveries.updateEntity(
        {
          partitionKey: eventId,
          rowKey: sink,
          state: "sending",
          claimedAt: now.toISOString(),
          attempts: (Number(row.attempts) || 1) + 1,
        },
        "Merge",
        { etag: row.etag },
      );
      return true;
    } catch (error) {
      if (isRestError(error) && error.statusCode === 412) return false;
      throw error;
    }
  }

  /** Ends an attempt: delivered or dead-letter (final), or failed (the next attempt may claim it again). */
  async settle(
    eventId: string,
    sink: string,
    state: Exclude<DeliveryState, "sending">,
    now: Date,
    failure: { error?: string; status?: number } = {},
  ): Promise<void> {
    await this.deliveries.updateEntity(
      { partitionKey: eventId, rowKey: sink, state, settledAt: now.toISOString(), ...failure },
      "Merge",
    );
  }

  /** The delivery's row, or undefined when there is none. */
  async row(eventId: string, sink: string): Promise<DeliveryRow | undefined> {
    await this.ensure(this.deliveries);
    try {
      const row = await this.deliveries.getEntity<DeliveryRow>(eventId, sink);
      return {
        state: row.state,
        claimedAt: row.claimedAt,
        attempts: Number(row.attempts) || 0,
        ...(row.error === undefined ? {} : { error: row.error }),
        ...(row.status === undefined ? {} : { status: row.status }),
      };
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async recordDeadLetter(letter: DeadLetter): Promise<void> {
    await this.ensure(this.deadLetters);
    try {
      await this.deadLetters.createEntity({
        partitionKey: letter.at.slice(0, 10),
        rowKey: `${letter.eventId}.${letter.sink}`,
        ...letter,
      });
    } catch (error) {
      if (!(isRestError(error) && error.statusCode === 409)) throw error;
    }
  }

  /** Dead letters recorded since `since` (UTC days from its day to `now`'s). */
  async deadLettersSince(since: Date, now: Date): Promise<DeadLetter[]> {
    await this.ensure(this.deadLetters);
    const letters: DeadLetter[] = [];
    for (let day = startOfDay(since); day <= now.getTime(); day += 86_400_000) {
      const partition = new Date(day).toISOString().slice(0, 10);
      for await (const row of this.deadLetters.listEntities<DeadLetter>({
        queryOptions: { filter: `PartitionKey eq '${partition}'` },
      }))
        if (Date.parse(row.at) >= since.getTime()) letters.push(row);
    }
    return letters;
  }

  private ensure(table: Table): Promise<void> {
    let ensure = this.created.get(table);
    if (!ensure) {
      ensure = createOnce(() => table.createTable(), { alreadyThere: conflict });
      this.created.set(table, ensure);
    }
    return ensure();
  }
}

function startOfDay(date: Date): number {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}
