import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalAcr, type LocalAcr, type TestPrincipal } from "../../support/local-acr.js";

interface Answer {
  status: number;
  body: Record<string, unknown>;
  link: string | null;
}

/**
 * Repository and tag attributes of /acr/v1 (ACR's data-plane spec 2021-07-01), the catalog of /v2 from the emulator's
 * records, and the lock refusals — the failure paths in particular, which azure-cli's tests reach only in part.
 */
describe("ACR emulator: repository and tag attributes, deletes and locks", () => {
  let local: LocalAcr;

  async function call(
    principal: TestPrincipal,
    scope: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Answer> {
    const token = await local.accessToken(principal, [scope]);
    const response = await fetch(`${local.acr.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      link: response.headers.get("link"),
    };
  }

  const codeOf = (answer: Answer) => (answer.body.errors as Array<{ code: string; message: string }>)[0];

  beforeAll(async () => {
    local = await startLocalAcr();
    await local.admin("POST", "/seed", {
      repositories: 1,
      manifestsPerRepository: 120,
      prefix: "tags",
      quarantineState: "Passed",
    });
    await local.admin("POST", "/seed", {
      repositories: 3,
      manifestsPerRepository: 2,
      prefix: "del",
      quarantineState: "Passed",
    });
  });
  afterAll(async () => local?.stop());

  it("pages 120 tags by Link to the end, sorted, and filters by digest", async () => {
    const scope = "repository:tags/repo-0:metadata_read";
    const names: string[] = [];
    let path: string | null = "/acr/v1/tags/repo-0/_tags?n=50";
    while (path) {
      const page = await call("puller", scope, "GET", path);
      expect(page.status).toBe(200);
      names.push(...(page.body.tags as Array<{ name: string }>).map((t) => t.name));
      path = /<([^>]+)>;\s*rel="next"/.exec(page.link ?? "")?.[1] ?? null;
      if (path) expect(path.startsWith("/acr/v1/tags/repo-0/_tags?")).toBe(true);
    }
    expect(names).toHaveLength(120);
    expect(names).toEqual([...names].sort());
    const one = await call("puller", scope, "GET", "/acr/v1/tags/repo-0/_tags");
    const digest = (one.body.tags as Array<{ digest: string }>)[0]!.digest;
    const filtered = await call("puller", scope, "GET", `/acr/v1/tags/repo-0/_tags?digest=${digest}`);
    expect((filtered.body.tags as unknown[]).length).toBe(1);
    expect((await call("puller", scope, "GET", "/acr/v1/tags/repo-0/_tags?digest=nope")).status).toBe(400);
    expect((await call("puller", scope, "GET", "/acr/v1/tags/repo-0/_tags?orderby=random")).status).toBe(400);
  });

  it("refuses bad tag PATCHes with 400, a caller without metadata write with 403, an unknown tag with 404", async () => {
    const scope = "repository:tags/repo-0:metadata_read,metadata_write";
    const path = "/acr/v1/tags/repo-0/_tags/v1";
    for (const body of ["[]", "{}", { colour: "green" }, { readEnabled: "no" }, { quarantineState: "Passed" }]) {
      const answer = await call("pusher", scope, "PATCH", path, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    const denied = await call("puller", scope, "PATCH", path, { readEnabled: false });
    expect(denied.status).toBe(403);
    const unknown = await call("pusher", scope, "PATCH", "/acr/v1/tags/repo-0/_tags/absent", { readEnabled: false });
    expect(unknown.status).toBe(404);
    expect(codeOf(unknown)?.code).toBe("MANIFEST_UNKNOWN");
    expect((await call("pusher", scope, "GET", "/acr/v1/tags/repo-0/_tags/bad%20tag")).status).toBe(400);
    const shown = await call("puller", "repository:tags/repo-0:metadata_read", "GET", path);
    expect(shown.body.tag).toMatchObject({ name: "v1", changeableAttributes: { readEnabled: true } });
  });

  it("refuses to delete a locked repository with ACR's documented message, then deletes it once unlocked", async () => {
    const rw = "repository:del/repo-0:metadata_read,metadata_write";
    const del = "repository:del/repo-0:delete";
    const locked = await call("pusher", rw, "PATCH", "/acr/v1/del/repo-0", { deleteEnabled: false });
    expect(locked.status).toBe(200);
    expect(locked.body).toMatchObject({ imageName: "del/repo-0", manifestCount: 2, tagCount: 2 });
    const refused = await call("deleter", del, "DELETE", "/acr/v1/del/repo-0");
    expect(refused.status).toBe(405);
    expect(codeOf(refused)).toMatchObject({
      code: "REGISTRY_DISALLOWED_OPERATION",
      message: expect.stringMatching(/^The operation is disallowed on this registry, repository or image\./),
    });
    await call("pusher", rw, "PATCH", "/acr/v1/del/repo-0", { deleteEnabled: true });
    const deleted = await call("deleter", del, "DELETE", "/acr/v1/del/repo-0");
    expect(deleted.status).toBe(202);
    expect((deleted.body.manifestsDeleted as string[]).length).toBe(2);
    expect((deleted.body.tagsDeleted as string[]).sort()).toEqual(["v0", "v1"]);
    const gone = await call("puller", "repository:del/repo-0:metadata_read", "GET", "/acr/v1/del/repo-0");
    expect(gone.status).toBe(404);
    expect(codeOf(gone)?.code).toBe("NAME_UNKNOWN");
  });

  it("a tag lock blocks deleting its manifest; a repository delete needs the delete action", async () => {
    const rw = "repository:del/repo-1:metadata_read,metadata_write";
    await call("pusher", rw, "PATCH", "/acr/v1/del/repo-1/_tags/v0", { writeEnabled: false });
    expect((await call("deleter", "repository:del/repo-1:delete", "DELETE", "/acr/v1/del/repo-1")).status).toBe(405);
    expect(
      (await call("deleter", "repository:del/repo-1:delete", "DELETE", "/acr/v1/del/repo-1/_tags/v0")).status,
    ).toBe(405);
    expect(
      (await call("deleter", "repository:del/repo-1:delete", "DELETE", "/acr/v1/del/repo-1/_tags/v1")).status,
    ).toBe(202);
    const noDelete = await call("pusher", "repository:del/repo-2:delete", "DELETE", "/acr/v1/del/repo-2");
    expect(noDelete.status).toBe(403);
  });

  it("serves /v2/_catalog from its records, paged by Link, without deleted repositories", async () => {
    const names: string[] = [];
    let path: string | null = "/v2/_catalog?n=1";
    while (path) {
      const page = await call("gate", "registry:catalog:*", "GET", path);
      expect(page.status).toBe(200);
      names.push(...(page.body.repositories as string[]));
      path = /<([^>]+)>;\s*rel="next"/.exec(page.link ?? "")?.[1] ?? null;
    }
    expect(names).toEqual(["del/repo-1", "del/repo-2", "tags/repo-0"]);
  });
});
