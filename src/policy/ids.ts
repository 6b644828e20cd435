/**
 * Vulnerability ids compare case-insensitively (scanners disagree on "cve-" vs "CVE-"). Most ids already are upper
 * case; this returns them as they are rather than allocating a copy for each of thousands of findings.
 */
export function idKey(id: string): string {
  for (let index = 0; index < id.length; index += 1) {
    const code = id.charCodeAt(index);
    if ((code >= 0x61 && code <= 0x7a) || code > 0x7f) return id.toUpperCase();
  }
  return id;
}
