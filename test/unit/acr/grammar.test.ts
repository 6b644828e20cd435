import { describe, expect, it } from "vitest";
import { Ajv } from "ajv";
import * as grammar from "../../../src/oci/grammar.js";
import * as clientNames from "../../../src/acr/names.js";
import * as emulatorNames from "../../../local/acr-emulator/names.js";
import { AcrError, AcrNotFoundError } from "../../../src/acr/errors.js";
import { GateError, isGateError } from "../../../src/errors/gate-error.js";

const HEX64 = "0123456789abcdef".repeat(4);

/** Names from the OCI distribution spec's grammar, with what it says of each. */
const REPOSITORIES: Array<[string, boolean]> = [
  ["library/ubuntu", true],
  ["a", true],
  ["a/b/c", true],
  ["my-app", true],
  ["my--app", true],
  ["my_app", true],
  ["my__app", true],
  ["my.app", true],
  ["x".repeat(255), true],
  ["x".repeat(256), false],
  ["my___app", false],
  ["My/App", false],
  ["-app", false],
  ["app.", false],
  ["a//b", false],
  ["../a", false],
  ["a%2Fb", false],
  ["", false],
];
const TAGS: Array<[string, boolean]> = [
  ["latest", true],
  ["v1.2.3", true],
  ["_x", true],
  ["A-b_c.d", true],
  ["x".repeat(128), true],
  ["x".repeat(129), false],
  [".hidden", false],
  ["-x", false],
  ["a:b", false],
  ["a/b", false],
  ["", false],
];
const DIGESTS: Array<[string, boolean]> = [
  [`sha256:${HEX64}`, true],
  [`sha512:${HEX64}${HEX64}`, true],
  [`sha256:${HEX64.toUpperCase()}`, false],
  [`sha256:${HEX64.slice(1)}`, false],
  [`sha512:${HEX64}`, false],
  [`md5:${HEX64}`, false],
  ["sha256:", false],
];
const LOGIN_SERVERS: Array<[string, boolean]> = [
  ["myregistry.azurecr.io", true],
  ["localhost:5443", true],
  ["127.0.0.1:443", true],
  ["a".repeat(63) + ".io", true],
  ["a".repeat(64) + ".io", false],
  ["host:0", false],
  ["host:65536", false],
  ["https://myregistry.azurecr.io", false],
  ["myregistry.azurecr.io/path", false],
  ["user@host", false],
  ["-host.io", false],
  ["Host.io", false],
  ["", false],
];

describe("the one OCI grammar", () => {
  it.each(REPOSITORIES)(
    "repository %j → %s, the same for the client, the emulator and the webhook schema",
    (name, ok) => {
      expect(grammar.isRepositoryName(name)).toBe(ok);
      expect(clientNames.isRepositoryName(name)).toBe(ok);
      expect(emulatorNames.isRepositoryName(name)).toBe(ok);
      // The webhook validates with Ajv (unicode regexps) from the same pattern text: it must agree too.
      const schema = { type: "string", maxLength: grammar.MAX_REPOSITORY_LENGTH, pattern: grammar.PATTERN.repository };
      expect(new Ajv().validate(schema, name)).toBe(ok);
    },
  );

  it.each(TAGS)("tag %j → %s", (tag, ok) => {
    expect(grammar.isTag(tag)).toBe(ok);
    expect(clientNames.isTag(tag)).toBe(ok);
    expect(emulatorNames.isTag(tag)).toBe(ok);
    expect(new Ajv().validate({ type: "string", pattern: grammar.PATTERN.tag }, tag)).toBe(ok);
  });

  it.each(DIGESTS)("digest %j → %s", (digest, ok) => {
    expect(grammar.isDigest(digest)).toBe(ok);
    expect(clientNames.isDigest(digest)).toBe(ok);
    expect(emulatorNames.isDigest(digest)).toBe(ok);
    expect(emulatorNames.isReference(digest)).toBe(ok || grammar.isTag(digest));
  });

  it.each(LOGIN_SERVERS)("login server %j → %s", (server, ok) => {
    expect(grammar.isLoginServer(server)).toBe(ok);
  });

  it("splits image references only when every part is in the grammar", () => {
    expect(grammar.splitImageReference(`localhost:5443/team/app@sha256:${HEX64}`)).toEqual({
      loginServer: "localhost:5443",
      repository: "team/app",
      digest: `sha256:${HEX64}`,
    });
    for (const bad of [
      `team/app@sha256:${HEX64}`.slice(5),
      `r.io/app:v1`,
      `r.io/@sha256:${HEX64}`,
      `r.io/a@b@sha256:${HEX64}`,
    ])
      expect(grammar.splitImageReference(bad)).toBeUndefined();
  });
});

describe("registry client errors", () => {
  it("are GateErrors with a stable code and ACR's code as the upstream code", () => {
    const error = new AcrNotFoundError("gone", { acrCode: "MANIFEST_UNKNOWN", status: 404 });
    expect(error).toBeInstanceOf(GateError);
    expect(error).toBeInstanceOf(AcrError);
    expect(isGateError(error)).toBe(true);
    expect(error.code).toBe("ERR_ACR_NOT_FOUND");
    expect(AcrNotFoundError.code).toBe("ERR_ACR_NOT_FOUND");
    expect(error.upstreamCode).toBe("MANIFEST_UNKNOWN");
    expect(error.acrCode).toBe("MANIFEST_UNKNOWN");
    expect(error.name).toBe("AcrNotFoundError");
  });
});
