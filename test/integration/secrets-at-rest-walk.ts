import { chmodSync, lstatSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";

/** One file found to hold a secret, why, and the modes that protect it. */
export interface SecretFile {
  path: string;
  why: string;
  mode: number;
  /** Modes of every folder from the walked root down to the file's folder. */
  folders: Array<{ path: string; mode: number }>;
}

const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;
const PRIVATE_JWK = /"kty"\s*:\s*"(?:RSA|EC|OKP)"[^}]*"d"\s*:\s*"/;
const YAML_SECRET = /^\s*secret:\s*\S+/m;
const JOURNAL_SECRET = /"t"\s*:\s*"secret"/;
/** Names that say "secret" whatever the content (a key file that is empty now is still a key file). */
const SECRET_NAME = /(?:^|[-_.])(?:key|secret|secrets|credentials|auth)(?:[-_.]|$)|^stack\.json$|\.jsonl$/i;

const MAX_BYTES = 8 * 1024 * 1024;

function why(path: string, content: Buffer, knownSecrets: readonly string[]): string | undefined {
  const text = content.toString("latin1");
  const known = knownSecrets.find((s) => s.length >= 8 && text.includes(s));
  if (known) return `holds a known secret (${known.slice(0, 4)}…)`;
  if (PEM_PRIVATE_KEY.test(text)) return "a PEM private key";
  if (PRIVATE_JWK.test(text)) return "a private JWK";
  if (JOURNAL_SECRET.test(text)) return "a journal with a secret entry";
  if (path.endsWith(".yml") && YAML_SECRET.test(text)) return "a config with a secret";
  if (SECRET_NAME.test(basename(path))) return "named as a secret";
  return undefined;
}

/**
 * Walks `root` and returns every file that holds a secret: by content (one of `knownSecrets`, a PEM or JWK private
 * key, a secret entry of the emulator's journal, a `secret:` in YAML) or by name (…-key…, …secret…, the stack
 * descriptor, journals). Symbolic links are not followed.
 */
export function findSecretFiles(root: string, knownSecrets: readonly string[]): SecretFile[] {
  const found: SecretFile[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) continue;
      if (stat.isDirectory()) {
        visit(path);
        continue;
      }
      if (!stat.isFile() || stat.size > MAX_BYTES) continue;
      const reason = why(path, readFileSync(path), knownSecrets);
      if (reason) found.push({ path, why: reason, mode: stat.mode & 0o777, folders: foldersOf(root, path) });
    }
  };
  visit(root);
  return found;
}

function foldersOf(root: string, file: string): Array<{ path: string; mode: number }> {
  const folders: Array<{ path: string; mode: number }> = [];
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    folders.unshift({ path: dir, mode: statSync(dir).mode & 0o777 });
    if (dir === root || relative(root, dir).startsWith("..") || dirname(dir) === dir) break;
  }
  return folders;
}

/** Files whose modes are not 0600 in folders that are all 0700: an empty list is what the stack promises. */
export function exposedSecrets(files: readonly SecretFile[]): string[] {
  return files.flatMap((f) => {
    const problems: string[] = [];
    if (f.mode !== 0o600) problems.push(`${f.path} (${f.why}) is ${f.mode.toString(8)}, not 600`);
    for (const folder of f.folders)
      if (folder.mode !== 0o700)
        problems.push(`${folder.path} (holding ${basename(f.path)}) is ${folder.mode.toString(8)}, not 700`);
    return problems;
  });
}

/** Makes a tree world-readable (files 0644, folders 0755), as an old version or a careless copy might leave it. */
export function widenTree(root: string): void {
  const stat = lstatSync(root);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(root, 0o755);
    for (const entry of readdirSync(root)) widenTree(join(root, entry));
  } else chmodSync(root, 0o644);
}
