import picomatch from "picomatch";
import { describe, expect, it } from "vitest";
import { compileGlobList, GLOB_OPTIONS, globExpression } from "../../../src/policy/globs.js";

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
  "",
];

describe("precompiled globs match exactly as picomatch.isMatch does", () => {
  it.each(patterns)("%s", (pattern) => {
    const list = compileGlobList([pattern], globExpression);
    for (const name of names)
      expect(list.first(name) !== undefined, name).toBe(name !== "" && picomatch.isMatch(name, pattern, GLOB_OPTIONS));
  });

  it("a list answers with its first matching glob, in document order", () => {
    const list = compileGlobList(["prod/api", "prod/**", "**"], globExpression);
    expect(list.first("prod/api")).toBe("prod/api");
    expect(list.first("prod/web")).toBe("prod/**");
    expect(list.first("dev/web")).toBe("**");
  });
});
