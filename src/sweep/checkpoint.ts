import { randomUUID } from "node:crypto";
import { RestError } from "@azure/core-rest-pipeline";
import type { TableClient } from "@azure/data-tables";
import type { WalkPosition } from "./enumerate/watermark.js";
import { GateError } from "../errors/gate-error.js";
import { conflict, createOnce } from "../storage/create-once.js";

export type PassKind = "sweep" | "backfill";

/**
 * One pass over a registry's catalog, which may span several runs: a run that hits an error or its time limit records
 * where it stopped, and the next run resumes there. Totals carry counts that must add up over the whole pass.
 */
export interface PassState {
  passId: string;
  passStartedAt: string;
  /** True while the pass is unfinished (the next run resumes it); false once a run reached the end of the catalog. */
  inProgress: boolean;
  position: WalkPosition;
  lastError: string | undefined;
  lastRunAt: string | undefined;
  totals: Record<string, number>;
  /** The repository the last runs stopped at, and how many runs in a row did. */
  failures: { repository: string; count: number } | undefined;
  /** Repositories this pass gave up on after repeated failures (read again by the next pass). */
  gaveUp: string[];
}

export function freshPass(now: Date): PassState {
  return {
    passId: `${now.toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomUUID().slice(0, 8)}`,
    passStartedAt: now.toISOString(),
    inProgress: true,
    position: { lastCompleted: undefined, completedAhead: [] },
    lastError: undefined,
    lastRunAt: undefined,
    totals: {},
    failures: undefined,
    gaveUp: [],
  };
}

interface PassEntity {
  partitionKey: string;
  rowKey: string;
  registry: string;
  passId: string;
  passStartedAt: string;
  inProgress: boolean;
  lastCompleted?: string;
  completedAhead: string;
  lastError?: string;
  lastRunAt?: string;
  totals: string;
  failures?: string;
  gaveUp?: string;
  lockOwner?: string;
  lockedUntil?: string;
}

/** Another run holds the registry (the timer and "run now" must not walk the same registry at once). */
export class PassBusyError extends GateError {
  static override readonly code = "ERR_PASS_BUSY";
  override readonly code = "ERR_PASS_BUSY";
  constructor(
    readonly heldBy: string,
    readonly until: string,
  ) {
    super(`another run (${heldBy}) holds this registry until ${until}`);
  }
}

/** The lock was taken over (this run outlived its lease); the other run's state wins. */
export class PassLostError extends GateError {
  static override readonly code = "ERR_PASS_LOST";
  override readonly code = "ERR_PASS_LOST";
}

