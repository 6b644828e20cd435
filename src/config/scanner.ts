import { DEFAULTS } from "./defaults.js";
import { type ConfigDuration, type Env, Reader } from "./reader.js";

/** Which scanner path the pipeline uses (the queue to external scanners, or a Harbor adapter). */

export type ScannerConfig =
  | { kind: "harbor"; harborUrl: URL; deadline: ConfigDuration }
  | { kind: "queue"; queueName: string; deadline: ConfigDuration };

export function scannerConfig(env: Env = process.env): ScannerConfig {
  const r = new Reader(env);
  const kind = r.oneOf("SCANNER_KIND", ["harbor", "queue"] as const, DEFAULTS.SCANNER_KIND);
  const deadline = r.duration("SCAN_DEADLINE", DEFAULTS.SCAN_DEADLINE);
  if (kind === "harbor") {
    const harborUrl = r.url("HARBOR_SCANNER_URL", ["https", "http"], r.required("HARBOR_SCANNER_URL") || undefined);
    return r.done({ kind, harborUrl: harborUrl as URL, deadline });
  }
  // Azure Storage queue names: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.
  const queueName = r.matching(
    "SCAN_QUEUE_NAME",
    /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/,
    "must be a storage queue name (3-63 lowercase letters, digits, single hyphens)",
    DEFAULTS.SCAN_QUEUE_NAME,
  );
  return r.done({ kind, queueName, deadline });
}
