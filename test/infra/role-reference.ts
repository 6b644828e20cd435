/**
 * The independent list of built-in role definition IDs, read from <repo root>/../shared/reference/azure-role-ids.md
 * (CI puts shared/ next to the clone). Never copied into the project: a GUID that is wrong in both the template and a
 * copy here would still fail a real deployment with RoleDefinitionDoesNotExist.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../support/paths.js";

export const roleReferencePath = join(projectRoot, "..", "shared", "reference", "azure-role-ids.md");

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Role name → definition ID (lower case), from the reference's markdown table. */
export function readRoleReference(path = roleReferencePath): Map<string, string> {
  const roles = new Map<string, string>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    if (cells.length < 4) continue;
    const [name, id] = [cells[1]!, cells[2]!.toLowerCase()];
    if (GUID.test(id)) roles.set(name, id);
  }
  if (roles.size === 0) throw new Error(`no role table found in ${path}`);
  return roles;
}

/**
 * Roles the template grants that the reference does not list yet. Each has the Microsoft page that defines it; the
 * reference says a missing role "must be looked up in the built-in roles reference ... and added to the project's own
 * notes with its source". Once the reference lists it, delete the entry here.
 */
export const NOT_YET_IN_REFERENCE: ReadonlyMap<string, { id: string; source: string }> = new Map([
  [
    "Container Registry Contributor and Data Access Configuration Administrator",
    {
      id: "3bc748fc-213d-45c1-8d91-9da5725539b9",
      source:
        "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers#container-registry-contributor-and-data-access-configuration-administrator",
    },
  ],
  [
    // The push role of an ABAC-enabled registry, where AcrPush is not honoured: the gate pushes its attestations
    // (infra/modules/registry-access.bicep, registryRoleAssignmentMode = AbacRepositoryPermissions). Its data actions
    // on that page: registries/repositories/{content,metadata}/{read,write}, nothing else.
    "Container Registry Repository Writer",
    {
      id: "2a1e307c-b015-4ebd-883e-5b7698a07328",
      source:
        "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers#container-registry-repository-writer",
    },
  ],
  [
    // The KEDA azure-queue scaler of the scanner job reads the scan queue's length (infra/modules/scanner-*.bicep).
    "Storage Queue Data Reader",
    {
      id: "19e7f393-937e-4f77-808e-94535e297925",
      source:
        "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-queue-data-reader",
    },
  ],
]);
