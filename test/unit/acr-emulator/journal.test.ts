import { describe, expect, it } from "vitest";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Journal } from "../../../local/acr-emulator/persistence/journal.js";
import { freshTempDir } from "../../support/paths.js";

describe("emulator journal", () => {
  it("keeps the last entry per key, drops deletions, and compacts", () => {
    const file = join(freshTempDir("journal"), "state.jsonl");
    const journal = new Journal(file);
    expect(journal.openAndCompact()).toEqual([]);
    journal.append([
      { t: "m", k: "a", v: 1 },
      { t: "m", k: "b", v: 2 },
    ]);
    journal.append([
      { t: "m", k: "a", v: 3 },
      { t: "m", k: "b", v: null },
    ]);
    expect(new Journal(file).openAndCompact()).toEqual([{ t: "m", k: "a", v: 3 }]);
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("tolerates a torn last line (killed mid-write) but not corruption in the middle", () => {
    const file = join(freshTempDir("journal"), "state.jsonl");
    writeFileSync(file, `${JSON.stringify({ t: "m", k: "a", v: 1 })}\n`);
    appendFileSync(file, `{"t":"m","k":"b","v`);
    expect(new Journal(file).openAndCompact()).toEqual([{ t: "m", k: "a", v: 1 }]);
    writeFileSync(
      file,
      `{broken\n${JSON.stringify({ t: "m", k: "a", v: 1 })}\n${JSON.stringify({ t: "m", k: "c", v: 1 })}\n`,
    );
    expect(() => new Journal(file).openAndCompact()).toThrow(/corrupt journal line/);
  });
});
