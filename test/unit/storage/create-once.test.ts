import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { conflict, createOnce } from "../../../src/storage/create-once.js";

describe("createOnce: a storage resource created once per process", () => {
  it("every caller waits for the same creation; later calls create nothing", async () => {
    let calls = 0;
    const ensure = createOnce(async () => void (calls += 1));
    await Promise.all([ensure(), ensure(), ensure()]);
    await ensure();
    expect(calls).toBe(1);
  });

  it("a failed creation is forgotten: the next call tries again", async () => {
    let calls = 0;
    const ensure = createOnce(async () => {
      calls += 1;
      if (calls === 1) throw new Error("storage down");
    });
    await expect(ensure()).rejects.toThrow("storage down");
    await ensure();
    await ensure();
    expect(calls).toBe(2);
  });

  it("a failure that means it exists counts as created; others may be described as the caller's error", async () => {
    let calls = 0;
    const exists = createOnce(
      async () => {
        calls += 1;
        throw new RestError("TableAlreadyExists", { statusCode: 409 });
      },
      { alreadyThere: conflict },
    );
    await exists();
    await exists();
    expect(calls).toBe(1);
    const described = createOnce(async () => Promise.reject(new RestError("forbidden", { statusCode: 403 })), {
      alreadyThere: conflict,
      describe: (error) => new Error(`could not create the table: ${(error as Error).message}`),
    });
    await expect(described()).rejects.toThrow("could not create the table: forbidden");
  });
});
