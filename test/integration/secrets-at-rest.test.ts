import { afterEach, describe, expect, it } from "vitest";
import { statSync } from "node:fs";
import { basename } from "node:path";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { push } from "../support/skopeo.js";
import { freshTempDir, localStateRoot } from "../support/paths.js";
import { DEMO_CREDENTIALS } from "../../local/stack/defaults.js";
import { exposedSecrets, findSecretFiles, widenTree, type SecretFile } from "./secrets-at-rest-walk.js";

/** Every file of the local stack that holds a key or a secret is 0600, in folders that are 0700 (issue 14). */
describe("secrets at rest in the local stack", () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  const caDir = localStateRoot("tls");

  function knownSecrets(s: TestStack): string[] {
    return [
      s.devhost.keys.functionKey,
      s.devhost.keys.masterKey,
      s.devhost.keys.durableSystemKey,
      s.acr.context.store.tokenSecret.toString("base64"),
      DEMO_CREDENTIALS.password,
    ];
  }

  function walkRoots(stateDir: string, secrets: string[]): SecretFile[] {
    return [...findSecretFiles(stateDir, secrets), ...findSecretFiles(caDir, secrets)];
  }

  const walk = (s: TestStack, secrets: string[]) => walkRoots(s.stateDir, secrets);

  async function exercise(s: TestStack, repository: string): Promise<void> {
    const image = await buildOciImage(freshTempDir("img"));
    const reference = `${s.acr.loginServer}/${repository}:v1`;
    const pushed = await push(image.layoutRef, reference, { certDir: s.acr.certDir, creds: s.pushCreds });
    expect(pushed.code, pushed.stderr).toBe(0);
    // Let the pipeline run to its end, so the app's durable state and audit are on disk too.
    await s.waitForStatus(`${s.acr.loginServer}/${repository}@${image.manifestDigest}`, (b) => b.stage === "done");
  }

  it(
    "finds every secret file 0600 in 0700 folders, and fixes wider modes left from before on start",
    { timeout: 300_000 },
    async () => {
      const stateDir = freshTempDir("stack");
      stack = await startTestStack({ stateDir });
      await exercise(stack, "team/app");
      const secrets = knownSecrets(stack);
      const first = walk(stack, secrets);
      // The walk must find what the stack is known to keep; otherwise it proves nothing.
      const names = new Set(first.map((f) => basename(f.path)));
      for (const expected of [
        "registry-state.jsonl",
        "docker-registry.yml",
        "identity-signing-key.json",
        "ca-key.pem",
        "server-key.pem",
      ])
        expect(names, `${expected} among ${[...names].join(", ")}`).toContain(expected);
      expect(first.find((f) => basename(f.path) === "registry-state.jsonl")!.why).toMatch(/known secret|journal/);
      expect(exposedSecrets(first)).toEqual([]);
      expect(statSync(stateDir).mode & 0o777).toBe(0o700);

      // A state folder and CA from an older version, or a careless copy: everything world-readable.
      await stack.stop();
      stack = undefined;
      widenTree(stateDir);
      widenTree(caDir);
      expect(exposedSecrets(walkRoots(stateDir, secrets))).not.toEqual([]);

      // Starting again on the same folders fixes them. (Only the start: the app's composition root is per process, so a
      // second in-process stack cannot run pipelines; the npm start test covers a running stack's files.)
      stack = await startTestStack({ stateDir });
      const second = walk(stack, [...secrets, ...knownSecrets(stack)]);
      expect(second.length).toBeGreaterThanOrEqual(first.length);
      expect(exposedSecrets(second)).toEqual([]);
    },
  );
});
