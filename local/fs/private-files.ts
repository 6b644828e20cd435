import {
  appendFileSync,
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { isMainThread } from "node:worker_threads";
import { GateError } from "../../src/errors/gate-error.js";

/**
 * Files of the local stack that hold a key or a secret (token-signing secrets, private keys, webhook keys, the stack
 * descriptor) are readable by their owner only: 0600 in a 0700 folder, also when they already existed with wider modes
 * (a state folder from an older version, a restored backup, a `cp -r`). Every writer of such a file goes through here.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** A folder that cannot be made private without harm: a shared one (sticky bit, like /tmp) or another user's. */
export class SharedFolderError extends GateError {
  static override readonly code = "ERR_LOCAL_SHARED_FOLDER";
  override readonly code = "ERR_LOCAL_SHARED_FOLDER";
}

/**
 * Creates `dir` (and missing parents, which get 0700 too) and makes it 0700 if it existed with another mode. A shared
 * folder (sticky bit) or one owned by another user is refused rather than locked: GATE_LOCAL_STATE=/tmp must not
 * make /tmp private.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const stat = statSync(dir);
  if ((stat.mode & 0o7777) === PRIVATE_DIR_MODE) return;
  const uid = typeof process.getuid === "function" ? process.getuid() : stat.uid;
  if ((stat.mode & 0o1000) !== 0 || stat.uid !== uid)
    throw new SharedFolderError(
      `refusing to make ${dir} private: it is a shared folder or another user's; give the local stack a folder of its own`,
    );
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Makes an existing file 0600 (and its folder 0700); a missing file is left missing. */
export function makePrivate(file: string): void {
  ensurePrivateDir(dirname(file));
  if (existsSync(file)) chmodSync(file, PRIVATE_FILE_MODE);
}

/**
 * Writes a secret file whole. The file is created 0600 before any byte is written (a file left over with wider modes
 * is removed first, so the secret never sits in it even for a moment).
 */
export function writePrivateFile(file: string, content: string | Buffer): void {
  ensurePrivateDir(dirname(file));
  rmSync(file, { force: true });
  writeFileSync(file, content, { mode: PRIVATE_FILE_MODE, flag: "wx" });
}

/** Appends to a secret file, creating it 0600 if missing (the mode of an existing file is fixed by makePrivate). */
export function appendPrivateFile(file: string, content: string): void {
  appendFileSync(file, content, { mode: PRIVATE_FILE_MODE });
}

/**
 * Makes a whole tree private: folders 0700, files 0600 (symbolic links are left alone). For folders whose files a
 * third-party process writes (Azurite), where no single file can be told apart as the secret one.
 */
export function makeTreePrivate(root: string): void {
  if (!existsSync(root)) return;
  const stat = lstatSync(root);
  if (stat.isSymbolicLink()) return;
  if (!stat.isDirectory()) {
    chmodSync(root, PRIVATE_FILE_MODE);
    return;
  }
  chmodSync(root, PRIVATE_DIR_MODE);
  for (const entry of readdirSync(root)) makeTreePrivate(join(root, entry));
}

let umaskDepth = 0;
let savedUmask = 0;

/**
 * Runs `start` with the process umask at 077, so that files and folders created meanwhile — by this process and by
 * child processes spawned meanwhile, which inherit the umask (Azurite, docker-registry, openssl) — are private from
 * their first byte. The previous umask is restored when the last of overlapping calls ends. Worker threads cannot
 * change the umask; there the modes are fixed after the fact only (ensurePrivateDir, makePrivate, makeTreePrivate).
 */
export async function withPrivateUmask<T>(start: () => Promise<T>): Promise<T> {
  if (!isMainThread) return start();
  if (umaskDepth++ === 0) savedUmask = process.umask(0o077);
  try {
    return await start();
  } finally {
    if (--umaskDepth === 0) process.umask(savedUmask);
  }
}
