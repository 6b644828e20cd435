import { compositionRoot } from "../composition/root.js";
import { ACTIVITY, registerActivity } from "../pipeline/contract/index.js";
import { submitScan } from "../pipeline/steps/scan.js";

registerActivity(ACTIVITY.submitScan, (input) => submitScan(compositionRoot().gateServices(), input));
