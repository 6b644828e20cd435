import { describe, expect, it } from "vitest";
import {
  expiresText,
  expiryChoices,
  expiryLabel,
  expiryRefusal,
  hoursText,
  overrideText,
  startedText,
} from "../../../web/src/expiry.js";

const NOW = Date.parse("2025-03-01T10:00:00Z");

describe("the break-glass form's expiry choices", () => {
  it("offers the policy's default first (sending nothing), then shorter hours, none longer than the maximum", () => {
    expect(expiryChoices(24)).toEqual([
      { label: "24 h (the policy's default)" },
      { label: "8 h", expiresIn: "PT8H" },
      { label: "4 h", expiresIn: "PT4H" },
      { label: "1 h", expiresIn: "PT1H" },
    ]);
    expect(expiryChoices(720).map((c) => c.expiresIn)).toEqual([
      undefined,
      "PT168H",
      "PT72H",
      "PT24H",
      "PT8H",
      "PT4H",
      "PT1H",
    ]);
    expect(expiryChoices(6).map((c) => c.label)).toEqual(["6 h (the policy's default)", "4 h", "1 h"]);
    expect(expiryChoices(1)).toEqual([{ label: "1 h (the policy's default)" }]);
  });

  it("offers only the default when the view did not say the maximum (nothing the API could refuse)", () => {
    for (const max of [undefined, 0, -4, 2.5, Number.NaN])
      expect(expiryChoices(max)).toEqual([{ label: "the policy's default" }]);
    expect(expiryLabel(undefined)).toBe("Expires after (the policy's default)");
    expect(expiryLabel(24)).toBe("Expires after (default 24 h, at most 24 h)");
    expect(expiryLabel(168)).toBe("Expires after (default 7 d, at most 7 d)");
  });

  it("writes hours as hours below two days and as whole days from there", () => {
    expect([1, 24, 47, 48, 50, 72, 720].map(hoursText)).toEqual(["1 h", "24 h", "47 h", "2 d", "50 h", "3 d", "30 d"]);
  });
});

describe("what the page says about an expiry", () => {
  it("shows the 202 answer's expiresAt with the time left, or that there is none", () => {
    expect(startedText("2025-03-01T14:00:00.000Z", NOW)).toBe(
      "Break-glass release started; the override expires 2025-03-01 14:00:00 UTC (in 4 h 0 min), then the image is judged again.",
    );
    expect(startedText(undefined, NOW)).toBe("Break-glass release started, with no expiry.");
    expect(expiresText("2025-03-01T09:00:00Z", NOW)).toBe("2025-03-01 09:00:00 UTC (passed)");
    expect(expiresText("not a date", NOW)).toBe("not a date");
  });

  it("describes the override in the image status: who, when, the expiry and what the judgement at it did", () => {
    const base = { by: "Bo Breakglass", at: "2025-03-01T09:30:00Z" };
    expect(overrideText({ ...base, expiresAt: "2025-03-01T10:30:00Z" }, NOW)).toBe(
      "by Bo Breakglass at 2025-03-01 09:30:00 UTC; expires 2025-03-01 10:30:00 UTC (in 30 min 0 s)",
    );
    expect(overrideText(base, NOW)).toBe("by Bo Breakglass at 2025-03-01 09:30:00 UTC; no expiry");
    expect(overrideText({ ...base, expiresAt: "2025-03-01T09:45:00Z", expiry: "still-released" }, NOW)).toBe(
      "by Bo Breakglass at 2025-03-01 09:30:00 UTC; expires 2025-03-01 09:45:00 UTC (passed); judged again at the expiry: it passed and stays released",
    );
    expect(overrideText({ ...base, expiry: "reblock-failed" }, NOW)).toContain("blocking it again failed");
  });
});

describe("the API's refusal of an expiry", () => {
  it("names the code, the API's reason and the policy's longest for both 400 codes", () => {
    expect(
      expiryRefusal(400, {
        error: "expiresIn PT25H is longer than the policy allows",
        code: "ERR_BREAK_GLASS_EXPIRY_TOO_LONG",
        maxExpiry: "PT24H",
      }),
    ).toBe(
      "Refused (400 ERR_BREAK_GLASS_EXPIRY_TOO_LONG): expiresIn PT25H is longer than the policy allows. The policy allows at most 24 h (PT24H).",
    );
    expect(
      expiryRefusal(400, { error: "expiresIn must be longer than zero", code: "ERR_BREAK_GLASS_EXPIRY_INVALID" }),
    ).toBe("Refused (400 ERR_BREAK_GLASS_EXPIRY_INVALID): expiresIn must be longer than zero.");
    expect(expiryRefusal(400, { code: "ERR_BREAK_GLASS_EXPIRY_INVALID", maxExpiry: "P1W" })).toBe(
      "Refused (400 ERR_BREAK_GLASS_EXPIRY_INVALID): the expiry was refused. The policy allows at most P1W (P1W).",
    );
  });

  it("leaves every other answer to the page's other messages", () => {
    expect(expiryRefusal(400, { error: "invalid decision", problems: [] })).toBeUndefined();
    expect(expiryRefusal(409, { code: "ERR_BREAK_GLASS_EXPIRY_TOO_LONG" })).toBeUndefined();
    expect(expiryRefusal(400, null)).toBeUndefined();
  });
});
