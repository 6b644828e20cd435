import type { RegistryStore } from "./persistence/store.js";
import type { ReferrersIndex } from "./persistence/referrers-index.js";
import type { RegistryTokens } from "./tokens.js";
import type { Throttle } from "./middleware/throttle.js";
import type { Faults } from "./middleware/faults.js";
import type { Latency } from "./middleware/latency.js";
import type { Stats } from "./middleware/stats.js";
import type { GrantLog } from "./middleware/grant-log.js";
import type { AadVerifier } from "./middleware/aad.js";
import type { WebhookDispatcher } from "./webhooks/dispatcher.js";

/** Everything a handler needs, built once by the server. */
export interface EmulatorContext {
  /** The name clients use and tokens are issued for, e.g. localhost:5443. */
  loginServer: string;
  /** https://<loginServer> */
  baseUrl: string;
  backendUrl: string;
  store: RegistryStore;
  /** Manifests pushed with a `subject`, for the OCI 1.1 referrers API (handlers/referrers.ts). */
  referrers: ReferrersIndex;
  tokens: RegistryTokens;
  aad: AadVerifier;
  throttle: Throttle;
  faults: Faults;
  /** Held requests or answers (admin PUT /latency). */
  latency: Latency;
  stats: Stats;
  /** Requested versus granted token scopes (admin GET /stats/token-grants). */
  grants: GrantLog;
  webhooks: WebhookDispatcher;
}
