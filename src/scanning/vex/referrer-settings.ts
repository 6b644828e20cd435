import { readFileSync } from "node:fs";
import { GateError } from "../../errors/gate-error.js";
import type { VexReferrerMode } from "./referrer-source.js";

/**
 * VEX_REFERRERS: off (default) | any | signed — whether OpenVEX documents attached to the image as referrers are
 * applied, and whether unsigned ones count. VEX_REFERRER_KEYS: a JWKS file of the keys trusted to sign VEX (needed
 * for signed ones; with `signed` and no keys nothing is applied, which is the strict direction).
 */
/** VEX_REFERRERS or VEX_REFERRER_KEYS is wrong. */
export class VexReferrerConfigError extends GateError {
  static override readonly code = "ERR_VEX_REFERRER_CONFIG";
  override readonly code = "ERR_VEX_REFERRER_CONFIG";
}

export interface VexReferrerSettings {
  mode: VexReferrerMode | "off";
  keys:
    | { keys: Array<{ kty: "EC"; crv: "P-256"; x: string; y: string; kid: string; alg: "ES256"; use: "sig" }> }
    | undefined;
}

export function vexReferrerSettings(env: Readonly<Record<string, string | undefined>>): VexReferrerSettings {
  const raw = (env.VEX_REFERRERS ?? "off").trim().toLowerCase() || "off";
  if (raw !== "off" && raw !== "any" && raw !== "signed")
    throw new VexReferrerConfigError(
      `VEX_REFERRERS must be off, any or signed, got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  const file = env.VEX_REFERRER_KEYS?.trim();
  let keys: VexReferrerSettings["keys"];
  if (file) {
    try {
      keys = JSON.parse(readFileSync(file, "utf8")) as VexReferrerSettings["keys"];
    } catch (error) {
      throw new VexReferrerConfigError(
        `VEX_REFERRER_KEYS: cannot read a JWKS from ${file}: ${(error as Error).message}`,
      );
    }
  }
  return { mode: raw, keys };
}
