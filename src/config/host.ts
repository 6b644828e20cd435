import { type Env, Reader } from "./reader.js";

/** The status link and the host's own name. */

export interface StatusConfig {
  /** STATUS_BASE_URL without a trailing slash; undefined when not set. */
  baseUrl: string | undefined;
}

export interface HostConfig {
  /** WEBSITE_HOSTNAME, set by App Service: this app's host, where the registry's quarantine webhook must deliver. */
  appHostname: string | undefined;
}

export function statusConfig(env: Env = process.env): StatusConfig {
  const r = new Reader(env);
  const url = r.url("STATUS_BASE_URL", ["https", "http"], r.raw("STATUS_BASE_URL"));
  return r.done({ baseUrl: url ? url.href.replace(/\/+$/, "") : undefined });
}

export function hostConfig(env: Env = process.env): HostConfig {
  const r = new Reader(env);
  return r.done({ appHostname: r.raw("WEBSITE_HOSTNAME") });
}
