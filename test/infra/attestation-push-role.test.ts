/**
 * The gate's right to push its attestations (docs/attestations.md "Permissions"), on the ARM JSON the real Bicep CLI
 * compiles: the referrers are manifests in the gated image's own repository, so the app identity needs a data-plane
 * push on the gated registry — AcrPush on a classic ("RBAC Registry Permissions") registry, Container Registry
 * Repository Writer on an ABAC-enabled one, where AcrPush is not honoured — at that registry's scope, and nothing
 * broader. Off with attestations. Role IDs from ../shared/reference/azure-role-ids.md, or (Repository Writer, not
 * listed there) from test/infra/role-reference.ts with its Microsoft Learn source.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, type ArmValue } from "./arm-expression.js";
import {
  azdParameterValues,
  ensureCompiled,
  isDeployed,
  readCompiled,
  walk,
  type ArmTemplate,
  type Located,
} from "./arm-template.js";
import { NOT_YET_IN_REFERENCE, readRoleReference } from "./role-reference.js";

let main: ArmTemplate;
let reference: Map<string, string>;
let acrPush: string;
let repositoryWriter: string;

beforeAll(() => {
  reference = readRoleReference();
  acrPush = reference.get("AcrPush")!;
  repositoryWriter = NOT_YET_IN_REFERENCE.get("Container Registry Repository Writer")!.id;
  ensureCompiled();
  main = readCompiled("main.json");
}, 600_000);

const deployedWith = (environment: Record<string, string>): Located[] =>
  walk(main, azdParameterValues(environment)).filter((l) => !l.resource.existing && isDeployed(l));
const assignments = (environment: Record<string, string>): Located[] =>
  deployedWith(environment).filter(
    (l) => l.resource.type === "Microsoft.Authorization/roleAssignments" && !l.path.startsWith("main/scanner"),
  );
const roleIdOf = (l: Located): string =>
  String(evaluate(l.resource.properties?.roleDefinitionId, l.scope)).split("/").pop()!;
const propertiesOf = (l: Located) => evaluate(l.resource.properties ?? {}, l.scope) as Record<string, ArmValue>;
/** The push role of either permissions mode, from the independent lists. */
const pushRoles = (): string[] => [acrPush, repositoryWriter];
const registryScoped = (environment: Record<string, string>): Located[] =>
  assignments(environment).filter((l) => String(l.resource.scope).includes("Microsoft.ContainerRegistry/registries"));

function pushAssignments(environment: Record<string, string>): Located[] {
  return assignments(environment).filter((l) => pushRoles().includes(roleIdOf(l)));
}

