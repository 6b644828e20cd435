import { existsSync, readFileSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import { appendPrivateFile, ensurePrivateDir, makePrivate, writePrivateFile } from "../../fs/private-files.js";

/** One line of the journal: the latest value of an entity, or null when it was removed. */
export interface JournalEntry {
  t: string;
  k: string;
  v: unknown;
}

/**
 * An append-only JSON-lines journal, compacted on open. Appends are synchronous so a record is in the OS before the
 * HTTP answer that depends on it leaves (a SIGKILL after the answer loses nothing). Like Azurite's metadata store it is
 * local-only; the last entry for a key wins. It holds the registry's token-signing secret, principals' passwords and
 * webhooks' custom headers (the app's function key), so it is 0600 in a 0700 folder (fixed on open if wider).
 */
export class Journal {
  constructor(private readonly file: string) {}

  /** Reads all live entries (last write per key), then rewrites the file with just those. */
  openAndCompact(): JournalEntry[] {
    ensurePrivateDir(dirname(this.file));
    makePrivate(this.file);
    const latest = new Map<string, JournalEntry>();
    if (existsSync(this.file)) {
      const lines = readFileSync(this.file, "utf8").split("\n");
      for (const [index, line] of lines.entries()) {
        if (!line.trim()) continue;
        try {
          const entry = JSON.parse(line) as JournalEntry;
          latest.set(`${entry.t}\u0000${entry.k}`, entry);
        } catch (error) {
          // Only a torn last line (killed mid-write) is tolerable; anything else is corruption worth stopping for.
          if (index < lines.length - 2)
            throw new Error(`${this.file}:${index + 1}: corrupt journal line: ${(error as Error).message}`);
        }
      }
    }
    const live = [...latest.values()].filter((e) => e.v !== null);
    const tmp = `${this.file}.tmp`;
    writePrivateFile(tmp, live.map((e) => JSON.stringify(e)).join("\n") + (live.length ? "\n" : ""));
    renameSync(tmp, this.file);
    return live;
  }

  append(entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    appendPrivateFile(this.file, entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
  }
}
