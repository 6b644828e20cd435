import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from "jose";
import { createHash } from "node:crypto";
import { ensurePrivateDir, makePrivate, writePrivateFile } from "../fs/private-files.js";

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * The RS256 key the endpoint signs with. With a state directory the key survives restarts, so tokens issued
 * before a restart still verify after it (as Entra ID's keys outlive any one process). The key file is 0600 in a 0700
 * folder, fixed at every load when it was left with wider modes.
 */
export async function loadOrCreateSigningKey(stateDir?: string): Promise<SigningKey> {
  const file = stateDir ? join(stateDir, "identity-signing-key.json") : undefined;
  if (file && stateDir) {
    ensurePrivateDir(stateDir);
    makePrivate(file);
    try {
      const jwk = JSON.parse(await readFile(file, "utf8")) as JWK;
      return fromPrivateJwk(jwk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  if (file) writePrivateFile(file, JSON.stringify(jwk));
  return fromPrivateJwk(jwk);
}

async function fromPrivateJwk(jwk: JWK): Promise<SigningKey> {
  const privateKey = (await importJWK({ ...jwk, alg: "RS256" }, "RS256")) as CryptoKey;
  const { kty, n, e } = jwk;
  const kid = createHash("sha256").update(`${n}.${e}`).digest("base64url").slice(0, 16);
  return { kid, privateKey, publicJwk: { kty, n, e, kid, use: "sig", alg: "RS256" } };
}
