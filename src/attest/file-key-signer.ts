import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyObject,
} from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SigningError } from "./errors.js";
import { publicJwkOf, type DecisionSigner, type PublicJwk } from "./keys.js";

const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/**
 * Signs with an EC P-256 key kept in a PEM file (PKCS#8), for a gate that runs without Key Vault (the local stack, a
 * self-hosted gate). The file is created on first use when missing: 0600 in a 0700 folder, written with O_EXCL so a
 * racing creator cannot leave a half-written or wider file; an existing key file readable by others is refused.
 */
export class FileKeySigner implements DecisionSigner {
  private readonly key: KeyObject;
  private jwk: Promise<PublicJwk> | undefined;
  private id: string | undefined;

  constructor(file: string) {
    this.key = loadOrCreate(file);
  }

  get keyId(): string {
    if (!this.id) throw new SigningError("the key id is known only after publicJwk() (call init first)");
    return this.id;
  }

  /** Computes the key id (the JWK thumbprint); call once before signing. */
  async init(): Promise<this> {
    this.id = (await this.publicJwk()).kid;
    return this;
  }

  publicJwk(): Promise<PublicJwk> {
    this.jwk ??= (async () => {
      const jwk = createPublicKey(this.key).export({ format: "jwk" });
      return publicJwkOf(jwk.x!, jwk.y!);
    })();
    return this.jwk;
  }

  sign(data: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(cryptoSign("sha256", data, { key: this.key, dsaEncoding: "ieee-p1363" }));
  }
}

function loadOrCreate(file: string): KeyObject {
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    try {
      writeFileSync(file, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: PRIVATE_FILE_MODE, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw new SigningError(`cannot create the signing key ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    try {
      chmodSync(file, PRIVATE_FILE_MODE);
    } catch (error) {
      throw new SigningError(`the signing key ${file} is readable by others (mode ${mode.toString(8)})`, {
        cause: error,
      });
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (error) {
    throw new SigningError(`the signing key ${file} cannot be read as a PEM private key`, { cause: error });
  }
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1")
    throw new SigningError(`the signing key ${file} is not an EC P-256 key`);
  return key;
}
