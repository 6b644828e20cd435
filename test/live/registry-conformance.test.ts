import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { AcrClient, QuarantineDetailsBuilder, type RegistryClient } from "../../src/acr/index.js";
import { buildOciImage, type OciImage } from "../support/oci-image.js";
import { freshTempDir } from "../support/paths.js";
import { inspectRaw, push } from "../support/skopeo.js";
import { deleteManifest, skopeoCredentials } from "./support/registry-login.js";
import { conformanceTarget, type ConformanceTarget } from "./support/targets.js";

/**
 * The registry client's conformance and one end-to-end scenario — push with skopeo, quarantine webhook, release, read
 * back, pull — against whatever target this run names: the emulator inside `npm test`, a real registry under
 * `npm run test:live`. The same assertions run against both, so what passes here against the emulator is what a real
 * registry is asked to do.
 */

const kind = process.env.ACR_CONFORMANCE_TARGET === "live" ? "live registry" : "emulator";
const TIMEOUT = 180_000;

function armParts(resourceId: string): { subscription: string; group: string; registry: string } {
  const m =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+)$/i.exec(
      resourceId,
    );
  if (!m) throw new Error(`not a registry resource id: ${resourceId}`);
  return { subscription: m[1]!, group: m[2]!, registry: m[3]! };
}

describe(`registry conformance against the ${kind}`, () => {
  let target: ConformanceTarget;
  let registry: RegistryClient;
  let arm: ContainerRegistryManagementClient;
  let parts: ReturnType<typeof armParts>;
  let image: OciImage;
  const tag = `conf-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const details = new QuarantineDetailsBuilder()
    .scanner("quarantine-gate-conformance")
    .state("scan passed")
    .result({ version: new Date().toISOString(), summary: [{ severity: "Critical", count: 0 }] })
    .build();

  const access = async (who: "pusher" | "puller") => ({
    certDir: target.certDir,
    creds: await skopeoCredentials(target.loginServer, target[who], target.audience),
  });

  /** The webhook's events (ARM listEvents) about this run's digest. */
  async function eventsFor(action: string): Promise<unknown[]> {
    const found: unknown[] = [];
    for await (const event of arm.webhooks.listEvents(parts.group, parts.registry, target.arm.webhook)) {
      const content = event.eventRequestMessage?.content;
      if (content?.action === action && content.target?.digest === image.manifestDigest) found.push(event);
    }
    return found;
  }

  async function waitForEvent(action: string): Promise<unknown[]> {
    const deadline = Date.now() + target.eventTimeoutMs;
    for (;;) {
      const found = await eventsFor(action);
      if (found.length > 0 || Date.now() > deadline) return found;
      await sleep(target.kind === "live" ? 5_000 : 100);
    }
  }

  beforeAll(async () => {
    target = await conformanceTarget();
    registry = new AcrClient({
      credential: target.gate,
      allowedRegistries: [target.loginServer],
      audience: target.audience,
    }).registry(target.loginServer);
    parts = armParts(target.arm.resourceId);
    arm = new ContainerRegistryManagementClient(target.arm.credential, parts.subscription, {
      endpoint: target.arm.endpoint,
      credentials: { scopes: [`${target.arm.audience}/.default`] },
    });
    image = await buildOciImage(freshTempDir("conformance-image"));
  }, TIMEOUT);

  afterAll(async () => {
    if (target && image) {
      const status = await deleteManifest(
        target.loginServer,
        target.deleter,
        target.audience,
        target.repository,
        image.manifestDigest,
      ).catch((error: unknown) => `failed: ${(error as Error).message}`);
      if (status !== 202 && status !== 404)
        console.warn(`[conformance] could not delete ${target.repository}@${image.manifestDigest}: ${String(status)}`);
    }
    await target?.close();
  }, TIMEOUT);

  it(
    "the registry resource has the quarantine policy enabled and the webhook subscribes to quarantine and push",
    { timeout: TIMEOUT },
    async () => {
      const resource = await arm.registries.get(parts.group, parts.registry);
      expect(resource.loginServer?.toLowerCase()).toBe(target.loginServer);
      expect(resource.policies?.quarantinePolicy?.status).toBe("enabled");
      const webhook = await arm.webhooks.get(parts.group, parts.registry, target.arm.webhook);
      expect(webhook.actions).toEqual(expect.arrayContaining(["quarantine", "push"]));
    },
  );

  it("push with skopeo: the new image is quarantined, its tag cannot be pulled", { timeout: TIMEOUT }, async () => {
    const pushed = await push(
      image.layoutRef,
      `${target.loginServer}/${target.repository}:${tag}`,
      await access("pusher"),
    );
    expect(pushed.code, pushed.stderr).toBe(0);
    const manifest = await registry.getManifest(target.repository, image.manifestDigest);
    expect(manifest.digest).toBe(image.manifestDigest);
    expect(manifest.tags).toContain(tag);
    expect(manifest.quarantine.status).toBe("pending");
    const pulled = await inspectRaw(`${target.loginServer}/${target.repository}:${tag}`, await access("puller"));
    expect(pulled.code).not.toBe(0);
  });

  it("the quarantine webhook fired for the pushed digest (ARM listEvents)", { timeout: TIMEOUT }, async () => {
    const events = await waitForEvent("quarantine");
    expect(events.length).toBeGreaterThan(0);
  });

  it("listing: the catalog holds the repository, its manifest list the digest", { timeout: TIMEOUT }, async () => {
    let listed = false;
    for await (const name of registry.listRepositories()) {
      if (name === target.repository) {
        listed = true;
        break;
      }
    }
    expect(listed).toBe(true);
    const digests: string[] = [];
    for await (const manifest of registry.listManifests(target.repository, { orderBy: "timedesc" })) {
      digests.push(manifest.digest);
      if (manifest.digest === image.manifestDigest) break;
    }
    expect(digests).toContain(image.manifestDigest);
  });

  it(
    "release: Passed with details, read back as written, then the tag pulls and a push event follows",
    { timeout: TIMEOUT },
    async () => {
      const written = await registry.setQuarantineState(target.repository, image.manifestDigest, {
        state: "Passed",
        details,
      });
      expect(written.quarantine).toMatchObject({ state: "Passed", status: "released", details });
      const readBack = await registry.getManifest(target.repository, image.manifestDigest);
      expect(readBack.quarantine).toMatchObject({ state: "Passed", status: "released", details });
      const pulled = await inspectRaw(`${target.loginServer}/${target.repository}:${tag}`, await access("puller"));
      expect(pulled.code, pulled.stderr).toBe(0);
      // "once the image has been set to Passed, a Image Pushed webhook will triggered" (acr-protocol.md §2.1)
      expect((await waitForEvent("push")).length).toBeGreaterThan(0);
    },
  );
});
