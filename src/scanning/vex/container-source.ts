import type { ContainerClient } from "@azure/storage-blob";
import { imageDigestOf, parseOpenVex, VexError, type ImageRef, type OpenVexDocument } from "../../policy/index.js";
import { vexSourceError, VexSourceError } from "./errors.js";
import type { ContainerVexDocument, VexDocumentProblem, VexSelection } from "./selection.js";

export interface VexContainerOptions {
  /** Largest document read, in bytes (default 1 MiB); a larger one is a problem, never read further. */
  maxDocumentBytes?: number;
  /** Most `.json` blobs the container may hold (default 500); more is a problem. */
  maxDocuments?: number;
  /** How long a listing of the container is reused before the next image lists it again (default 60 s). */
  refreshAfterMs?: number;
  /** Downloads at once when documents changed (default 8). */
  concurrency?: number;
  /** The clock for the cache (default Date.now). */
  now?: () => number;
}

/**
 * Which images a document is for, from where it is in the container (docs/policy.md, "VEX from a blob container"):
 * `global/…` every image, `repositories/<repository>/<file>` the images of that one repository, anywhere else only
 * images one of its statements names by digest. A document naming an image by digest applies to that image wherever
 * it is.
 */
export type VexScope = { kind: "global" } | { kind: "repository"; repository: string } | { kind: "named" };

export interface VexContainerEntry {
  name: string;
  etag: string;
  scope: VexScope;
  /** The parsed document, unless it could not be used (then `problem`). */
  document?: OpenVexDocument;
  /** Image digests its statements name (pkg:oci purls, ids ending in @sha256:…). */
  imageDigests: ReadonlySet<string>;
  problem?: VexDocumentProblem;
}

/** One reading of the whole container: every document (parsed once per etag) and every problem. */
export interface VexSnapshot {
  takenAt: number;
  entries: readonly VexContainerEntry[];
  problems: readonly VexDocumentProblem[];
}

const DEFAULTS = { maxDocumentBytes: 1024 * 1024, maxDocuments: 500, refreshAfterMs: 60_000, concurrency: 8 };
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function scopeOf(name: string): VexScope {
  if (name.startsWith("global/")) return { kind: "global" };
  if (name.startsWith("repositories/")) {
    const repository = name.slice("repositories/".length, name.lastIndexOf("/"));
    if (name.lastIndexOf("/") > "repositories/".length && repository !== "")
      return { kind: "repository", repository: repository.toLowerCase() };
  }
  return { kind: "named" };
}

function digestsNamedBy(document: OpenVexDocument): Set<string> {
  const digests = new Set<string>();
  for (const statement of document.statements) {
    for (const product of statement.products) {
      const digest = imageDigestOf(product);
      if (digest) digests.add(digest);
    }
  }
  return digests;
}

/**
 * The documents of a snapshot that apply to one image (see VexScope), in blob-name order, and all of the snapshot's
 * problems: judge.ts applies no VEX at all when there is any.
 */
export function selectForImage(snapshot: VexSnapshot, image: ImageRef): VexSelection {
  const repository = image.repository.toLowerCase();
  const documents: ContainerVexDocument[] = [];
  for (const entry of snapshot.entries) {
    if (entry.document === undefined) continue;
    const { scope } = entry;
    const applies =
      scope.kind === "global" ||
      (scope.kind === "repository" && scope.repository === repository) ||
      entry.imageDigests.has(image.digest);
    if (applies) documents.push({ document: entry.document, location: entry.name });
  }
  return { documents, problems: [...snapshot.problems] };
}

interface Listed {
  name: string;
  etag: string;
  size: number | undefined;
}

/**
 * OpenVEX documents from a blob container (the app's identity needs Storage Blob Data Reader on it, role definition
 * 2a2b9908-6ea1-4ae2-8e65-a410df84e7d1 per Microsoft's built-in roles for Storage), read for each
 * image with caching: the listing is reused for `refreshAfterMs`, and a document is downloaded and parsed again only
 * when its etag changes. Limits bound what a container can cost: documents over `maxDocumentBytes` and containers
 * over `maxDocuments` are problems, never read in full. The container client is constructed by the caller.
 */
export class VexContainerSource {
  private readonly options: Required<VexContainerOptions>;
  private current: VexSnapshot | undefined;
  private refreshing: Promise<VexSnapshot> | undefined;

  constructor(
    private readonly container: ContainerClient,
    options: VexContainerOptions = {},
  ) {
    this.options = { ...DEFAULTS, now: Date.now, ...options };
  }

  /** The documents for one image. Throws VexSourceError when the container cannot be read (see its `transient`). */
  async forImage(image: ImageRef): Promise<VexSelection> {
    return selectForImage(await this.snapshot(), image);
  }

