import { describe, expect, it } from "vitest";
import { getLargeString, putLargeString } from "../../../local/devhost/durable/store/entity-codec.js";
import { instanceIdProblem } from "../../../local/devhost/durable/runtime/instance-id.js";
import { decideRetry } from "../../../local/devhost/durable/replay/retry-policy.js";
import { isAuthorized, presentedKey } from "../../../local/devhost/http/auth-keys.js";
import { toRpcHttpRequest } from "../../../local/devhost/http/request-to-rpc.js";
import { serializeSetCookie } from "../../../local/devhost/http/set-cookie.js";
import { parseSchedule } from "../../../local/devhost/timers/schedule.js";

describe("retry policy (DTFx semantics)", () => {
  const start = new Date("2024-01-01T00:00:00Z");
  it("backs off from the first interval by the coefficient, capped at the maximum interval", () => {
    const options = {
      firstRetryIntervalInMilliseconds: 1000,
      maxNumberOfAttempts: 6,
      backoffCoefficient: 2,
      maxRetryIntervalInMilliseconds: 5000,
    };
    expect([1, 2, 3, 4].map((n) => decideRetry(options, n, start, start).delayMs)).toEqual([1000, 2000, 4000, 5000]);
  });
  it("stops after the last attempt and when the retry timeout would be exceeded", () => {
    expect(decideRetry({ firstRetryIntervalInMilliseconds: 10, maxNumberOfAttempts: 2 }, 2, start, start)).toEqual({
      delayMs: 0,
      retry: false,
    });
    const later = new Date(start.getTime() + 9_500);
    expect(
      decideRetry(
        { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 9, retryTimeoutInMilliseconds: 10_000 },
        1,
        start,
        later,
      ).retry,
    ).toBe(false);
    expect(
      decideRetry(
        { firstRetryIntervalInMilliseconds: 100, maxNumberOfAttempts: 9, retryTimeoutInMilliseconds: 10_000 },
        1,
        start,
        later,
      ),
    ).toEqual({ delayMs: 100, retry: true });
  });
});

describe("timer schedules", () => {
  it("reads six-field NCRONTAB with seconds, in UTC", () => {
    const schedule = parseSchedule("0 */5 * * * *", "UTC");
    expect(schedule.next(new Date("2024-01-01T10:02:30Z")).toISOString()).toBe("2024-01-01T10:05:00.000Z");
    expect(parseSchedule("30 0 9 * * 1-5", "UTC").next(new Date("2024-01-06T12:00:00Z")).toISOString()).toBe(
      "2024-01-08T09:00:30.000Z",
    );
  });
  it("reads TimeSpan intervals and rejects anything else", () => {
    expect(parseSchedule("00:05:00").next(new Date("2024-01-01T00:00:00Z")).toISOString()).toBe(
      "2024-01-01T00:05:00.000Z",
    );
    expect(parseSchedule("1.00:00:00").next(new Date("2024-01-01T00:00:00Z")).toISOString()).toBe(
      "2024-01-02T00:00:00.000Z",
    );
    expect(() => parseSchedule("every minute")).toThrow(/NCRONTAB/);
    expect(() => parseSchedule("99 * * * * *")).toThrow(/not a valid NCRONTAB/);
  });
});

describe("HTTP conversion helpers", () => {
  it("serialises function cookies to Set-Cookie values", () => {
    expect(
      serializeSetCookie({
        name: "s",
        value: "a b",
        path: { value: "/" },
        domain: { value: "example.test" },
        secure: { value: true },
        httpOnly: { value: true },
        sameSite: "explicitNone",
        maxAge: { value: 60 },
        expires: { value: { seconds: 1_704_067_200, nanos: 0 } },
      }),
    ).toBe(
      "s=a%20b; Max-Age=60; Domain=example.test; Path=/; Expires=Mon, 01 Jan 2024 00:00:00 GMT; HttpOnly; Secure; SameSite=None",
    );
    expect(() => serializeSetCookie({ name: "bad name", value: "x" })).toThrow(/token/);
  });

  it("builds the host's RPC request shape: lower-case headers, repeated query values joined with commas", () => {
    const rpc = toRpcHttpRequest(
      {
        method: "post",
        url: new URL("http://h/api/x?a=1&a=2&b="),
        headers: { "content-type": "text/plain", "x-multi": ["1", "2"] },
        body: Buffer.from("hi"),
      },
      { id: "7" },
    );
    expect(rpc).toMatchObject({
      method: "POST",
      url: "http://h/api/x?a=1&a=2&b=",
      query: { a: "1,2", b: "" },
      params: { id: "7" },
      headers: { "x-multi": "1,2" },
    });
    expect(Buffer.from(rpc.body!.bytes!).toString()).toBe("hi");
  });

  it("takes the key from x-functions-key before code, and checks levels", () => {
    const keys = { functionKey: "f".repeat(20), masterKey: "m".repeat(20), durableSystemKey: "d".repeat(20) };
    expect(presentedKey({ "x-functions-key": "h" }, new URLSearchParams("code=q"))).toBe("h");
    expect(presentedKey({}, new URLSearchParams("code=q"))).toBe("q");
    expect(presentedKey({ "x-functions-key": "h" }, new URL("http://h/api/x?code=q"))).toBe("h");
    expect(presentedKey({}, new URL("http://h/api/x?code=q"))).toBe("q");
    expect(presentedKey({}, new URL("http://h/api/x"))).toBeUndefined();
    expect(isAuthorized("anonymous", undefined, keys)).toBe(true);
    expect(isAuthorized("function", keys.functionKey, keys)).toBe(true);
    expect(isAuthorized("function", keys.masterKey, keys)).toBe(true);
    expect(isAuthorized("admin", keys.functionKey, keys)).toBe(false);
    expect(isAuthorized("function", "wrong", keys)).toBe(false);
  });
});

describe("durable storage helpers", () => {
  it("splits long values over numbered properties and joins them back", () => {
    const entity: Record<string, unknown> = {};
    const value = "x".repeat(65_000) + "end";
    putLargeString(entity, "Payload", value, "test value");
    expect(Object.keys(entity)).toEqual(["Payload", "Payload_1", "Payload_2"]);
    expect(getLargeString(entity, "Payload")).toBe(value);
    expect(() => putLargeString({}, "P", "y".repeat(30_000 * 15 + 1), "huge value")).toThrow(/huge value/);
  });

  it("validates instance ids like the extension", () => {
    expect(instanceIdProblem("abc:0001")).toBeUndefined();
    expect(instanceIdProblem("@entity")).toMatch(/@/);
    expect(instanceIdProblem("a/b")).toMatch(/must not contain/);
    expect(instanceIdProblem("a\u0001b")).toMatch(/control/);
    expect(instanceIdProblem("x".repeat(257))).toMatch(/256/);
    expect(instanceIdProblem("")).toMatch(/empty/);
  });
});
