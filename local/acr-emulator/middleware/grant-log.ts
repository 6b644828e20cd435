import type { AccessEntry } from "../scopes.js";
import { formatScope } from "../scopes.js";

/** One /oauth2/token answer: who asked, for what, and what the token really carries. */
export interface TokenGrant {
  at: string;
  principal: string;
  grantType: string;
  requested: string[];
  granted: string[];
}

const LIMIT = 1_000;

/**
 * Requested versus granted scopes of every token issued, newest last, so a test can show that the token server gave a
 * caller only the subset its roles allow (Docker token semantics: asking for more never fails, it just is not granted).
 * Bounded: the oldest entries go first.
 */
export class GrantLog {
  private entries: TokenGrant[] = [];

  record(
    principal: string,
    grantType: string,
    requested: readonly AccessEntry[],
    granted: readonly AccessEntry[],
  ): void {
    this.entries.push({
      at: new Date().toISOString(),
      principal,
      grantType,
      requested: requested.map(formatScope),
      granted: granted.filter((g) => g.actions.length > 0).map(formatScope),
    });
    if (this.entries.length > LIMIT) this.entries = this.entries.slice(-LIMIT);
  }

  list(principal?: string): TokenGrant[] {
    return this.entries
      .filter((e) => principal === undefined || e.principal === principal.toLowerCase())
      .map((e) => ({ ...e }));
  }

  reset(): void {
    this.entries = [];
  }
}
