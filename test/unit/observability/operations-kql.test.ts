import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EVENT_PREFIX } from "../../../src/observability/event-line.js";
import { imageReference, pipelineInstanceId } from "../../../src/pipeline/contract/index.js";
import { projectRoot } from "../../support/paths.js";
import { IMAGE } from "../pipeline/support/fixtures.js";

/**
 * The KQL in docs/operations.md, checked by Microsoft's own KQL parser and semantic analyzer (Kusto.Language, published
 * as @kusto/language-service-next) against the classic Application Insights schemas of `traces`, `requests` and
 * `exceptions`, column by column as Microsoft documents them ("Migrate to workspace-based Application Insights
 * resources", Table schemas: the ApplicationInsights column of AppTraces, AppRequests and AppExceptions). An unknown
 * column, a misspelt function or operator, or a type error fails the test.
 */

interface Diagnostic {
  Severity: string;
  Message: string;
  Start: number;
}
interface KustoLanguage {
  Symbols: {
    ScalarTypes: Record<"String" | "Int" | "Real" | "DateTime" | "Dynamic", unknown>;
    ColumnSymbol: new (name: string, type: unknown) => unknown;
    TableSymbol: { $ctor4: new (name: string, columns: unknown[]) => unknown };
    DatabaseSymbol: { ctor: new (name: string, members: unknown[]) => unknown };
    ClusterSymbol: { ctor: new (name: string, databases: unknown[]) => unknown };
  };
  GlobalState: { Default: { WithCluster(c: unknown): { WithDatabase(d: unknown): unknown } } };
  KustoCode: {
    ParseAndAnalyze(
      text: string,
      globals: unknown,
    ): {
      GetDiagnostics(): { Count: number; getItem(i: number): Diagnostic };
    };
  };
}

const COMMON = {
  appId: "String",
  application_Version: "String",
  appName: "String",
  client_Browser: "String",
  client_City: "String",
  client_CountryOrRegion: "String",
  client_IP: "String",
  client_Model: "String",
  client_OS: "String",
  client_StateOrProvince: "String",
  client_Type: "String",
  cloud_RoleInstance: "String",
  cloud_RoleName: "String",
  customDimensions: "Dynamic",
  customMeasurements: "Dynamic",
  iKey: "String",
  itemCount: "Int",
  itemId: "String",
  itemType: "String",
  operation_Id: "String",
  operation_Name: "String",
  operation_ParentId: "String",
  operation_SyntheticSource: "String",
  sdkVersion: "String",
  session_Id: "String",
  timestamp: "DateTime",
  user_AccountId: "String",
  user_AuthenticatedId: "String",
  user_Id: "String",
} as const;
type ColumnType = (typeof COMMON)[keyof typeof COMMON] | "Real";

const TABLES: Record<string, Record<string, ColumnType>> = {
  traces: { ...COMMON, message: "String", severityLevel: "Int" },
  requests: {
    ...COMMON,
    duration: "Real",
    id: "String",
    name: "String",
    performanceBucket: "String",
    resultCode: "String",
    source: "String",
    success: "String",
    url: "String",
  },
  exceptions: {
    ...COMMON,
    assembly: "String",
    details: "Dynamic",
    handledAt: "String",
    innermostAssembly: "String",
    innermostMessage: "String",
    innermostMethod: "String",
    innermostType: "String",
    message: "String",
    method: "String",
    outerAssembly: "String",
    outerMessage: "String",
    outerMethod: "String",
    outerType: "String",
    problemId: "String",
    severityLevel: "Int",
    type: "String",
  },
};

const operations = readFileSync(join(projectRoot, "docs/operations.md"), "utf8");
const queries = [...operations.matchAll(/```kusto\n([\s\S]*?)```/g)].map((m) => m[1]!);

let analyze: (query: string) => Diagnostic[];
beforeAll(() => {
  const load = createRequire(import.meta.url);
  load("@kusto/language-service-next/bridge.min.js");
  load("@kusto/language-service-next/Kusto.Language.Bridge.min.js");
  const L = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;
  const S = L.Symbols;
  const tables = Object.entries(TABLES).map(
    ([name, columns]) =>
      new S.TableSymbol.$ctor4(
        name,
        Object.entries(columns).map(([column, type]) => new S.ColumnSymbol(column, S.ScalarTypes[type])),
      ),
  );
  const database = new S.DatabaseSymbol.ctor("appinsights", tables);
  const globals = L.GlobalState.Default.WithCluster(new S.ClusterSymbol.ctor("app", [database])).WithDatabase(database);
  analyze = (query) => {
    const diagnostics = L.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
    return Array.from({ length: diagnostics.Count }, (_, i) => diagnostics.getItem(i));
  };
}, 60_000);

describe("docs/operations.md KQL", () => {
  it("answers the three questions, and more", () => {
    for (const heading of ["What happened to image X?", "What is waiting for approval?", "What failed today?"])
      expect(operations).toContain(`### ${heading}`);
    expect(queries.length).toBeGreaterThanOrEqual(7);
  });

  it("every query parses and type-checks against the documented schemas", () => {
    const problems = queries.flatMap((query, n) =>
      analyze(query).map(
        (d) => `query ${n + 1}: ${d.Severity} ${d.Message} at «${query.slice(d.Start, d.Start + 30)}»`,
      ),
    );
    expect(problems).toEqual([]);
  });

  it("the analyzer does refuse what is wrong (an unknown column, a misspelt function, a bad operator)", () => {
    expect(analyze("traces | where mesage startswith 'x'").length).toBeGreaterThan(0);
    expect(analyze("traces | extend e = parse_jsn(message)").length).toBeGreaterThan(0);
    expect(analyze("traces | wher message == 'x'").length).toBeGreaterThan(0);
    expect(analyze("requests | where resultCode >= 400 | summarize count() by nam").length).toBeGreaterThan(0);
  });

  it("reads the event lines with the prefix and offset the app writes", () => {
    const prefixes = [...operations.matchAll(/message startswith "([^"]*)"/g)].map((m) => m[1]);
    expect(prefixes.length).toBeGreaterThanOrEqual(5);
    expect(new Set(prefixes)).toEqual(new Set([EVENT_PREFIX]));
    const offsets = [...operations.matchAll(/substring\(message, (\d+)\)/g)].map((m) => Number(m[1]));
    expect(new Set(offsets)).toEqual(new Set([EVENT_PREFIX.length]));
  });

  it("computes a pipeline's instance id as the gate does: KQL hash_sha256 is lower-case hex SHA-256", () => {
    // Microsoft's documented example: print hash_sha256("World") = 78ae647d…d524 (the hash_sha256() reference page).
    expect(createHash("sha256").update("World").digest("hex")).toBe(
      "78ae647dc5544d227130a0682a51e30bc7777fbb6d8a8f17007463a3ecd1d524",
    );
    expect(operations).toContain('strcat("qp-", substring(hash_sha256(image), 0, 40))');
    const reference = imageReference(IMAGE).toLowerCase();
    expect(pipelineInstanceId(IMAGE)).toBe(`qp-${createHash("sha256").update(reference).digest("hex").slice(0, 40)}`);
  });
});
