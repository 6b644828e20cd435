export type { ContainerVexDocument, VexDocumentProblem, VexDocumentProblemCode, VexSelection } from "./selection.js";
export {
  describeVex,
  type AppliedVexDocument,
  type VexDocumentRef,
  type VexSource,
  type VexSummary,
  type VexSuppression,
} from "./summary.js";
