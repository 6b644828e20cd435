import { compositionRoot } from "../composition/root.js";
import { ACTIVITY, registerActivity } from "../pipeline/contract/index.js";
import { writeRegistryDecision } from "../pipeline/steps/write-registry-decision.js";

registerActivity(ACTIVITY.writeRegistryDecision, (request) =>
  writeRegistryDecision(compositionRoot().gateServices(), request),
);
