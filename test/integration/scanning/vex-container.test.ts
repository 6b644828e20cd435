import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parsePolicy } from "../../../src/policy/index.js";
import { judgeScanReport } from "../../../src/scanning/judge.js";
import { VexContainerSource, VexSourceError } from "../../../src/scanning/vex/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";

const API = { repository: "team-a/api", digest: "sha256:" + "a".repeat(64) };
const WEB = { repository: "team-b/web", digest: "sha256:" + "b".repeat(64) };

function vex(id: string, statements: object[]): string {
  return JSON.stringify({
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": id,
    author: "security@contoso.com",
    timestamp: "2024-05-01T00:00:00Z",
    version: 1,
    statements,
  });
}

const notAffected = (vulnerability: string, product: object): object => ({
  vulnerability: { name: vulnerability },
  products: [product],
  status: "not_affected",
  justification: "vulnerable_code_not_in_execute_path",
});
const imageProduct = (digest: string): object => ({ "@id": `pkg:oci/api@${encodeURIComponent(digest)}` });

/** The real client, with every listing and blob access counted (the requests still go to Azurite). */
function counted(container: ContainerClient): { client: ContainerClient; lists: () => number; reads: () => string[] } {
  let lists = 0;
  const reads: string[] = [];
  const client = new Proxy(container, {
    get(target, key, receiver) {
      if (key === "listBlobsFlat") {
        return (...args: Parameters<ContainerClient["listBlobsFlat"]>) => {
          lists += 1;
          return target.listBlobsFlat(...args);
        };
      }
      if (key === "getBlobClient") {
        return (name: string) => {
          reads.push(name);
          return target.getBlobClient(name);
        };
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { client, lists: () => lists, reads: () => [...reads] };
}

describe("VEX documents from a blob container (Azurite)", () => {
  let azurite: TestAzurite;
  let service: BlobServiceClient;
  let sequence = 0;

  beforeAll(async () => {
    azurite = await startTestAzurite();
    service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });
  afterAll(async () => azurite?.dispose());

  let container: ContainerClient;
  beforeEach(async () => {
    sequence += 1;
    container = service.getContainerClient(`vex-${sequence}`);
    await container.create();
  });

  async function put(name: string, text: string): Promise<void> {
    await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
  }

  it("selects per image: global/, repositories/<repository>/, and any document naming the image's digest", async () => {
    await put("global/base.json", vex("https://vex.example/base", [notAffected("CVE-1", { "@id": "pkg:npm/lodash" })]));
    await put(
      "repositories/team-a/api/api.json",
      vex("https://vex.example/api", [notAffected("CVE-2", { "@id": "pkg:npm/a" })]),
    );
    await put(
      "repositories/team-a/other.json",
      vex("https://vex.example/team-a", [notAffected("CVE-3", { "@id": "pkg:npm/b" })]),
    );
    await put(
      "builds/2024-05.json",
      vex("https://vex.example/build", [notAffected("CVE-4", imageProduct(API.digest))]),
    );
    await put("README.md", "not a document");
    const source = new VexContainerSource(container);
    const forApi = await source.forImage(API);
    expect(forApi.problems).toEqual([]);
    expect(forApi.documents.map((document) => document.location)).toEqual([
      "builds/2024-05.json",
      "global/base.json",
      "repositories/team-a/api/api.json",
    ]);
    const forWeb = await source.forImage(WEB);
    expect(forWeb.documents.map((document) => document.location)).toEqual(["global/base.json"]);
  });

  it("reuses the listing within refreshAfterMs and downloads again only the documents whose etag changed", async () => {
    await put("global/one.json", vex("https://vex.example/one", [notAffected("CVE-1", { "@id": "pkg:npm/x" })]));
    await put("global/two.json", vex("https://vex.example/two", [notAffected("CVE-2", { "@id": "pkg:npm/y" })]));
    let clock = 1_000_000;
    const spy = counted(container);
    const source = new VexContainerSource(spy.client, { refreshAfterMs: 60_000, now: () => clock });
    await source.forImage(API);
    await source.forImage(WEB);
    expect(spy.lists()).toBe(1);
    expect(spy.reads().sort()).toEqual(["global/one.json", "global/two.json"]);

    await put("global/two.json", vex("https://vex.example/two", [notAffected("CVE-9", { "@id": "pkg:npm/y" })]));
    clock += 59_000;
    const stale = await source.forImage(API);
    expect(stale.documents[1]?.document.statements[0]?.vulnerability.name).toBe("CVE-2");
    clock += 2_000;
    const fresh = await source.forImage(API);
    expect(spy.lists()).toBe(2);
    expect(spy.reads().sort()).toEqual(["global/one.json", "global/two.json", "global/two.json"]);
    expect(fresh.documents[1]?.document.statements[0]?.vulnerability.name).toBe("CVE-9");
  });

  it("concurrent images share one reading of the container", async () => {
    await put("global/one.json", vex("https://vex.example/one", [notAffected("CVE-1", { "@id": "pkg:npm/x" })]));
    const spy = counted(container);
    const source = new VexContainerSource(spy.client);
    await Promise.all([source.forImage(API), source.forImage(WEB), source.forImage(API)]);
    expect(spy.lists()).toBe(1);
    expect(spy.reads()).toEqual(["global/one.json"]);
  });

  it("a document over the size limit, an invalid one and a non-UTF-8 one are problems; none is read whole", async () => {
    const big = vex("https://vex.example/big", [notAffected("CVE-1", { "@id": `pkg:npm/${"x".repeat(5000)}` })]);
    await put("global/big.json", big);
    await put(
      "global/bad.json",
      vex("https://vex.example/bad", [{ vulnerability: { name: "CVE-2" }, status: "fixed" }]),
    );
    await container.getBlockBlobClient("global/latin1.json").upload(Buffer.from([0x7b, 0xe9, 0x7d]), 3);
    const source = new VexContainerSource(container, { maxDocumentBytes: 4096 });
    const selection = await source.forImage(API);
    expect(selection.documents).toEqual([]);
    expect(selection.problems.map(({ location, code }) => `${location} ${code}`)).toEqual([
      "global/bad.json vex-document-invalid",
      "global/big.json vex-document-too-large",
      "global/latin1.json vex-document-unreadable",
    ]);
    expect(selection.problems[0]?.message).toMatch(/\/statements\/0: must have required property 'products'/);
  });

  it("more documents than maxDocuments is a problem", async () => {
    for (const name of ["a", "b", "c"])
      await put(
        `global/${name}.json`,
        vex(`https://vex.example/${name}`, [notAffected("CVE-1", { "@id": "pkg:npm/x" })]),
      );
    const selection = await new VexContainerSource(container, { maxDocuments: 2 }).forImage(API);
    expect(selection.problems[0]).toMatchObject({ code: "vex-too-many-documents", location: container.containerName });
  });

  it("a missing container is a typed, permanent error; an unreachable account a transient one", async () => {
    const missing = new VexContainerSource(service.getContainerClient("no-such-container"));
    const error = await missing.forImage(API).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VexSourceError);
    expect(error).toMatchObject({ code: "vex-source-not-found", transient: false, upstreamCode: "ContainerNotFound" });

    const closed = BlobServiceClient.fromConnectionString(
      azurite.connectionString.replace(/127\.0\.0\.1:\d+\/devstoreaccount1/, "127.0.0.1:9/devstoreaccount1"),
      { retryOptions: { maxTries: 1 } },
    );
    const unreachable = await new VexContainerSource(closed.getContainerClient("vex"))
      .forImage(API)
      .catch((caught: unknown) => caught);
    expect(unreachable).toMatchObject({ code: "vex-source-unreachable", transient: true });
  });

  it("through the judgement: a container document suppresses exactly its statement, with its provenance", async () => {
    await put(
      "builds/api.json",
      vex("https://vex.example/api-build", [
        notAffected("CVE-2024-0001", imageProduct(API.digest)),
        notAffected("CVE-2024-0002", imageProduct(WEB.digest)),
      ]),
    );
    const report = JSON.stringify({
      SchemaVersion: 2,
      ArtifactName: `registry.example/team-a/api@${API.digest}`,
      Results: [
        {
          Target: "api (alpine 3.19)",
          Vulnerabilities: [
            { VulnerabilityID: "CVE-2024-0001", PkgName: "musl", InstalledVersion: "1.2.4", Severity: "CRITICAL" },
            { VulnerabilityID: "CVE-2024-0002", PkgName: "zlib", InstalledVersion: "1.3", Severity: "CRITICAL" },
          ],
        },
      ],
    });
    const source = new VexContainerSource(container);
    const judged = judgeScanReport({
      report,
      image: API,
      policy: parsePolicy({ version: 1 }),
      vex: await source.forImage(API),
      now: "2025-01-01T00:00:00Z",
    });
    expect(judged.decision).toBe("fail");
    expect(judged.tally).toMatchObject({ findings: 2, suppressedByVex: 1, blocking: 1 });
    expect(judged.vex.suppressions).toEqual([
      {
        document: "https://vex.example/api-build",
        source: "container",
        location: "builds/api.json",
        statementIndex: 0,
        vulnerability: "CVE-2024-0001",
        status: "not_affected",
        justification: "vulnerable_code_not_in_execute_path",
        findings: 1,
        packages: ["musl@1.2.4"],
      },
    ]);
    expect(judged.reasons[0]).toMatchObject({ kind: "finding-blocks", finding: { vulnerabilityId: "CVE-2024-0002" } });
  });
});
