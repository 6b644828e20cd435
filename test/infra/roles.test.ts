/**
 * Every role GUID in the compiled template, in every branch of its parameters, is a real built-in role: it appears in
 * ../shared/reference/azure-role-ids.md, read here, not copied.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, type ArmValue } from "./arm-expression.js";
import {
  azdParameterValues,
  buildRoot,
  ensureCompiled,
  isDeployed,
  readCompiled,
  walk,
  type ArmTemplate,
} from "./arm-template.js";
import { NOT_YET_IN_REFERENCE, readRoleReference, roleReferencePath } from "./role-reference.js";

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** Every combination of the switches that add or remove role assignments. */
const BRANCHES: Record<string, string>[] = [
  {},
  { ENABLE_QUARANTINE_POLICY: "true" },
  { DURABLE_BACKEND: "durableTaskScheduler" },
  {
    ENABLE_QUARANTINE_POLICY: "true",
    DURABLE_BACKEND: "durableTaskScheduler",
    SCAN_WORKER_PRINCIPAL_ID: "00000000-0000-0000-0000-000000000001",
  },
  { ACR_ROLE_ASSIGNMENT_MODE: "AbacRepositoryPermissions" },
  { ENABLE_ATTESTATIONS: "false" },
  { ENABLE_ATTESTATIONS: "false", ACR_ROLE_ASSIGNMENT_MODE: "AbacRepositoryPermissions" },
];

let main: ArmTemplate;
let reference: Map<string, string>;
let known: Map<string, string>;

beforeAll(() => {
  ensureCompiled();
  main = readCompiled("main.json");
  reference = readRoleReference();
  known = new Map([...reference].map(([name, id]) => [id, name]));
  for (const [name, { id }] of NOT_YET_IN_REFERENCE) known.set(id, `${name} (not yet in the reference)`);
}, 600_000);

const grantedRoleIds = (environment: Record<string, string>): string[] =>
  walk(main, azdParameterValues(environment))
    .filter((l) => l.resource.type === "Microsoft.Authorization/roleAssignments" && isDeployed(l))
    .map((l) =>
      String(evaluate(l.resource.properties?.roleDefinitionId, l.scope) as ArmValue)
        .split("/")
        .pop()!,
    );

describe("role GUIDs against the independent reference", () => {
  it("reads the reference from <repo root>/../shared, where CI puts it", () => {
    expect(roleReferencePath).toMatch(/shared[/\\]reference[/\\]azure-role-ids\.md$/);
    expect(reference.get("Storage Blob Data Owner")).toMatch(/^b7e6dc6d-/);
    expect(reference.size).toBeGreaterThan(10);
  });

  it("every GUID anywhere in the compiled templates is a role the reference lists", () => {
    const text = readFileSync(join(buildRoot, "main.json"), "utf8");
    const found = [...new Set((text.match(GUID) ?? []).map((g) => g.toLowerCase()))];
    expect(found.length).toBeGreaterThanOrEqual(9);
    expect(found.filter((id) => !known.has(id))).toEqual([]);
  });

  it("every role assignment, in every parameter branch, grants a role the reference lists", () => {
    for (const branch of BRANCHES) {
      const ids = grantedRoleIds(branch);
      expect(ids.length, JSON.stringify(branch)).toBeGreaterThanOrEqual(8);
      expect(
        ids.filter((id) => !known.has(id.toLowerCase())),
        JSON.stringify(branch),
      ).toEqual([]);
    }
  });

  it("the roles not yet in the reference carry a Microsoft source and do not contradict it", () => {
    for (const [name, { id, source }] of NOT_YET_IN_REFERENCE) {
      expect(source).toMatch(/^https:\/\/learn\.microsoft\.com\//);
      const listed = reference.get(name);
      if (listed !== undefined) expect(listed, name).toBe(id);
      expect(reference.has(name) || ![...reference.values()].includes(id)).toBe(true);
    }
  });

  it("the Storage Blob Data Owner the template grants is the reference's, not an invented GUID", () => {
    const ids = grantedRoleIds({});
    expect(ids).toContain(reference.get("Storage Blob Data Owner"));
    expect(ids).not.toContain("b7e6dc6d-f1e8-4753-8033-0f4d9ec2e3a5");
  });
});
