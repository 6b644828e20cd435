import type { NotifyRequest, NotifyRetry } from "../../../../src/pipeline/contract/index.js";

/** One notification occurrence and retry policy, shared by the delivery orchestrations' replay tests. */
export const NOTIFY_REQUEST: NotifyRequest = {
  type: "image.released",
  image: { loginServer: "localhost:5000", repository: "team/app", digest: `sha256:${"d".repeat(64)}` },
  instanceId: "qp-test",
  round: "2026-01-01T00:00:00.000Z",
  at: "2026-01-01T00:00:05.000Z",
  facts: {},
};

export const NOTIFY_EVENT_ID = "ntf-0123456789abcdef0123456789abcdef";

/** Three attempts, 5 s then 10 s apart. */
export const NOTIFY_RETRY: NotifyRetry = {
  maxAttempts: 3,
  firstRetryIntervalMs: 5_000,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 300_000,
};
