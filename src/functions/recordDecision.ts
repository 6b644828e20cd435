import { compositionRoot } from "../composition/root.js";
import { ACTIVITY, registerActivity } from "../pipeline/contract/index.js";
import { recordDecision } from "../pipeline/steps/record-decision.js";

registerActivity(ACTIVITY.recordDecision, (input) => recordDecision(compositionRoot().gateServices(), input));
