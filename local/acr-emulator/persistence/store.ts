import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Journal, type JournalEntry } from "./journal.js";
import type {
  ManifestRecord,
  Principal,
  RegistrySettings,
  RepositoryRecord,
  TagRecord,
  WebhookConfig,
} from "../model.js";

const MANIFEST = "manifest";
const PRINCIPAL = "principal";
const WEBHOOK = "webhook";
const SETTINGS = "settings";
const SECRET = "secret";
const TAG = "tag";
const REPOSITORY = "repository";

/**
 * Everything the emulator remembers across restarts: manifest attributes and quarantine state, principals, webhooks,
 * settings and its token-signing secret. Reads are served from memory; every change is journaled first.
 */
export class RegistryStore {
  private readonly journal: Journal;
  private readonly manifests = new Map<string, Map<string, ManifestRecord>>();
  private sortedRepositories: string[] | undefined;
  private readonly principals = new Map<string, Principal>();
  private readonly webhooks = new Map<string, WebhookConfig>();
  private readonly tags = new Map<string, TagRecord>();
  private readonly repositoryAttributes = new Map<string, RepositoryRecord>();
  private currentSettings: RegistrySettings;
  readonly tokenSecret: Buffer;

  constructor(dataDir: string, defaults: RegistrySettings) {
    this.journal = new Journal(join(dataDir, "registry-state.jsonl"));
    this.currentSettings = defaults;
    let secret: string | undefined;
    for (const entry of this.journal.openAndCompact()) {
      if (entry.t === MANIFEST) this.index(entry.v as ManifestRecord);
      else if (entry.t === PRINCIPAL) this.principals.set(entry.k, entry.v as Principal);
      else if (entry.t === WEBHOOK) this.webhooks.set(entry.k, entry.v as WebhookConfig);
      else if (entry.t === SETTINGS) this.currentSettings = { ...defaults, ...(entry.v as Partial<RegistrySettings>) };
      else if (entry.t === SECRET) secret = entry.v as string;
      else if (entry.t === TAG) this.tags.set(entry.k, entry.v as TagRecord);
      else if (entry.t === REPOSITORY) this.repositoryAttributes.set(entry.k, entry.v as RepositoryRecord);
    }
    if (!secret) {
      secret = randomBytes(32).toString("base64");
      this.journal.append([{ t: SECRET, k: "tokens", v: secret }]);
    }
    this.tokenSecret = Buffer.from(secret, "base64");
  }

  // ---- manifests

  getManifest(repository: string, digest: string): ManifestRecord | undefined {
    return this.manifests.get(repository)?.get(digest);
  }

  putManifests(records: readonly ManifestRecord[]): void {
    this.journal.append(records.map((r) => ({ t: MANIFEST, k: `${r.repository}@${r.digest}`, v: r })));
    for (const record of records) this.index(record);
  }

  deleteManifest(repository: string, digest: string): ManifestRecord | undefined {
    const record = this.getManifest(repository, digest);
    if (!record) return undefined;
    this.journal.append([{ t: MANIFEST, k: `${repository}@${digest}`, v: null }]);
    const repo = this.manifests.get(repository)!;
    repo.delete(digest);
    if (repo.size === 0) {
      this.manifests.delete(repository);
      this.sortedRepositories = undefined;
    }
    return record;
  }

  /** Repositories holding at least one manifest, in lexical order (the catalog's order). */
  repositories(): readonly string[] {
    this.sortedRepositories ??= [...this.manifests.keys()].sort();
    return this.sortedRepositories;
  }

  manifestsOf(repository: string): ManifestRecord[] {
    return [...(this.manifests.get(repository)?.values() ?? [])];
  }

  manifestCount(): number {
    let n = 0;
    for (const repo of this.manifests.values()) n += repo.size;
    return n;
  }

  private index(record: ManifestRecord): void {
    let repo = this.manifests.get(record.repository);
    if (!repo) {
      repo = new Map();
      this.manifests.set(record.repository, repo);
      this.sortedRepositories = undefined;
    }
    repo.set(record.digest, record);
  }

  // ---- tag and repository attributes (which manifest a tag names stays in ManifestRecord.tags)

  tag(repository: string, name: string): TagRecord | undefined {
    return this.tags.get(`${repository}:${name}`);
  }

  putTags(records: readonly TagRecord[]): void {
    this.journal.append(records.map((r) => ({ t: TAG, k: `${r.repository}:${r.name}`, v: r })));
    for (const record of records) this.tags.set(`${record.repository}:${record.name}`, record);
  }

  deleteTag(repository: string, name: string): void {
    const key = `${repository}:${name}`;
    if (!this.tags.has(key)) return;
    this.journal.append([{ t: TAG, k: key, v: null }]);
    this.tags.delete(key);
  }

  repository(name: string): RepositoryRecord | undefined {
    return this.repositoryAttributes.get(name);
  }

  putRepository(record: RepositoryRecord): void {
    this.journal.append([{ t: REPOSITORY, k: record.name, v: record }]);
    this.repositoryAttributes.set(record.name, record);
  }

  deleteRepository(name: string): void {
    if (!this.repositoryAttributes.has(name)) return;
    this.journal.append([{ t: REPOSITORY, k: name, v: null }]);
    this.repositoryAttributes.delete(name);
  }

  // ---- principals, webhooks, settings

  principal(id: string): Principal | undefined {
    return this.principals.get(id.toLowerCase());
  }

  allPrincipals(): Principal[] {
    return [...this.principals.values()];
  }

  putPrincipal(principal: Principal): void {
    const key = principal.id.toLowerCase();
    this.journal.append([{ t: PRINCIPAL, k: key, v: principal }]);
    this.principals.set(key, principal);
  }

  deletePrincipal(id: string): boolean {
    const key = id.toLowerCase();
    if (!this.principals.has(key)) return false;
    this.journal.append([{ t: PRINCIPAL, k: key, v: null }]);
    return this.principals.delete(key);
  }

  webhook(name: string): WebhookConfig | undefined {
    return this.webhooks.get(name);
  }

  allWebhooks(): WebhookConfig[] {
    return [...this.webhooks.values()];
  }

  putWebhook(webhook: WebhookConfig): void {
    this.journal.append([{ t: WEBHOOK, k: webhook.name, v: webhook }]);
    this.webhooks.set(webhook.name, webhook);
  }

  deleteWebhook(name: string): boolean {
    if (!this.webhooks.has(name)) return false;
    this.journal.append([{ t: WEBHOOK, k: name, v: null }]);
    return this.webhooks.delete(name);
  }

  settings(): RegistrySettings {
    return this.currentSettings;
  }

  updateSettings(change: Partial<RegistrySettings>): RegistrySettings {
    this.currentSettings = { ...this.currentSettings, ...change };
    const entry: JournalEntry = { t: SETTINGS, k: "registry", v: this.currentSettings };
    this.journal.append([entry]);
    return this.currentSettings;
  }
}
