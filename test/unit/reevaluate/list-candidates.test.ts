import { describe, expect, it } from "vitest";
import type { ManifestAttributes } from "../../../src/acr/manifest.js";
import { parsePolicy } from "../../../src/policy/index.js";
import { listCandidates } from "../../../src/reevaluate/list-candidates.js";
import { MemoryRemediationStore } from "../../../src/reevaluate/store.js";

const NOW = new Date("2026-03-31T00:00:00Z");
const digest = (c: string) => "sha256:" + c.repeat(64);
const manifest = (d: string, state: string | undefined, createdTime: string) =>
  ({ digest: digest(d), createdTime, quarantine: { state } }) as unknown as ManifestAttributes;

async function* each<T>(items: T[]): AsyncIterable<T> {
  for (const item of items) yield item;
}

describe("listCandidates", () => {
  it("Passed manifests inside the window, in-use digests, and images an expired exception excused", async () => {
    const store = new MemoryRemediationStore();
    await store.put([
      {
        loginServer: "gate.azurecr.io",
        repository: "team/old",
        digest: digest("e"),
        findingId: "CVE-2025-9",
        package: "zlib",
        severity: "High",
        firstSeen: "2025-01-01T00:00:00.000Z",
        dueBy: "2025-01-31T00:00:00.000Z",
        state: "closed",
        closedReason: "exception-applied",
        remindersSent: [],
        updatedAt: "2025-01-02T00:00:00.000Z",
      },
    ]);
    const listings: Record<string, ManifestAttributes[]> = {
      "team/api": [
        manifest("a", "Passed", "2026-03-20T00:00:00Z"),
        manifest("b", "Quarantined", "2026-03-25T00:00:00Z"),
        manifest("c", "Failed", "2026-03-25T00:00:00Z"),
        manifest("d", "Passed", "2025-06-01T00:00:00Z"),
      ],
    };
    const client = {
      listRepositories: () => each(["team/api"]),
      listManifests: (repository: string) => each(listings[repository] ?? []),
    } as never;
    const policy = parsePolicy({
      version: 1,
      exceptions: [
        {
          vulnerability: "cve-2025-9",
          expires: "2026-03-01T00:00:00Z",
          justification: "until the fix ships",
          approvedBy: "security@contoso.com",
        },
      ],
    });
    const out = await listCandidates(
      {
        policy,
        registries: [{ loginServer: "gate.azurecr.io", client }],
        store,
        inUse: [{ loginServer: "gate.azurecr.io", repository: "team/api", digest: digest("d") }],
        readsPerMinute: 2000,
        readsPerImage: 4,
        maxConcurrency: 8,
      },
      NOW,
    );
    expect(out.candidates.map((c) => [c.repository, c.digest.slice(7, 8), c.why])).toEqual([
      ["team/api", "a", ["window"]],
      ["team/api", "d", ["in-use"]],
      ["team/old", "e", ["exception-expired"]],
    ]);
    expect(out.concurrency).toBe(8);
  });

  it("leaves out released OCI artifacts (the gate's own referrers): only images are re-scanned", async () => {
    const withConfig = (d: string, configMediaType: string) =>
      ({ ...manifest(d, "Passed", "2026-03-20T00:00:00Z"), configMediaType, references: [] }) as ManifestAttributes;
    const client = {
      listRepositories: () => each(["team/api"]),
      listManifests: () =>
        each([
          withConfig("a", "application/vnd.oci.image.config.v1+json"),
          withConfig("b", "application/vnd.oci.empty.v1+json"),
          withConfig("c", "application/vnd.docker.container.image.v1+json"),
          withConfig("f", "application/vnd.cncf.helm.config.v1+json"),
          manifest("9", "Passed", "2026-03-20T00:00:00Z"),
        ]),
    } as never;
    const out = await listCandidates(
      {
        policy: parsePolicy({ version: 1 }),
        registries: [{ loginServer: "gate.azurecr.io", client }],
        store: new MemoryRemediationStore(),
        inUse: [],
        readsPerMinute: 2000,
        readsPerImage: 4,
        maxConcurrency: 8,
      },
      NOW,
    );
    // An image config, or none reported (as before), is an image.
    expect(out.candidates.map((c) => c.digest.slice(7, 8)).sort()).toEqual(["9", "a", "c"]);
  });
});
