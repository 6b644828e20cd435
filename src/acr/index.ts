export {
  AcrClient,
  createAcrClient,
  type AcrClientOptions,
  type RegistryHandleOptions,
  type RegistrySettings,
} from "./acr-client.js";
export {
  RegistryClient,
  type ListManifestsOptions,
  type ListOptions,
  type QuarantineWrite,
  type QuarantineWriteOptions,
} from "./registry-client.js";
export { AcrTokenProvider, DEFAULT_AUDIENCE, aadScope } from "./token-provider.js";
export {
  AcrAuthError,
  AcrError,
  AcrInvalidInputError,
  AcrNotFoundError,
  AcrQuarantinedError,
  AcrRequestError,
  AcrThrottledError,
  AcrWriteNotConfirmedError,
  type AcrErrorEntry,
  type AcrRequestInfo,
} from "./errors.js";
export {
  RegistryAllowlist,
  digest,
  isDigest,
  isRepositoryName,
  loginServer,
  repositoryName,
  type Digest,
  type LoginServer,
  type RepositoryName,
} from "./names.js";
export {
  quarantineStatus,
  type ManifestAttributes,
  type ManifestReference,
  type QuarantineInfo,
  type QuarantineStatus,
  type QuarantineVerdictState,
} from "./manifest.js";
export {
  QuarantineDetailsBuilder,
  decodeQuarantineDetails,
  encodeQuarantineDetails,
  quarantineDetailsProblems,
  type QuarantineDetails,
  type QuarantineScanResult,
  type QuarantineSeverity,
  type QuarantineSummaryItem,
} from "./quarantine-details.js";
export { CATALOG_SCOPE, RELEASE_ACTIONS, repositoryScope, type RepositoryAction } from "./scopes.js";
export { DEFAULT_RETRY, type RetryOptions } from "./http/retry.js";
export { DEFAULT_TIMEOUT_MS, type TransportOptions } from "./http/transport.js";