function status(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/** A run's hold on one registry's pass: its state, saved with optimistic concurrency (ETag) so two runs never interleave. */
export class PassLease {
  constructor(
    private readonly table: TableClient,
    private readonly keys: { partitionKey: string; rowKey: string; registry: string },
    private readonly owner: string,
    private etag: string,
    readonly resumed: PassState | undefined,
    /** The hold the lease was taken with: what a save without its own holdUntil keeps. */
    private readonly heldUntil: Date,
  ) {}

  async save(state: PassState, options: { release?: boolean; holdUntil?: Date } = {}): Promise<void> {
    const entity: PassEntity = {
      ...this.keys,
      passId: state.passId,
      passStartedAt: state.passStartedAt,
      inProgress: state.inProgress,
      completedAhead: JSON.stringify(state.position.completedAhead),
      totals: JSON.stringify(state.totals),
      gaveUp: JSON.stringify(state.gaveUp),
      ...(state.failures ? { failures: JSON.stringify(state.failures) } : {}),
      ...(state.position.lastCompleted !== undefined ? { lastCompleted: state.position.lastCompleted } : {}),
      ...(state.lastError !== undefined ? { lastError: state.lastError.slice(0, 4_000) } : {}),
      ...(state.lastRunAt !== undefined ? { lastRunAt: state.lastRunAt } : {}),
      ...(options.release
        ? {}
        : {
            lockOwner: this.owner,
            lockedUntil: (options.holdUntil ?? this.heldUntil).toISOString(),
          }),
    };
    try {
      const answer = await this.table.updateEntity(entity, "Replace", { etag: this.etag });
      this.etag = answer.etag ?? this.etag;
    } catch (error) {
      if (status(error) === 412)
        throw new PassLostError(`the pass state of ${this.keys.registry} was changed by another run`);
      throw error;
    }
  }
}

/** Pass state per (kind, registry) in Table storage, with a lease so only one run walks a registry at a time. */
export class PassStore {
  private readonly ensureTable = createOnce(() => this.table.createTable(), { alreadyThere: conflict });

  constructor(private readonly table: TableClient) {}

  async read(kind: PassKind, registry: string): Promise<PassState | undefined> {
    await this.ensureTable();
    try {
      return toState(await this.table.getEntity<PassEntity>(kind, rowKey(registry)));
    } catch (error) {
      if (status(error) === 404) return undefined;
      throw error;
    }
  }

  /** Takes the registry for `holdUntil`; PassBusyError while another run's lease has not run out. */
  async acquire(kind: PassKind, registry: string, owner: string, holdUntil: Date, now: Date): Promise<PassLease> {
    await this.ensureTable();
    const keys = { partitionKey: kind, rowKey: rowKey(registry), registry };
    let existing: (PassEntity & { etag: string }) | undefined;
    try {
      existing = await this.table.getEntity<PassEntity>(kind, keys.rowKey);
    } catch (error) {
      if (status(error) !== 404) throw error;
    }
    const lock = { lockOwner: owner, lockedUntil: holdUntil.toISOString() };
    if (!existing) {
      const placeholder = freshPass(now);
      const entity: PassEntity = {
        ...keys,
        passId: placeholder.passId,
        passStartedAt: placeholder.passStartedAt,
        inProgress: false,
        completedAhead: "[]",
        totals: "{}",
        ...lock,
      };
      try {
        const answer = await this.table.createEntity(entity);
        return new PassLease(this.table, keys, owner, answer.etag ?? "*", undefined, holdUntil);
      } catch (error) {
        if (status(error) === 409)
          throw new PassBusyError("a run that started at the same moment", holdUntil.toISOString());
        throw error;
      }
    }
    if (
      existing.lockOwner &&
      existing.lockOwner !== owner &&
      existing.lockedUntil &&
      Date.parse(existing.lockedUntil) > now.getTime()
    ) {
      throw new PassBusyError(existing.lockOwner, existing.lockedUntil);
    }
    try {
      const answer = await this.table.updateEntity({ ...existing, ...lock }, "Replace", { etag: existing.etag });
      const state = toState(existing);
      return new PassLease(
        this.table,
        keys,
        owner,
        answer.etag ?? existing.etag,
        state.inProgress ? state : undefined,
        holdUntil,
      );
    } catch (error) {
      if (status(error) === 412)
        throw new PassBusyError("a run that started at the same moment", holdUntil.toISOString());
      throw error;
    }
  }
}

/** Table keys may not contain '/', '\\', '#', '?'; login servers may hold ':' — encoded to be safe. */
function rowKey(registry: string): string {
  return Buffer.from(registry.toLowerCase()).toString("base64url");
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  try {
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

function toState(entity: PassEntity): PassState {
  return {
    passId: entity.passId,
    passStartedAt: entity.passStartedAt,
    inProgress: entity.inProgress === true,
    position: {
      lastCompleted: entity.lastCompleted || undefined,
      completedAhead: parseJson<string[]>(entity.completedAhead, []),
    },
    lastError: entity.lastError,
    lastRunAt: entity.lastRunAt,
    totals: parseJson<Record<string, number>>(entity.totals, {}),
    failures: parseJson<PassState["failures"]>(entity.failures, undefined),
    gaveUp: parseJson<string[]>(entity.gaveUp, []),
  };
}
