export type { ContainerVexDocument, VexDocumentProblem, VexDocumentProblemCode, VexSelection } from "./selection.js";
export {
  describeVex,
  type AppliedVexDocument,
  type VexDocumentRef,
  type VexSource,
  type VexSummary,
  type VexSuppression,
} from "./summary.js";
export {
  scopeOf,
  selectForImage,
  VexContainerSource,
  type VexContainerEntry,
  type VexContainerOptions,
  type VexScope,
  type VexSnapshot,
} from "./container-source.js";
export { VexSourceError, type VexSourceErrorCode } from "./errors.js";
