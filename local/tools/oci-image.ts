import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

const run = promisify(execFile);

export interface OciImage {
  /** skopeo source reference: oci:<dir>:<tag> */
  layoutRef: string;
  manifestDigest: string;
  manifestSize: number;
}

function writeBlob(dir: string, content: Buffer): { digest: string; size: number } {
  const hex = createHash("sha256").update(content).digest("hex");
  writeFileSync(join(dir, "blobs", "sha256", hex), content);
  return { digest: `sha256:${hex}`, size: content.length };
}

/**
 * Builds a real single-layer OCI image as an image layout on disk (what `umoci` or `buildah` would write): a tar layer
 * made by GNU tar (gzip-compressed) holding `payloadBytes` of random data (so every image has its own digest), a config and a manifest.
 */
export async function buildOciImage(
  dir: string,
  options: { payloadBytes?: number; architecture?: string } = {},
): Promise<OciImage> {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const rootfs = join(dir, "rootfs");
  mkdirSync(rootfs, { recursive: true });
  writeFileSync(join(rootfs, "payload.bin"), randomBytes(options.payloadBytes ?? 1024));
  const tarPath = join(dir, "layer.tar");
  await run("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "-C", rootfs, "-cf", tarPath, "."]);
  // Compressed as registries expect: skopeo would otherwise compress on push and the pushed digest would differ.
  const tar = readFileSync(tarPath);
  const diffId = `sha256:${createHash("sha256").update(tar).digest("hex")}`;
  const layer = writeBlob(dir, gzipSync(tar, { level: 1 }));
  const config = writeBlob(
    dir,
    Buffer.from(
      JSON.stringify({
        architecture: options.architecture ?? "amd64",
        os: "linux",
        config: { Entrypoint: ["/payload.bin"] },
        rootfs: { type: "layers", diff_ids: [diffId] },
      }),
    ),
  );
  const manifestBody = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
    }),
  );
  const manifest = writeBlob(dir, manifestBody);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "org.opencontainers.image.ref.name": "latest" },
        },
      ],
    }),
  );
  return { layoutRef: `oci:${dir}:latest`, manifestDigest: manifest.digest, manifestSize: manifest.size };
}

export interface OciIndex extends OciImage {
  platforms: Array<{ architecture: string; digest: string }>;
}

/** A multi-platform image: one image per architecture and an OCI image index over them (push with `skopeo copy --all`). */
export async function buildOciIndex(dir: string, architectures: string[] = ["amd64", "arm64"]): Promise<OciIndex> {
  const platforms: Array<{ architecture: string; digest: string; size: number }> = [];
  for (const architecture of architectures) {
    const image = await buildOciImage(dir, { architecture });
    platforms.push({ architecture, digest: image.manifestDigest, size: image.manifestSize });
  }
  const indexBody = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: platforms.map((p) => ({
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: p.digest,
        size: p.size,
        platform: { architecture: p.architecture, os: "linux" },
      })),
    }),
  );
  const index = writeBlob(dir, indexBody);
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.index.v1+json",
          ...index,
          annotations: { "org.opencontainers.image.ref.name": "latest" },
        },
      ],
    }),
  );
  return {
    layoutRef: `oci:${dir}:latest`,
    manifestDigest: index.digest,
    manifestSize: index.size,
    platforms: platforms.map(({ architecture, digest }) => ({ architecture, digest })),
  };
}
