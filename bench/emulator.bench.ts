/**
 * npm run bench:emulator — skopeo push + pull of a ~50 MB image through the ACR emulator (HTTPS, token auth,
 * quarantine bookkeeping) versus directly against docker-registry (plain HTTP, no auth). Prints both medians and
 * the ratio against the target of ≤ 1.3×.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startIdentityServer } from "../local/identity/server.js";
import { startAcrEmulator } from "../local/acr-emulator/server.js";
import { startBackendRegistry } from "../local/acr-emulator/registry-process.js";
import { buildOciImage } from "../local/tools/oci-image.js";
import { skopeo } from "../local/tools/skopeo.js";
import { ensureLocalCa, ensureServerCertificate } from "../local/tls/ca.js";
import { ensureLocalCaTrusted } from "../local/stack/trust.js";
import { projectRoot } from "../local/stack/paths.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PAYLOAD_BYTES = 50 * 1024 * 1024;
const TARGET_RATIO = 1.3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  const result = await skopeo(args, 600_000);
  if (result.code !== 0) throw new Error(`skopeo ${args[0]} failed: ${result.stderr}`);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const caDir = join(projectRoot(), ".local", "bench-tls");
  await ensureLocalCaTrusted(caDir);
  const work = mkdtempSync(join(tmpdir(), "aqg-bench-emulator-"));
  const identity = await startIdentityServer();
  const acr = await startAcrEmulator({
    dataDir: join(work, "acr"),
    caDir,
    identity: { jwksUri: identity.jwksUri, issuer: identity.issuer },
    principals: [{ id: "bench", displayName: "bench", roles: ["AcrPush"], password: "bench-password" }],
    // Policy off so the pulled image is released without a PATCH; the gating lookup runs on every manifest GET anyway.
    settings: { quarantinePolicy: "disabled", throttling: null },
  });
  const certificate = await ensureServerCertificate(await ensureLocalCa(caDir), join(caDir, "direct-registry"));
  const direct = await startBackendRegistry(join(work, "direct"), undefined, certificate);
  const directHost = `localhost:${direct.port}`;
  const plain = await startBackendRegistry(join(work, "plain"));
  const plainHost = `127.0.0.1:${plain.port}`;
  const viaEmulator: number[] = [];
  const viaDirect: number[] = [];
  const viaPlain: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      // A new image every run: skopeo remembers where blobs already are and would mount instead of uploading.
      const image = await buildOciImage(join(work, `image-${run}`), { payloadBytes: PAYLOAD_BYTES });
      // Alternate the order so neither side always runs with a warmer page cache.
      const sides = run % 2 === 0 ? ["emulator", "direct", "plain"] : ["plain", "direct", "emulator"];
      for (const side of sides) {
        const out = join(work, `pull-${side}-${run}`);
        if (side === "emulator") {
          const ref = `docker://${acr.loginServer}/bench/image-${run}:v1`;
          const creds = "bench:bench-password";
          const push = await timed([
            "copy",
            "--dest-cert-dir",
            acr.certDir,
            "--dest-creds",
            creds,
            image.layoutRef,
            ref,
          ]);
          const pull = await timed(["copy", "--src-cert-dir", acr.certDir, "--src-creds", creds, ref, `dir:${out}`]);
          viaEmulator.push(push + pull);
        } else if (side === "direct") {
          const ref = `docker://${directHost}/bench/image-${run}:v1`;
          const push = await timed(["copy", "--dest-cert-dir", acr.certDir, image.layoutRef, ref]);
          const pull = await timed(["copy", "--src-cert-dir", acr.certDir, ref, `dir:${out}`]);
          viaDirect.push(push + pull);
        } else {
          const ref = `docker://${plainHost}/bench/image-${run}:v1`;
          const push = await timed(["copy", "--dest-tls-verify=false", image.layoutRef, ref]);
          const pull = await timed(["copy", "--src-tls-verify=false", ref, `dir:${out}`]);
          viaPlain.push(push + pull);
        }
        rmSync(out, { recursive: true, force: true });
      }
    }
  } finally {
    await acr.stop();
    await direct.stop();
    await plain.stop();
    await identity.close();
    rmSync(work, { recursive: true, force: true });
  }
  const emulatorMedian = median(viaEmulator);
  const directMedian = median(viaDirect);
  const ratio = emulatorMedian / directMedian;
  console.log(
    `bench:emulator — skopeo push+pull of a ${(PAYLOAD_BYTES / 1024 / 1024).toFixed(0)} MiB image, ${RUNS} runs each`,
  );
  console.log(
    `  through the ACR emulator : median ${emulatorMedian.toFixed(0)} ms  (runs: ${viaEmulator.map((v) => v.toFixed(0)).join(", ")})`,
  );
  console.log(
    `  direct to docker-registry (TLS, same certificate): median ${directMedian.toFixed(0)} ms  (runs: ${viaDirect.map((v) => v.toFixed(0)).join(", ")})`,
  );
  console.log(
    `  direct to docker-registry (plain HTTP, information): median ${median(viaPlain).toFixed(0)} ms — emulator / plain ${(emulatorMedian / median(viaPlain)).toFixed(2)}×`,
  );
  console.log(`  ratio ${ratio.toFixed(2)}×  target ≤ ${TARGET_RATIO}×  ${ratio <= TARGET_RATIO ? "PASS" : "MISS"}`);
  process.exitCode = ratio <= TARGET_RATIO ? 0 : 1;
}

main().catch((error: Error) => {
  console.error(`bench:emulator failed: ${error.message}`);
  process.exit(2);
});
