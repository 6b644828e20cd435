import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export interface CallbackToken {
  /** Goes to the scanner, once, in the scan request; never stored by the gate. */
  token: string;
  /** SHA-256 of the token (hex); what the gate keeps (orchestration state is readable in storage). */
  hash: string;
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** A fresh per-scan token: 32 random bytes, base64url. */
export function issueCallbackToken(): CallbackToken {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: sha256Hex(token) };
}

/** Compares a presented token with a stored hash in constant time; anything malformed simply does not match. */
export function callbackTokenMatches(presented: string | undefined | null, expectedHash: string): boolean {
  if (typeof presented !== "string" || presented.length === 0 || presented.length > 256) return false;
  if (!/^[a-f0-9]{64}$/.test(expectedHash)) return false;
  return timingSafeEqual(Buffer.from(sha256Hex(presented), "hex"), Buffer.from(expectedHash, "hex"));
}
