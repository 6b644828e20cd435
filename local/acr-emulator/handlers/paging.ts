import type { URL } from "node:url";
import { acrError } from "../errors.js";

export interface Paging {
  n: number;
  last: string | undefined;
}

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

export function parsePaging(url: URL): Paging {
  const rawN = url.searchParams.get("n");
  let n = DEFAULT_PAGE;
  if (rawN !== null && rawN !== "") {
    if (!/^\d+$/.test(rawN) || Number(rawN) < 1)
      throw acrError(400, "PAGINATION_NUMBER_INVALID", `n must be a positive integer, got "${rawN.slice(0, 40)}"`);
    n = Math.min(Number(rawN), MAX_PAGE);
  }
  const last = url.searchParams.get("last") ?? undefined;
  return { n, last: last === "" ? undefined : last };
}

/**
 * One page after `last`. For lexically sorted keys "after last" is a comparison, so a `last` that no longer exists
 * still continues at the right place; for time-ordered lists it is the position of that key.
 */
export function pageOf<T>(
  items: readonly T[],
  key: (item: T) => string,
  paging: Paging,
  lexical = true,
): { items: T[]; next: string | undefined } {
  let start = 0;
  if (paging.last !== undefined) {
    const last = paging.last;
    if (lexical) {
      let lo = 0;
      let hi = items.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (key(items[mid]!) <= last) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    } else {
      const at = items.findIndex((item) => key(item) === last);
      start = at < 0 ? items.length : at + 1;
    }
  }
  const page = items.slice(start, start + paging.n);
  const more = start + paging.n < items.length;
  return { items: page, next: more && page.length > 0 ? key(page[page.length - 1]!) : undefined };
}
