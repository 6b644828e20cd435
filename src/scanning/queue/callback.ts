import { tryNormaliseReport, type NormaliseOutcome } from "../normalise/index.js";
import { callbackTokenMatches } from "./callback-token.js";

export type CallbackResult =
  { accepted: false; reason: "unauthenticated" } | { accepted: true; outcome: NormaliseOutcome };

/**
 * What the scanReports endpoint does with a scanner's POST: the bearer token must match the scan's stored hash
 * (nothing is read before that), then the body is normalised. An unusable report is still accepted as an outcome:
 * the scanner did answer, and the policy fails the image on it rather than waiting for the deadline.
 */
export function acceptCallbackReport(input: {
  authorization: string | undefined | null;
  expectedTokenHash: string;
  body: string | Uint8Array;
  maxBytes?: number;
}): CallbackResult {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(input.authorization ?? "");
  if (!callbackTokenMatches(match?.[1], input.expectedTokenHash)) return { accepted: false, reason: "unauthenticated" };
  return {
    accepted: true,
    // The outcome is for the judgement, which reads no CVSS scores (judge.ts): they are not computed.
    outcome: tryNormaliseReport(input.body, {
      ...(input.maxBytes === undefined ? {} : { maxBytes: input.maxBytes }),
      cvss: false,
    }),
  };
}
