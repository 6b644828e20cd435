import type { ImageRef } from "../../policy/index.js";
import type { VexSelection } from "./selection.js";

/** Anything that gives the VEX documents for one image (the container, the image's referrers). */
export interface ImageVexSource {
  forImage(image: ImageRef & { loginServer: string }): Promise<VexSelection>;
}

/** Several sources as one: their documents in order, and all their problems (one problem means no VEX, judge.ts). */
export function combineVexSources(sources: readonly ImageVexSource[]): ImageVexSource {
  return {
    async forImage(image) {
      const selections = await Promise.all(sources.map((source) => source.forImage(image)));
      return {
        documents: selections.flatMap((s) => s.documents),
        problems: selections.flatMap((s) => s.problems),
      };
    },
  };
}
