import { LOCK_FINDING, type RemediationRecord } from "./records.js";
import type { RemediationStore } from "./store.js";

export type InventoryState = "released" | "blocked" | "due-soon";

export const INVENTORY_STATES: readonly InventoryState[] = ["released", "blocked", "due-soon"];

export interface InventoryQuery {
  state: InventoryState;
  /** 1–500, default 100. */
  limit: number;
  /** The opaque cursor of the previous page (`next`), or undefined for the first page. */
  cursor: string | undefined;
  /** due-soon: a deadline within this many days (default 7). */
  withinDays: number;
  now: Date;
}

export interface InventoryImage {
  image: string;
  state: "released" | "blocked";
  /** The earliest deadline among its open findings, if any. */
  nextDueBy?: string;
  openFindings: Pick<RemediationRecord, "findingId" | "package" | "severity" | "firstSeen" | "dueBy" | "state">[];
}

export interface InventoryPage {
  state: InventoryState;
  images: InventoryImage[];
  /** Give it back as `cursor` for the next page; absent on the last. */
  next?: string;
}

const DAY_MS = 86_400_000;

const imageOf = (r: RemediationRecord) => `${r.loginServer}/${r.repository}@${r.digest}`;

/**
 * The images re-evaluation tracks (those with remediation records), by state, with their open findings, a page at a
 * time in image order:
 * - `blocked`: the gate holds the image locked (a blocked record, or its lock record);
 * - `due-soon`: not blocked, with an open finding due within `withinDays` (or already due under warn or approval);
 * - `released`: not blocked (every tracked image the registry still serves), with whatever findings are open.
 * The cursor is the last image of the page (base64url), so pages stay stable while records change elsewhere.
 */
export async function inventoryPage(
  store: Pick<RemediationStore, "list">,
  query: InventoryQuery,
): Promise<InventoryPage> {
  const byImage = new Map<string, RemediationRecord[]>();
  for await (const record of store.list()) {
    const key = imageOf(record);
    const list = byImage.get(key) ?? [];
    list.push(record);
    byImage.set(key, list);
  }
  const after = query.cursor === undefined ? undefined : Buffer.from(query.cursor, "base64url").toString("utf8");
  const horizon = query.now.getTime() + query.withinDays * DAY_MS;
  const images: InventoryImage[] = [];
  let more = false;
  for (const key of [...byImage.keys()].sort()) {
    if (after !== undefined && key <= after) continue;
    const records = byImage.get(key) as RemediationRecord[];
    const blocked = records.some((r) => r.state === "blocked");
    const open = records.filter((r) => r.state !== "closed" && r.findingId !== LOCK_FINDING);
    const nextDueBy = open.map((r) => r.dueBy).sort()[0];
    const dueSoon = !blocked && open.some((r) => Date.parse(r.dueBy) <= horizon);
    const wanted = query.state === "blocked" ? blocked : query.state === "due-soon" ? dueSoon : !blocked;
    if (!wanted) continue;
    if (images.length === query.limit) {
      more = true;
      break;
    }
    images.push({
      image: key,
      state: blocked ? "blocked" : "released",
      ...(nextDueBy ? { nextDueBy } : {}),
      openFindings: open.map(({ findingId, package: pkg, severity, firstSeen, dueBy, state }) => ({
        findingId,
        package: pkg,
        severity,
        firstSeen,
        dueBy,
        state,
      })),
    });
  }
  const last = images.at(-1);
  return {
    state: query.state,
    images,
    ...(more && last ? { next: Buffer.from(last.image, "utf8").toString("base64url") } : {}),
  };
}
