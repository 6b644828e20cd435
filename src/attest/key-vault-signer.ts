import type { TokenCredential } from "@azure/identity";
import { CryptographyClient, KeyClient } from "@azure/keyvault-keys";
import { AttestationConfigError, SigningError } from "./errors.js";
import { publicJwkOf, SIGNING_ALGORITHM, type DecisionSigner, type PublicJwk } from "./keys.js";

/**
 * Signs with a Key Vault key (EC P-256, non-exportable): @azure/keyvault-keys' CryptographyClient.signData hashes
 * locally and asks the vault to sign the SHA-256 digest ("sign" needs keys/sign; the public part is read with
 * keys/read — both in the Key Vault Crypto User role, 12338af0-0e69-4776-bea7-57ae8d297424,
 * /work/shared/reference/azure-role-ids.md). The private key never leaves the vault. The key id is the public key's
 * JWK thumbprint, as for a local key; pin a key version in the URL so that a rotation is a deliberate change.
 */
export class KeyVaultSigner implements DecisionSigner {
  private readonly crypto: CryptographyClient;
  private readonly keys: KeyClient;
  private readonly name: string;
  private readonly version: string | undefined;
  private jwk: Promise<PublicJwk> | undefined;
  private id: string | undefined;

  constructor(keyUrl: string, credential: TokenCredential) {
    const match = /^(https:\/\/[^/]+)\/keys\/([A-Za-z0-9-]{1,127})(?:\/([A-Za-z0-9]+))?\/?$/.exec(keyUrl);
    if (!match)
      throw new AttestationConfigError(
        "ATTESTATION_KEY_VAULT_KEY_ID must be a Key Vault key URL: https://<vault>.vault.azure.net/keys/<name>[/<version>]",
      );
    this.crypto = new CryptographyClient(keyUrl, credential);
    this.keys = new KeyClient(match[1]!, credential);
    this.name = match[2]!;
    this.version = match[3];
  }

  get keyId(): string {
    if (!this.id) throw new SigningError("the key id is known only after init()");
    return this.id;
  }

  async init(): Promise<this> {
    this.id = (await this.publicJwk()).kid;
    return this;
  }

  publicJwk(): Promise<PublicJwk> {
    this.jwk ??= (async () => {
      const key = await this.keys.getKey(this.name, this.version ? { version: this.version } : {});
      const jwk = key.key;
      if (jwk?.kty !== "EC" && jwk?.kty !== "EC-HSM")
        throw new SigningError(`the Key Vault key ${this.name} is not an EC key`);
      if (jwk.crv !== "P-256" || !jwk.x || !jwk.y)
        throw new SigningError(`the Key Vault key ${this.name} is not on P-256`);
      return publicJwkOf(Buffer.from(jwk.x).toString("base64url"), Buffer.from(jwk.y).toString("base64url"));
    })();
    return this.jwk;
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    try {
      const result = await this.crypto.signData(SIGNING_ALGORITHM, data);
      return result.result;
    } catch (error) {
      throw new SigningError(`Key Vault refused to sign: ${(error as Error).message}`, { cause: error });
    }
  }
}
