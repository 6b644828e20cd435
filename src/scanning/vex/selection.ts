import type { OpenVexDocument } from "../../policy/index.js";

/** An OpenVEX document read from the VEX container, with the blob it came from. */
export interface ContainerVexDocument {
  document: OpenVexDocument;
  /** The blob name in the container. */
  location: string;
}

export type VexDocumentProblemCode =
  "vex-document-too-large" | "vex-document-invalid" | "vex-document-unreadable" | "vex-too-many-documents";

/** A document in the container that could not be used, or a limit the container exceeded. */
export interface VexDocumentProblem {
  /** The blob name, or the container itself for a limit. */
  location: string;
  code: VexDocumentProblemCode;
  message: string;
}

/**
 * The VEX container's documents for one image, and every problem with the container's documents. Problems are not
 * only this image's: a document that cannot be read might be the one that revokes a suppression, so any problem
 * means no VEX is applied at all (judge.ts) rather than some of it.
 */
export interface VexSelection {
  documents: ContainerVexDocument[];
  problems: VexDocumentProblem[];
}
