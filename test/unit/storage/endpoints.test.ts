import { describe, expect, it } from "vitest";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { ConfigError, storageConfig } from "../../../src/config.js";
import { blobContainerClient } from "../../../src/storage/blobs.js";
import { queueClient, StorageSettingsError, storageConnection, tableClient } from "../../../src/storage/clients.js";

const CLIENT_ID = "11111111-2222-3333-4444-555555555555";
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    storageConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
};
/** Never asked for a token here: building a client does not authenticate. */
const credential: TokenCredential = {
  getToken: async (): Promise<AccessToken | null> => {
    throw new Error("no token in a unit test");
  },
};

describe("storage endpoints: the Functions host's AzureWebJobsStorage settings", () => {
  it("uses the connection string when AzureWebJobsStorage is set (Azurite locally)", () => {
    expect(storageConfig({ AzureWebJobsStorage: "UseDevelopmentStorage=true" }).account).toEqual({
      kind: "connectionString",
      connectionString: "UseDevelopmentStorage=true",
    });
  });

  it("accountName alone means the public cloud's core.windows.net, as the host documents", () => {
    const account = storageConfig({
      AzureWebJobsStorage__accountName: "stgate",
      AzureWebJobsStorage__clientId: CLIENT_ID,
    }).account;
    expect(account).toEqual({
      kind: "identity",
      clientId: CLIENT_ID,
      endpoints: {
        blob: "https://stgate.blob.core.windows.net",
        queue: "https://stgate.queue.core.windows.net",
        table: "https://stgate.table.core.windows.net",
      },
    });
  });

  it("accountName with an endpoint suffix reaches Azure Government", () => {
    const account = storageConfig({
      AzureWebJobsStorage__accountName: "stgate",
      AzureWebJobsStorage__endpointSuffix: "core.usgovcloudapi.net",
    }).account;
    expect(account?.kind === "identity" && account.endpoints).toEqual({
      blob: "https://stgate.blob.core.usgovcloudapi.net",
      queue: "https://stgate.queue.core.usgovcloudapi.net",
      table: "https://stgate.table.core.usgovcloudapi.net",
    });
  });

  it("explicit service URIs (Azure China) win over the account name and keep no trailing slash", () => {
    const account = storageConfig({
      AzureWebJobsStorage__accountName: "stgate",
      AzureWebJobsStorage__blobServiceUri: "https://stgate.blob.core.chinacloudapi.cn/",
      AzureWebJobsStorage__queueServiceUri: "https://stgate.queue.core.chinacloudapi.cn/",
      AzureWebJobsStorage__tableServiceUri: "https://stgate.table.core.chinacloudapi.cn/",
    }).account;
    expect(account?.kind === "identity" && account.endpoints).toEqual({
      blob: "https://stgate.blob.core.chinacloudapi.cn",
      queue: "https://stgate.queue.core.chinacloudapi.cn",
      table: "https://stgate.table.core.chinacloudapi.cn",
    });
  });

  it("__serviceUri is the blob URI only; the other services come from accountName", () => {
    const account = storageConfig({
      AzureWebJobsStorage__serviceUri: "https://blobs.example.test",
      AzureWebJobsStorage__accountName: "stgate",
      AzureWebJobsStorage__endpointSuffix: "core.chinacloudapi.cn",
    }).account;
    expect(account?.kind === "identity" && account.endpoints).toEqual({
      blob: "https://blobs.example.test",
      queue: "https://stgate.queue.core.chinacloudapi.cn",
      table: "https://stgate.table.core.chinacloudapi.cn",
    });
  });

  it("a half-configured account is refused, naming every service it cannot reach", () => {
    const problems = problemsOf({ AzureWebJobsStorage__serviceUri: "https://stgate.blob.core.windows.net" });
    expect(problems).toHaveLength(2);
    expect(problems.join("\n")).toMatch(/__queueServiceUri/);
    expect(problems.join("\n")).toMatch(/__tableServiceUri/);
  });

  it("refuses a SAS on a service URI without repeating it", () => {
    const problems = problemsOf({
      AzureWebJobsStorage__blobServiceUri: "https://stgate.blob.core.windows.net/?sv=2024&sig=SECRETSIG",
      AzureWebJobsStorage__accountName: "stgate",
    });
    expect(problems).toEqual([
      "AzureWebJobsStorage__blobServiceUri must be the service URI alone, without a query string or fragment",
    ]);
    expect(problems.join("")).not.toContain("SECRETSIG");
  });

  it("refuses plain HTTP, a bad account name, a bad suffix and a non-GUID client ID", () => {
    expect(
      problemsOf({ AzureWebJobsStorage__accountName: "stgate", AzureWebJobsStorage__tableServiceUri: "http://x.test" }),
    ).toHaveLength(1);
    expect(problemsOf({ AzureWebJobsStorage__accountName: "St_Gate" })[0]).toMatch(/accountName/);
    expect(
      problemsOf({
        AzureWebJobsStorage__accountName: "stgate",
        AzureWebJobsStorage__endpointSuffix: "not a suffix",
      })[0],
    ).toMatch(/endpointSuffix/);
    expect(problemsOf({ AzureWebJobsStorage__accountName: "stgate", AzureWebJobsStorage__clientId: "me" })[0]).toMatch(
      /AzureWebJobsStorage__clientId must be a GUID/,
    );
  });

  it("no storage setting at all: no account, and the storage clients refuse with a typed error", () => {
    expect(storageConfig({}).account).toBeUndefined();
    expect(() => storageConnection({})).toThrow(StorageSettingsError);
    try {
      storageConnection({});
    } catch (error) {
      expect((error as StorageSettingsError).code).toBe("ERR_STORAGE_SETTINGS");
    }
  });
});

describe("storage clients use the resolved endpoints, never a hard-coded suffix", () => {
  const gov = {
    kind: "identity" as const,
    credential,
    endpoints: {
      blob: "https://stgate.blob.core.usgovcloudapi.net",
      queue: "https://stgate.queue.core.usgovcloudapi.net",
      table: "https://stgate.table.core.usgovcloudapi.net",
    },
  };

  it("table, queue and blob clients point at the cloud's endpoints", () => {
    expect(new URL(tableClient(gov, "GateAudit").url).host).toBe("stgate.table.core.usgovcloudapi.net");
    expect(queueClient(gov, "scan-requests").url).toBe("https://stgate.queue.core.usgovcloudapi.net/scan-requests");
    expect(blobContainerClient(gov, "compliance-reports").url).toBe(
      "https://stgate.blob.core.usgovcloudapi.net/compliance-reports",
    );
  });

  it("storageConnection turns the identity settings into clients for those endpoints", () => {
    const connection = storageConnection({
      AzureWebJobsStorage__accountName: "stgate",
      AzureWebJobsStorage__endpointSuffix: "core.chinacloudapi.cn",
      AzureWebJobsStorage__clientId: CLIENT_ID,
    });
    expect(connection.kind).toBe("identity");
    expect(queueClient(connection, "q1").url).toBe("https://stgate.queue.core.chinacloudapi.cn/q1");
  });
});
