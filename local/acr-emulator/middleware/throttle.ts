import type { ThrottleSettings } from "../model.js";
import { acrError } from "../errors.js";

class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly perMinute: number,
    private readonly capacity: number,
  ) {
    this.tokens = capacity;
  }

  /** Takes one operation; returns 0 when allowed, otherwise the seconds until one would be. */
  take(): number {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 60_000) * this.perMinute);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 60) / this.perMinute));
  }
}

/**
 * ACR throttles data-plane operations per SKU in ReadOps and WriteOps per minute and answers 429 (acr-protocol.md §5).
 * ACR's Retry-After is unconfirmed; the emulator sends it, as the recommendation there says, so clients can be tested on it.
 */
export class Throttle {
  private read: TokenBucket | undefined;
  private write: TokenBucket | undefined;

  configure(settings: ThrottleSettings | null): void {
    this.read = settings
      ? new TokenBucket(
          settings.readOpsPerMinute,
          Math.max(1, (settings.readOpsPerMinute * settings.burstSeconds) / 60),
        )
      : undefined;
    this.write = settings
      ? new TokenBucket(
          settings.writeOpsPerMinute,
          Math.max(1, (settings.writeOpsPerMinute * settings.burstSeconds) / 60),
        )
      : undefined;
  }

  /** Throws a 429 in ACR's envelope when the operation's budget is spent. */
  admit(method: string): void {
    const isRead = method === "GET" || method === "HEAD";
    const bucket = isRead ? this.read : this.write;
    const wait = bucket?.take() ?? 0;
    if (wait > 0) {
      throw acrError(429, "TOOMANYREQUESTS", "too many requests", {}, { "Retry-After": String(wait) });
    }
  }
}
