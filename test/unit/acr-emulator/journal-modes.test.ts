import { describe, expect, it } from "vitest";
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Journal } from "../../../local/acr-emulator/persistence/journal.js";
import { SharedFolderError } from "../../../local/fs/private-files.js";
import { freshTempDir } from "../../support/paths.js";

const mode = (path: string) => statSync(path).mode & 0o777;

/** The journal holds the registry's token-signing secret and webhook keys: owner-only, whatever it found on disk. */
describe("emulator journal: file modes", () => {
  it("creates the journal 0600 in a 0700 folder", () => {
    const dir = join(freshTempDir("journal"), "acr");
    const file = join(dir, "registry-state.jsonl");
    const journal = new Journal(file);
    journal.openAndCompact();
    journal.append([{ t: "secret", k: "tokens", v: "c2VjcmV0" }]);
    expect(mode(file)).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
  });

  it("tightens a journal and folder left world-readable, and a stale compaction file", () => {
    const dir = join(freshTempDir("journal"), "acr");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const file = join(dir, "registry-state.jsonl");
    writeFileSync(file, `${JSON.stringify({ t: "secret", k: "tokens", v: "c2VjcmV0" })}\n`, { mode: 0o644 });
    writeFileSync(`${file}.tmp`, "left over\n", { mode: 0o666 });
    chmodSync(file, 0o644);
    chmodSync(`${file}.tmp`, 0o666);
    expect(new Journal(file).openAndCompact()).toEqual([{ t: "secret", k: "tokens", v: "c2VjcmV0" }]);
    expect(mode(file)).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
  });

  it("refuses to lock a shared folder (sticky bit, like /tmp) rather than making it private", () => {
    const shared = join(freshTempDir("journal"), "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    expect(() => new Journal(join(shared, "registry-state.jsonl")).openAndCompact()).toThrow(SharedFolderError);
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
  });
});
