/**
 * The decision-signing key (infra/modules/keyvault-signing-key.bicep), on the ARM JSON the real Bicep CLI compiles:
 * an EC P-256 key that cannot be exported, used only to sign and verify, in a vault with RBAC authorization; the app
 * identity gets Key Vault Crypto User (id from ../shared/reference/azure-role-ids.md) at that key's scope, and no
 * other Key Vault key role anywhere.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, type ArmValue } from "./arm-expression.js";
import { azdParameterValues, ensureCompiled, isDeployed, readCompiled, walk, type Located } from "./arm-template.js";
import { readRoleReference } from "./role-reference.js";

let deployed: Located[];
let reference: Map<string, string>;

beforeAll(() => {
  reference = readRoleReference();
  ensureCompiled();
  deployed = walk(readCompiled("main.json"), azdParameterValues()).filter((l) => isDeployed(l));
}, 600_000);

const ofType = (type: string) => deployed.filter((l) => l.resource.type.toLowerCase() === type.toLowerCase());
const properties = (l: Located) => evaluate(l.resource.properties ?? {}, l.scope) as Record<string, ArmValue>;
const roleOf = (l: Located) => String(evaluate(l.resource.properties?.roleDefinitionId, l.scope)).split("/").pop()!;

describe("compiled infra: the decision-signing key", () => {
  it("is one EC P-256 key for sign and verify only, not exportable", () => {
    const keys = ofType("Microsoft.KeyVault/vaults/keys");
    expect(keys).toHaveLength(1);
    const p = properties(keys[0]!) as {
      kty: string;
      curveName: string;
      keyOps: string[];
      attributes: { exportable: boolean; enabled: boolean };
      release_policy?: unknown;
    };
    expect(p.kty).toBe("EC");
    expect(p.curveName).toBe("P-256");
    expect([...p.keyOps].sort()).toEqual(["sign", "verify"]);
    expect(p.attributes.exportable).toBe(false);
    expect(p.release_policy).toBeUndefined();
  });

  it("lives in the app's vault, which uses RBAC authorization (no access policies)", () => {
    const vaults = ofType("Microsoft.KeyVault/vaults").filter((l) => !l.resource.existing);
    expect(vaults).toHaveLength(1);
    const p = properties(vaults[0]!) as { enableRbacAuthorization: boolean; accessPolicies?: unknown[] };
    expect(p.enableRbacAuthorization).toBe(true);
    expect(p.accessPolicies ?? []).toEqual([]);
  });

  it("grants Key Vault Crypto User to the app at the key's scope, and no other key role anywhere", () => {
    const cryptoUser = reference.get("Key Vault Crypto User")!;
    expect(cryptoUser).toBe("12338af0-0e69-4776-bea7-57ae8d297424");
    const assignments = ofType("Microsoft.Authorization/roleAssignments");
    const granted = assignments.filter((l) => roleOf(l) === cryptoUser);
    expect(granted).toHaveLength(1);
    expect(String(granted[0]!.resource.scope)).toMatch(/Microsoft\.KeyVault\/vaults\/.*keys/);
    expect(properties(granted[0]!).principalType).toBe("ServicePrincipal");
    const keyRoles = [...reference]
      .filter(([name]) => /^Key Vault (Crypto|Administrator)/.test(name) && name !== "Key Vault Crypto User")
      .map(([, id]) => id);
    expect(assignments.map(roleOf).filter((id) => keyRoles.includes(id))).toEqual([]);
  });

  it("hands the versioned key URL to the deployment as ATTESTATION_KEY_VAULT_KEY_ID", () => {
    const main = readCompiled("main.json") as { outputs: Record<string, { value: string }> };
    expect(main.outputs.ATTESTATION_KEY_VAULT_KEY_ID?.value).toContain("keyId");
  });
});
