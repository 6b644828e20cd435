import { describe, expect, it } from "vitest";
import {
  AcrInvalidInputError,
  RegistryAllowlist,
  digest,
  isDigest,
  isRepositoryName,
  loginServer,
  repositoryName,
} from "../../../src/acr/index.js";

const HEX64 = "0123456789abcdef".repeat(4);

describe("repository names (OCI distribution grammar)", () => {
  it.each(["app", "team/app", "a/b/c/d", "my-app", "my--app", "my_app", "my__app", "my.app", "a1/b2", "x".repeat(255)])(
    "accepts %s",
    (name) => {
      expect(repositoryName(name)).toBe(name);
    },
  );

  it.each([
    "",
    "App",
    "team/App",
    "/app",
    "app/",
    "team//app",
    "../app",
    "team/../app",
    "team/./app",
    ".",
    "..",
    "-app",
    "app-",
    "_app",
    "app_",
    "a___b",
    "a.-b",
    "team%2fapp",
    "team%2Fapp",
    "team\\app",
    "team app",
    "team/app?x",
    "team/app#x",
    "tëam",
    "x".repeat(256),
    "team/app\n",
    "a:b",
  ])("rejects %j", (name) => {
    expect(isRepositoryName(name)).toBe(false);
    expect(() => repositoryName(name)).toThrow(AcrInvalidInputError);
  });

  it("rejects non-strings and keeps hostile input out of the message's length", () => {
    expect(() => repositoryName(undefined)).toThrow(/invalid repository name/);
    expect(() => repositoryName({ toString: () => "app" })).toThrow(AcrInvalidInputError);
    const error = (() => {
      try {
        repositoryName("x".repeat(10_000));
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error!.message.length).toBeLessThan(400);
  });
});

describe("digests", () => {
  it("accepts sha256 and sha512 in lowercase hex", () => {
    expect(digest(`sha256:${HEX64}`)).toBe(`sha256:${HEX64}`);
    expect(isDigest(`sha512:${HEX64}${HEX64}`)).toBe(true);
  });

  it.each([
    `sha256:${HEX64.toUpperCase()}`,
    `sha256:${HEX64.slice(1)}`,
    `sha256:${HEX64}0`,
    `sha512:${HEX64}`,
    `md5:${HEX64}`,
    `SHA256:${HEX64}`,
    `sha256:${HEX64}/../x`,
    `sha256:${HEX64}%2F`,
    `sha256 ${HEX64}`,
    "latest",
    "",
  ])("rejects %j", (value) => {
    expect(() => digest(value)).toThrow(AcrInvalidInputError);
  });
});

describe("login servers and the allowlist", () => {
  it("normalises case and accepts host:port", () => {
    expect(loginServer("MyRegistry.AzureCR.io")).toBe("myregistry.azurecr.io");
    expect(loginServer("localhost:5443")).toBe("localhost:5443");
  });

  it.each([
    "https://x.azurecr.io",
    "x.azurecr.io/v2",
    "user@x.azurecr.io",
    "x.azurecr.io:0",
    "x.azurecr.io:65536",
    "-x.io",
    "x..io",
    "x.io?",
    "",
    "x .io",
  ])("rejects %j", (value) => {
    expect(() => loginServer(value)).toThrow(AcrInvalidInputError);
  });

  it("allows only the listed registries, case-insensitively, and refuses an empty list", () => {
    const allowlist = new RegistryAllowlist(["prod.azurecr.io", "localhost:5443"]);
    expect(allowlist.check("PROD.azurecr.io")).toBe("prod.azurecr.io");
    expect(allowlist.has("localhost:5443")).toBe(true);
    expect(allowlist.has("localhost:5444")).toBe(false);
    expect(() => allowlist.check("prod.azurecr.io.evil.example")).toThrow(/not in the allowlist/);
    expect(() => new RegistryAllowlist([])).toThrow(AcrInvalidInputError);
  });
});
