import { CONFIG_PARTS, type AppConfig, type Env } from "../config.js";

/**
 * The app settings as the composition root hands them out: each part is read and validated through config.ts once,
 * on first use, and kept. A part that is wrong fails only the functions that use it (a broken POLICY_DOCUMENT does
 * not stop the webhook from answering). Parts are read when first used rather than when the app loads, because the
 * host may set some (WEBSITE_HOSTNAME) only after loading the app's files.
 */
export class AppSettings {
  private readonly env: Env;
  private readonly parts = new Map<keyof AppConfig, unknown>();

  constructor(env: Env) {
    this.env = env;
  }

  get<K extends keyof AppConfig>(key: K): AppConfig[K] {
    if (!this.parts.has(key)) this.parts.set(key, CONFIG_PARTS[key](this.env));
    return this.parts.get(key) as AppConfig[K];
  }

  /** The raw environment, for the few readers outside config.ts's parts (the storage connection). */
  get environment(): Env {
    return this.env;
  }
}
