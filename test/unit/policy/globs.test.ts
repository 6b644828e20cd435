import picomatch from "picomatch";
import { describe, expect, it } from "vitest";
import { compileGlob, GLOB_OPTIONS, GlobIndex, globList } from "../../../src/policy/globs.js";

const patterns = [
  "prod/**",
  "prod/*",
  "sandbox/*",
  "team-{a,b}/**",
  "app/[abc]*",
  "svc/@(api|web)",
  "svc/!(api)",
  "*/legacy/**",
  "Team-A/**",
  "exact/name",
  "a+b/c",
  "**",
  "x/?y",
  ".hidden/**",
  "!prod/**",
  "!(prod)/**",
  "a/!(b)/c",
  "prod",
  "org-5/team-7/{api,web}-*/**",
  "PROD/API",
];
const names = [
  "prod",
  "prod/api",
  "prod/legacy/billing",
  "sandbox/tool",
  "sandbox/a/tool",
  "team-a/api",
  "team-c/api",
  "app/alpha",
  "app/delta",
  "svc/api",
  "svc/web",
  "svc/db",
  "x/legacy/y",
  "team-a/x",
  "exact/name",
  "a+b/c",
  "x/zy",
  ".hidden/x",
  "production",
  "a/b/c",
  "a/x/c",
  "org-5/team-7/web-1/svc",
  "org-5/team-7/db-1/svc",
  "org-5/team-70/web-1",
  "Prod/Api",
  "",
];

describe("precompiled globs match exactly as picomatch.isMatch does", () => {
  it.each(patterns)("%s", (pattern) => {
    const list = globList([compileGlob(pattern)]);
    for (const name of names)
      expect(list.first(name) !== undefined, name).toBe(name !== "" && picomatch.isMatch(name, pattern, GLOB_OPTIONS));
  });

  it("a list answers with its first matching glob, in document order", () => {
    const list = globList(["prod/api", "prod/**", "**"].map(compileGlob));
    expect(list.first("prod/api")).toBe("prod/api");
    expect(list.first("prod/web")).toBe("prod/**");
    expect(list.first("dev/web")).toBe("**");
  });
});

describe("the policy's glob index finds the first matching glob in document order", () => {
  const order = ["**/legacy/**", "prod/api", "prod/**", "team-{a,b}/**", "!(sandbox)/*", "sandbox/*", "**"];
  const index = new GlobIndex(order.map((pattern, value) => ({ glob: compileGlob(pattern), value })));

  it.each(["prod/api", "prod/web", "x/legacy/y", "team-a/x", "sandbox/tool", "lab/tool", "deep/a/b", "Prod/Api", ""])(
    "%j: as the first glob picomatch.isMatch accepts",
    (name) => {
      const expected = order.findIndex((pattern) => name !== "" && picomatch.isMatch(name, pattern, GLOB_OPTIONS));
      expect(index.first(name)?.value ?? -1).toBe(expected);
    },
  );
});
