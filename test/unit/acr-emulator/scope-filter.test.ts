import { describe, expect, it } from "vitest";
import { scopeMatches } from "../../../local/acr-emulator/webhooks/scope-filter.js";

describe("webhook scope filter (ACR's grammar)", () => {
  it.each([
    ["", "any/repo", "v1", true],
    ["", "any/repo", undefined, true],
    ["foo:*", "foo", "v1", true],
    ["foo:*", "foo", undefined, true],
    ["foo:*", "foobar", "v1", false],
    ["foo:bar", "foo", "bar", true],
    ["foo:bar", "foo", "baz", false],
    ["foo:bar", "foo", undefined, false],
    ["foo", "foo", "latest", true],
    ["foo", "foo", "v1", false],
    ["team/*:*", "team/app", "v1", true],
    ["team/*:*", "other/app", "v1", false],
    ["team/app:v*", "team/app", "v2", true],
  ] as const)("scope %j matches %s:%s → %s", (scope, repository, tag, expected) => {
    expect(scopeMatches(scope, repository, tag)).toBe(expected);
  });
});