  /** The container as last read, read again when older than refreshAfterMs; concurrent callers share one reading. */
  async snapshot(): Promise<VexSnapshot> {
    const current = this.current;
    if (current !== undefined && this.options.now() - current.takenAt < this.options.refreshAfterMs) return current;
    this.refreshing ??= this.read(current).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async read(previous: VexSnapshot | undefined): Promise<VexSnapshot> {
    const takenAt = this.options.now();
    const { listed, tooMany } = await this.list();
    const known = new Map((previous?.entries ?? []).map((entry) => [entry.name, entry]));
    const entries: VexContainerEntry[] = new Array<VexContainerEntry>(listed.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < listed.length) {
        const index = next++;
        const item = listed[index] as Listed;
        const reused = known.get(item.name);
        entries[index] = reused !== undefined && reused.etag === item.etag ? reused : await this.load(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, listed.length) }, worker));
    const problems = entries.flatMap((entry) => (entry.problem === undefined ? [] : [entry.problem]));
    if (tooMany) {
      problems.unshift({
        location: this.container.containerName,
        code: "vex-too-many-documents",
        message: `the container holds more than ${this.options.maxDocuments} .json documents`,
      });
    }
    const snapshot: VexSnapshot = { takenAt, entries, problems };
    this.current = snapshot;
    return snapshot;
  }

  private async list(): Promise<{ listed: Listed[]; tooMany: boolean }> {
    const listed: Listed[] = [];
    try {
      for await (const blob of this.container.listBlobsFlat()) {
        // Only documents are read; anything else in the container (a README) is not VEX.
        if (!blob.name.toLowerCase().endsWith(".json")) continue;
        if (listed.length >= this.options.maxDocuments) return { listed, tooMany: true };
        listed.push({ name: blob.name, etag: blob.properties.etag ?? "", size: blob.properties.contentLength });
      }
    } catch (error) {
      throw vexSourceError(error, `listing the VEX container ${this.container.containerName}`);
    }
    listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { listed, tooMany: false };
  }

  private entry(
    item: Listed,
    outcome: { document: OpenVexDocument } | { problem: VexDocumentProblem },
  ): VexContainerEntry {
    const base = { name: item.name, etag: item.etag, scope: scopeOf(item.name) };
    return "document" in outcome
      ? { ...base, document: outcome.document, imageDigests: digestsNamedBy(outcome.document) }
      : { ...base, imageDigests: new Set(), problem: outcome.problem };
  }

  private async load(item: Listed): Promise<VexContainerEntry> {
    const max = this.options.maxDocumentBytes;
    const problem = (code: VexDocumentProblem["code"], message: string): VexContainerEntry =>
      this.entry(item, { problem: { location: item.name, code, message } });
    if (item.size !== undefined && item.size > max)
      return problem("vex-document-too-large", `${item.size} bytes, more than the limit of ${max}`);
    // Also because a range request on an empty blob is answered 416 (learn.microsoft.com/answers/a/2066793).
    if (item.size === 0) return problem("vex-document-invalid", "the document is empty");
    let body: Uint8Array;
    try {
      body = await this.download(item, max);
    } catch (error) {
      if (error instanceof VexSourceError) throw error;
      throw vexSourceError(error, `reading the VEX document ${item.name}`);
    }
    if (body.byteLength > max) return problem("vex-document-too-large", `more than the limit of ${max} bytes`);
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return problem("vex-document-unreadable", "the document is not UTF-8 text");
    }
    try {
      return this.entry(item, { document: parseOpenVex(text) });
    } catch (error) {
      if (!(error instanceof VexError)) throw error;
      return problem("vex-document-invalid", error.message.slice(0, 500));
    }
  }

  /**
   * At most max + 1 bytes (a range request, so a blob that grew past the limit after listing is never read whole; a
   * range past the end returns what there is, "Specifying the range header for Blob service operations",
   * learn.microsoft.com/rest/api/storageservices), and only the version that was listed (If-Match its etag; a changed
   * blob is 412 ConditionNotMet, a transient error, read next time).
   */
  private async download(item: Listed, max: number): Promise<Uint8Array> {
    const response = await this.container.getBlobClient(item.name).download(0, max + 1, {
      conditions: item.etag === "" ? {} : { ifMatch: item.etag },
    });
    const stream = response.readableStreamBody;
    if (stream === undefined) throw new VexSourceError("vex-source-failed", `no body for ${item.name}`);
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      total += bytes.byteLength;
      parts.push(bytes);
      if (total > max) break;
    }
    return Buffer.concat(parts, total);
  }
}
