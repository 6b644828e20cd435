import { compositionRoot } from "../composition/root.js";
import { ACTIVITY, registerActivity } from "../pipeline/contract/index.js";
import { pollScan } from "../pipeline/steps/scan.js";

registerActivity(ACTIVITY.pollScan, (input) => pollScan(compositionRoot().gateServices(), input));
