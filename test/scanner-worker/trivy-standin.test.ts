import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRef, startLocalAcr, type LocalAcr } from "../support/local-acr.js";
import { buildOciImage, type OciImage } from "../support/oci-image.js";
import { freshTempDir } from "../support/paths.js";
import { push } from "../support/skopeo.js";
import { normaliseReport } from "../../src/scanning/normalise/index.js";
import { requireStandIn } from "./support/compiled.js";
import { runStandIn } from "./support/run-standin.js";

/**
 * The stand-in `trivy` against the real ACR emulator (over docker-registry, quarantine on): it really pulls the
 * manifest and config with the token it is given, so a missing, wrong or too narrow token fails the way Trivy fails.
 */
describe("the trivy stand-in pulls with the token it is given and replays recorded Trivy reports", () => {
  let local: LocalAcr;
  let image: OciImage;
  const repositories = ["team/app", "team/vulnerable-app", "team/risky-app", "team/broken-app"];

  beforeAll(async () => {
    requireStandIn();
    local = await startLocalAcr({ settings: { quarantinePolicy: "enabled" } });
    image = await buildOciImage(freshTempDir("standin-img"));
    const creds = await local.skopeoCreds("pusher");
    for (const repository of repositories) {
      const pushed = await push(image.layoutRef, repoRef(local, repository, "v1"), {
        certDir: local.acr.certDir,
        creds,
      });
      expect(pushed.code, pushed.stderr).toBe(0);
    }
  });
  afterAll(async () => local?.stop());

  const reference = (repository: string) => `${local.acr.loginServer}/${repository}@${image.manifestDigest}`;
  const scan = (repository: string, token: string | undefined, extra: Record<string, string> = {}) =>
    runStandIn(["image", "--format", "json", "--quiet", "--", reference(repository)], {
      ...(token ? { TRIVY_REGISTRY_TOKEN: token } : {}),
      ...extra,
    });
  const pullToken = (repository: string) => local.accessToken("gate", [`repository:${repository}:pull`]);

  it("with a quarantine reader's pull token: a recorded report about the image it pulled", async () => {
    const result = await scan("team/app", await pullToken("team/app"));
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { ArtifactName: string; Metadata: { RepoDigests: string[] } };
    expect(report.ArtifactName).toBe(reference("team/app"));
    expect(report.Metadata.RepoDigests).toEqual([`${local.acr.loginServer}/team/app@${image.manifestDigest}`]);
    const normalised = normaliseReport(result.stdout);
    expect(normalised.format).toBe("trivy-json");
    expect(normalised.counts).toMatchObject({ Medium: 1 });
  });

  it("chooses the recording by repository: vulnerable → a fixable Critical, risky → Unknown severities", async () => {
    const vulnerable = await scan("team/vulnerable-app", await pullToken("team/vulnerable-app"));
    expect(vulnerable.code, vulnerable.stderr).toBe(0);
    expect(normaliseReport(vulnerable.stdout).counts).toMatchObject({ Critical: 1 });
    const risky = await scan("team/risky-app", await pullToken("team/risky-app"));
    expect(risky.code, risky.stderr).toBe(0);
    expect(normaliseReport(risky.stdout).counts).toMatchObject({ Unknown: 4 });
  });

  it("without a token it fails like Trivy: exit 1, FATAL, the registry's UNAUTHORIZED", async () => {
    const result = await scan("team/app", undefined);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/FATAL\tFatal error\t.*unable to find the specified image/);
    expect(result.stderr).toMatch(/UNAUTHORIZED/);
  });

  it("a token for another repository does not pull this one", async () => {
    const result = await scan("team/app", await pullToken("team/vulnerable-app"));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/UNAUTHORIZED|DENIED/);
  });

  it("an AcrPull-only identity cannot read the quarantined image: the scan fails, no report", async () => {
    const result = await scan("team/app", await local.accessToken("puller", ["repository:team/app:pull"]));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
  });

  it("a wrong digest fails (the manifest is looked up by digest)", async () => {
    const token = await pullToken("team/app");
    const result = await runStandIn(
      ["image", "--format", "json", "--", `${local.acr.loginServer}/team/app@sha256:${"0".repeat(64)}`],
      { TRIVY_REGISTRY_TOKEN: token },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/MANIFEST_UNKNOWN|NOT_FOUND|unknown/i);
  });

  it("repositories named broken exit 1 after pulling; TRIVY_STANDIN_MODE=exit:3 exits 3", async () => {
    const broken = await scan("team/broken-app", await pullToken("team/broken-app"));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/FATAL/);
    const three = await scan("team/app", await pullToken("team/app"), { TRIVY_STANDIN_MODE: "exit:3" });
    expect(three.code).toBe(3);
  });

  it("hang never finishes on its own (killed here after 2 s); slow:<ms> takes that long; garbage is not JSON", async () => {
    const token = await pullToken("team/app");
    const hung = await runStandIn(
      ["image", "--format", "json", "--", reference("team/app")],
      { TRIVY_REGISTRY_TOKEN: token, TRIVY_STANDIN_MODE: "hang" },
      2_000,
    );
    expect(hung.code).toBe(-1);
    expect(hung.stdout).toBe("");
    const started = Date.now();
    const slow = await scan("team/app", token, { TRIVY_STANDIN_MODE: "slow:1500" });
    expect(slow.code, slow.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    const garbage = await scan("team/app", token, { TRIVY_STANDIN_MODE: "garbage" });
    expect(garbage.code).toBe(0);
    expect(() => JSON.parse(garbage.stdout)).toThrow();
  });

  it("refuses what it does not stand in for, as Trivy refuses bad flags", async () => {
    const table = await runStandIn(["image", "--format", "table", "--", reference("team/app")]);
    expect(table.code).toBe(1);
    const unknown = await runStandIn(["image", "--no-such-flag", "--", reference("team/app")]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/flag/);
  });
});
