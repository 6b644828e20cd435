/**
 * The zip `azd deploy` makes of a Function App's package folder, rebuilt with maintained libraries: gitignore matching
 * by `ignore`, zip writing by `yazl`, reading back by `yauzl`. It follows azd's createDeployableZip
 * (Azure/azure-dev cli/azd/pkg/project/project_utils.go, with rzip.CreateFromDirectory):
 * - the service's ignore file (.funcignore for host: function) in gitignore syntax, matched relative to the folder;
 * - a folder that is excluded is not entered (rzip's walk skips it, as git does);
 * - always left out: any `.azure` folder, the ignore file itself, and for Functions any `local.settings.json`;
 * - without an ignore file, JS/TS apps leave out node_modules unless remoteBuild is false.
 */
import { createWriteStream, mkdirSync, readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import ignore from "ignore";
import yauzl from "yauzl";
import yazl from "yazl";

export interface ZipResult {
  /** Package-relative paths (posix) in the zip, in the order written. */
  files: string[];
  uncompressedBytes: number;
  compressedBytes: number;
}

export interface AzdZipOptions {
  /** The ignore file's text; by default the folder's own .funcignore (none: azd's defaults). */
  rules?: string;
  /** azure.yaml remoteBuild; only matters without an ignore file. */
  remoteBuild?: boolean;
}

/** The files azd would put in the zip, without writing it. */
export function azdZipEntries(root: string, options: AzdZipOptions = {}): string[] {
  const ignoreFile = ".funcignore";
  const rules =
    options.rules ?? (existsSync(join(root, ignoreFile)) ? readFileSync(join(root, ignoreFile), "utf8") : undefined);
  // azd strips a UTF-8 BOM before parsing (stripUTF8BOM).
  const matcher = rules === undefined ? undefined : ignore().add(rules.replace(/^\uFEFF/, ""));
  const files: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const absolute = join(folder, entry.name);
      const path = relative(root, absolute).split(sep).join("/");
      // rzip follows symbolic links; the staged package has none (npm ci --no-bin-links), so a link is an error here.
      if (entry.isSymbolicLink()) throw new Error(`unexpected symbolic link in the package: ${path}`);
      const isDir = entry.isDirectory();
      if (isDir && entry.name === ".azure") continue;
      if (!isDir && entry.name === ignoreFile) continue;
      if (!isDir && entry.name === "local.settings.json") continue;
      if (matcher) {
        if (matcher.ignores(isDir ? `${path}/` : path)) continue;
      } else if (isDir && entry.name === "node_modules" && options.remoteBuild !== false) {
        continue;
      }
      if (isDir) walk(absolute);
      else files.push(path);
    }
  };
  walk(root);
  return files;
}

/** Writes the zip azd would deploy for `root` to `zipPath`. */
export async function buildAzdZip(root: string, zipPath: string, options: AzdZipOptions = {}): Promise<ZipResult> {
  const files = azdZipEntries(root, options);
  const zip = new yazl.ZipFile();
  let uncompressedBytes = 0;
  for (const file of files) {
    const absolute = join(root, ...file.split("/"));
    uncompressedBytes += statSync(absolute).size;
    zip.addFile(absolute, file, { compress: true });
  }
  zip.end();
  mkdirSync(dirname(zipPath), { recursive: true });
  await pipeline(zip.outputStream, createWriteStream(zipPath));
  return { files, uncompressedBytes, compressedBytes: statSync(zipPath).size };
}

/** Unpacks a zip into `target` (as the platform does with the package), refusing entries that would leave it. */
export async function unpackZip(zipPath: string, target: string): Promise<string[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipPath, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (error, opened) =>
      error ? reject(error) : resolve(opened),
    ),
  );
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on("error", reject);
    zip.on("end", () => resolve());
    zip.on("entry", (entry: yauzl.Entry) => {
      const destination = join(target, ...entry.fileName.split("/"));
      if (!destination.startsWith(target + sep))
        return reject(new Error(`zip entry leaves the folder: ${entry.fileName}`));
      names.push(entry.fileName);
      if (entry.fileName.endsWith("/")) {
        mkdirSync(destination, { recursive: true });
        zip.readEntry();
        return;
      }
      mkdirSync(dirname(destination), { recursive: true });
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        pipeline(stream, createWriteStream(destination)).then(() => zip.readEntry(), reject);
      });
    });
    zip.readEntry();
  });
  return names;
}
