import { describe, expect, it } from "vitest";
import { allows, grantScopes, parseScopes } from "../../../local/acr-emulator/scopes.js";
import { capabilitiesOf } from "../../../local/acr-emulator/roles.js";
import { isDigest, isRepositoryName, isTag } from "../../../local/acr-emulator/names.js";

describe("token scopes", () => {
  it("parses repeated and space-separated scopes", () => {
    expect(parseScopes(["repository:a/b:pull,push registry:catalog:*", "repository:c:metadata_read"])).toEqual([
      { type: "repository", name: "a/b", actions: ["pull", "push"] },
      { type: "registry", name: "catalog", actions: ["*"] },
      { type: "repository", name: "c", actions: ["metadata_read"] },
    ]);
  });

  it.each([
    "repository:a",
    "repository:A:pull",
    "repository:a/../b:pull",
    "registry:other:*",
    "helm:x:pull",
    "repository:a:",
    ":a:pull",
  ])("rejects %j", (scope) => {
    expect(parseScopes([scope])).toHaveProperty("error");
  });

  it("grants the intersection of what was asked and what the roles allow", () => {
    const asked = parseScopes(["repository:a:*", "registry:catalog:*"]);
    if ("error" in asked) throw new Error(asked.error);
    expect(grantScopes(asked, capabilitiesOf(["AcrPull"]))).toEqual([
      { type: "repository", name: "a", actions: ["pull", "metadata_read"] },
      { type: "registry", name: "catalog", actions: ["*"] },
    ]);
    expect(grantScopes(asked, capabilitiesOf(["AcrDelete"]))).toEqual([
      { type: "repository", name: "a", actions: ["delete"] },
      { type: "registry", name: "catalog", actions: [] },
    ]);
    expect(grantScopes(asked, capabilitiesOf(["AcrQuarantineWriter"]))[0]!.actions).toEqual([
      "pull",
      "push",
      "metadata_read",
      "metadata_write",
    ]);
    expect(grantScopes(asked, capabilitiesOf([]))[0]!.actions).toEqual([]);
  });

  it("checks access entries, including a wildcard repository grant", () => {
    const access = [{ type: "repository", name: "*", actions: ["pull"] }];
    expect(allows(access, "repository", "x/y", "pull")).toBe(true);
    expect(allows(access, "repository", "x/y", "push")).toBe(false);
    expect(allows(access, "registry", "catalog", "*")).toBe(false);
  });
});

describe("OCI names", () => {
  it.each(["a", "a/b", "a-b/c__d", "a.b/c-d-e", "x0/y1/z2"])("accepts repository %j", (n) =>
    expect(isRepositoryName(n)).toBe(true),
  );
  it.each(["", "A", "a/", "/a", "a//b", "a/../b", "a..b", "-a", "a_", "a%2fb", "a\\b", "a".repeat(256)])(
    "rejects repository %j",
    (n) => expect(isRepositoryName(n)).toBe(false),
  );
  it("tells tags from digests", () => {
    expect(isTag("v1.2-rc_3")).toBe(true);
    expect(isTag(".hidden")).toBe(false);
    expect(isTag("t".repeat(129))).toBe(false);
    expect(isDigest(`sha256:${"a".repeat(64)}`)).toBe(true);
    expect(isDigest(`sha512:${"b".repeat(128)}`)).toBe(true);
    expect(isDigest(`sha256:${"A".repeat(64)}`)).toBe(false);
    expect(isDigest(`sha256:${"a".repeat(63)}`)).toBe(false);
  });
});
