import { odata, RestError, type TableClient, type TransactionAction } from "@azure/data-tables";
import { getLargeString, putLargeString, type TableEntity } from "./entity-codec.js";
import type { StoredEvent } from "../replay/execution-state.js";
import { deleteRows } from "./table-rows.js";

/** Characters per stored part: 15 chunks of 30 000 stay below Table Storage's 1 MiB entity limit in UTF-16. */
const PART_CHARS = 450_000;
/** Parts per entity group transaction, keeping it under the 4 MiB batch limit. */
const PARTS_PER_TRANSACTION = 3;

export interface LoadedHistory {
  rows: StoredEvent[];
  /** How many complete episodes are stored (the next episode's number). */
  episodes: number;
}

interface EpisodePayload {
  events: StoredEvent["event"][];
  metas: StoredEvent["meta"][];
}

/**
 * The `{hub}History` table: one entity per orchestration episode (checkpoint), partitioned by instance, holding that
 * episode's history events in order. Writing a checkpoint is therefore a single insert — atomic, and one round trip —
 * and an episode too large for one entity is split into parts written in entity group transactions. A checkpoint that
 * was cut short (parts missing after a crash) is dropped when the history is read.
 */
export class HistoryTable {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async load(instanceId: string, executionId: string): Promise<LoadedHistory> {
    const episodes = new Map<number, { parts: Map<number, string>; total: number; keys: string[] }>();
    const entities = this.#table.listEntities<Record<string, unknown>>({
      queryOptions: {
        filter: odata`PartitionKey eq ${instanceId} and RowKey ge ${`${executionId}.`} and RowKey lt ${`${executionId}/`}`,
      },
    });
    for await (const entity of entities) {
      const episode = Number(entity.Episode);
      const entry = episodes.get(episode) ?? {
        parts: new Map<number, string>(),
        total: Number(entity.Parts),
        keys: [] as string[],
      };
      entry.parts.set(Number(entity.Part), getLargeString(entity, "Payload") ?? "");
      entry.keys.push(String(entity.rowKey));
      episodes.set(episode, entry);
    }
    const rows: StoredEvent[] = [];
    const ordered = [...episodes.entries()].sort(([a], [b]) => a - b);
    for (const [index, [episode, entry]] of ordered.entries()) {
      if (episode !== index) throw new Error(`History of ${instanceId} is missing episode ${index}.`);
      if (entry.parts.size !== entry.total) {
        if (index !== ordered.length - 1)
          throw new Error(`History of ${instanceId} has an incomplete episode ${episode} before later ones.`);
        await deleteRows(this.#table, instanceId, entry.keys);
        return { rows, episodes: index };
      }
      const text = [...entry.parts.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, part]) => part)
        .join("");
      const payload = JSON.parse(text) as EpisodePayload;
      payload.events.forEach((event, i) => rows.push({ event, meta: payload.metas[i] ?? {} }));
    }
    return { rows, episodes: ordered.length };
  }

  async appendEpisode(instanceId: string, executionId: string, episode: number, rows: StoredEvent[]): Promise<void> {
    const payload: EpisodePayload = { events: rows.map((r) => r.event), metas: rows.map((r) => r.meta) };
    const text = JSON.stringify(payload);
    const total = Math.max(1, Math.ceil(text.length / PART_CHARS));
    const entities = Array.from({ length: total }, (_v, part) => {
      const entity: TableEntity = {
        partitionKey: instanceId,
        rowKey: `${executionId}.${episode.toString().padStart(10, "0")}.${part.toString().padStart(4, "0")}`,
        ExecutionId: executionId,
        Episode: episode,
        Part: part,
        Parts: total,
        Events: rows.length,
      };
      putLargeString(
        entity,
        "Payload",
        text.slice(part * PART_CHARS, (part + 1) * PART_CHARS),
        `Episode ${episode} of ${instanceId}`,
      );
      return entity;
    });
    try {
      if (entities.length === 1) {
        await this.#table.createEntity(entities[0]!);
        return;
      }
      for (let i = 0; i < entities.length; i += PARTS_PER_TRANSACTION) {
        await this.#table.submitTransaction(
          entities.slice(i, i + PARTS_PER_TRANSACTION).map((e): TransactionAction => ["create", e]),
        );
      }
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 409) {
        throw new HistoryConflictError(
          `Episode ${episode} of ${instanceId} was already written (another host on this task hub?).`,
        );
      }
      throw error;
    }
  }

  /** Removes the history of every execution of the instance, or of all executions except `keepExecutionId`. */
  async delete(instanceId: string, keepExecutionId?: string): Promise<void> {
    const keys: string[] = [];
    for await (const entity of this.#table.listEntities({
      queryOptions: { filter: odata`PartitionKey eq ${instanceId}`, select: ["RowKey"] },
    })) {
      const rowKey = String(entity.rowKey);
      if (keepExecutionId === undefined || !rowKey.startsWith(`${keepExecutionId}.`)) keys.push(rowKey);
    }
    await deleteRows(this.#table, instanceId, keys);
  }
}

export class HistoryConflictError extends Error {}