describe("compiled infra: the gate may push its attestations and lock manifests, and no more", () => {
  it("the role IDs are the independent lists' (AcrPush from the shared reference, Repository Writer from Learn)", () => {
    expect(acrPush).toBe("8311e382-0749-4cb8-b61a-304f252e45ec");
    expect(repositoryWriter).toBe("2a1e307c-b015-4ebd-883e-5b7698a07328");
    expect(NOT_YET_IN_REFERENCE.get("Container Registry Repository Writer")!.source).toMatch(
      /^https:\/\/learn\.microsoft\.com\/azure\/role-based-access-control\/built-in-roles\/containers#container-registry-repository-writer$/,
    );
  });

  it("attestations are on by default, both as the template default and as azd passes it", () => {
    expect(main.parameters?.enableAttestations).toMatchObject({ type: "bool", defaultValue: true });
    expect(azdParameterValues().enableAttestations).toBe("true");
    expect(main.parameters?.registryRoleAssignmentMode).toMatchObject({
      type: "string",
      defaultValue: "LegacyRegistryPermissions",
      allowedValues: ["LegacyRegistryPermissions", "AbacRepositoryPermissions"],
    });
    expect(azdParameterValues().registryRoleAssignmentMode).toBe("LegacyRegistryPermissions");
  });

  for (const [mode, expected] of [
    ["LegacyRegistryPermissions", "AcrPush"],
    ["AbacRepositoryPermissions", "Container Registry Repository Writer"],
  ] as const) {
    it(`${mode}: exactly one push assignment, ${expected}, to the app identity at the gated registry's scope`, () => {
      const pushes = pushAssignments({ ACR_ROLE_ASSIGNMENT_MODE: mode });
      expect(pushes).toHaveLength(1);
      const push = pushes[0]!;
      expect(roleIdOf(push)).toBe(expected === "AcrPush" ? acrPush : repositoryWriter);
      // The registry the module is deployed next to (the `existing` gated registry), not its group or subscription.
      expect(push.resource.scope).toBe(
        "[resourceId('Microsoft.ContainerRegistry/registries', parameters('registryName'))]",
      );
      expect(push.path).toMatch(/^main\/registry-access-/);
      const passed = (push.parent!.resource.properties!.parameters as Record<string, { value: string }>).registryName!
        .value;
      expect(passed).toContain("parameters('registryName')");
      // The app identity, and only it.
      expect(push.resource.properties?.principalId).toBe("[parameters('appPrincipalId')]");
      const principal = (push.parent!.resource.properties!.parameters as Record<string, { value: string }>)
        .appPrincipalId!.value;
      expect(principal).toContain("'identity'");
      expect(principal).toContain("outputs.principalId.value");
      expect(propertiesOf(push).principalType).toBe("ServicePrincipal");
      // No ABAC condition narrows or widens it: registry-wide, as the gate decides images in every repository.
      expect(propertiesOf(push).condition).toBeUndefined();
    });

    it(`${mode}: on the registry, the quarantine roles, Reader and this push role only (no Contributor, no delete)`, () => {
      const environment = { ACR_ROLE_ASSIGNMENT_MODE: mode };
      // A positive list: Owner, Contributor, AcrDelete, the other mode's push role or any other role would show here.
      expect(registryScoped(environment).map(roleIdOf).sort()).toEqual(
        [
          reference.get("AcrQuarantineReader")!,
          reference.get("AcrQuarantineWriter")!,
          reference.get("Reader")!,
          expected === "AcrPush" ? acrPush : repositoryWriter,
        ].sort(),
      );
      // Push is granted nowhere else (no resource group or subscription scope).
      expect(assignments(environment).filter((l) => pushRoles().includes(roleIdOf(l)))).toHaveLength(1);
    });
  }

  it("one assignment serves both modes, its role and its name both following the mode", () => {
    const classic = pushAssignments({})[0]!;
    const abac = pushAssignments({ ACR_ROLE_ASSIGNMENT_MODE: "AbacRepositoryPermissions" })[0]!;
    expect(classic.resource).toBe(abac.resource);
    expect(roleIdOf(classic)).not.toBe(roleIdOf(abac));
    // The assignment's name is seeded with the role, so switching modes makes a new assignment rather than asking ARM
    // to change the role of an existing one.
    expect(String(classic.resource.name)).toContain("variables('attestationPushRole')");
  });

  for (const mode of ["LegacyRegistryPermissions", "AbacRepositoryPermissions"]) {
    it(`ENABLE_ATTESTATIONS=false (${mode}): the push role stays (re-evaluation's lock), no signing key, no Crypto User, the key setting empty`, () => {
      const environment = { ENABLE_ATTESTATIONS: "false", ACR_ROLE_ASSIGNMENT_MODE: mode };
      // The manifest lock at a remediation deadline or a break-glass expiry is a metadata write: without the push
      // role an expired override would stay released (docs/reevaluation.md).
      expect(pushAssignments(environment).map(roleIdOf)).toEqual(
        pushAssignments({ ACR_ROLE_ASSIGNMENT_MODE: mode }).map(roleIdOf),
      );
      expect(pushAssignments(environment)).toHaveLength(1);
      const deployed = deployedWith(environment);
      expect(deployed.filter((l) => l.resource.type === "Microsoft.KeyVault/vaults/keys")).toEqual([]);
      expect(assignments(environment).map(roleIdOf)).not.toContain(reference.get("Key Vault Crypto User"));
      const config = deployed.filter((l) => l.resource.type === "Microsoft.Web/sites/config");
      expect(config).toHaveLength(1);
      expect(propertiesOf(config[0]!).ATTESTATION_KEY_VAULT_KEY_ID).toBe("");
      // The three quarantine roles stay: the gate still decides.
      expect(assignments(environment).map(roleIdOf)).toEqual(
        expect.arrayContaining([
          reference.get("AcrQuarantineReader"),
          reference.get("AcrQuarantineWriter"),
          reference.get("Reader"),
        ]),
      );
    });
  }

  it("with attestations on, the app gets the key URL it signs with and the push role together", () => {
    const deployed = deployedWith({});
    const config = deployed.filter((l) => l.resource.type === "Microsoft.Web/sites/config");
    const keyId = propertiesOf(config[0]!).ATTESTATION_KEY_VAULT_KEY_ID;
    // Only known once the key exists (reference()), but never the empty string of "off".
    expect(keyId).not.toBe("");
    expect(pushAssignments({})).toHaveLength(1);
  });
});
