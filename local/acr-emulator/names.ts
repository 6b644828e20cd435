/**
 * What may appear in a registry path, checked before any path is built or forwarded, so path tricks (`..`, encoded
 * slashes, backslashes) never reach docker-registry. The grammar is the OCI distribution spec's, kept once for the
 * whole project in src/oci/grammar.ts (a module that imports nothing), so the emulator and the client cannot drift.
 */
export { isDigest, isReference, isRepositoryName, isTag } from "../../src/oci/grammar.js";
