import { join } from "node:path";
import { Journal } from "./journal.js";

/** What the referrers API answers for one manifest with a `subject` (OCI distribution-spec v1.1, "Listing Referrers"). */
export interface ReferrerRecord {
  repository: string;
  /** The digest named in the manifest's `subject` field. */
  subject: string;
  digest: string;
  mediaType: string;
  size: number;
  /** The manifest's artifactType, else (image manifests) its config's mediaType; absent for an index without one. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

const REFERRER = "referrer";

/**
 * The subject index the Debian docker-registry 2.8 under the emulator does not keep: every manifest pushed with a
 * `subject`, by repository and subject digest. Journaled like the rest of the emulator's state (its own file, 0600 in
 * the 0700 data folder), so referrers survive a restart as the manifests do.
 */
export class ReferrersIndex {
  private readonly journal: Journal;
  /** repository → subject digest → referrer digest → record */
  private readonly bySubject = new Map<string, Map<string, Map<string, ReferrerRecord>>>();

  constructor(dataDir: string) {
    this.journal = new Journal(join(dataDir, "referrers.jsonl"));
    for (const entry of this.journal.openAndCompact()) if (entry.t === REFERRER) this.index(entry.v as ReferrerRecord);
  }

  put(record: ReferrerRecord): void {
    this.journal.append([{ t: REFERRER, k: `${record.repository}@${record.digest}`, v: record }]);
    this.index(record);
  }

  /** Drops a deleted manifest from every list it was in. */
  remove(repository: string, digest: string): void {
    const subjects = this.bySubject.get(repository);
    if (!subjects) return;
    for (const referrers of subjects.values()) {
      if (referrers.delete(digest)) this.journal.append([{ t: REFERRER, k: `${repository}@${digest}`, v: null }]);
    }
  }

  /** The referrers of `subject` in `repository`, in digest order (a stable order for paging). */
  referrersOf(repository: string, subject: string): ReferrerRecord[] {
    const referrers = this.bySubject.get(repository)?.get(subject);
    return [...(referrers?.values() ?? [])].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  }

  private index(record: ReferrerRecord): void {
    let subjects = this.bySubject.get(record.repository);
    if (!subjects) this.bySubject.set(record.repository, (subjects = new Map()));
    let referrers = subjects.get(record.subject);
    if (!referrers) subjects.set(record.subject, (referrers = new Map()));
    referrers.set(record.digest, record);
  }
}
