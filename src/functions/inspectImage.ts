import { compositionRoot } from "../composition/root.js";
import { ACTIVITY, registerActivity } from "../pipeline/contract/index.js";
import { inspectImage } from "../pipeline/steps/inspect-image.js";

registerActivity(ACTIVITY.inspectImage, (image) =>
  inspectImage(compositionRoot().gateServices(), image, compositionRoot().artifactInspector()),
);
