import { attestDecisionStep } from "../attest/attest-step.js";
import { compositionRoot } from "../composition/root.js";
import { ACTIVITY, registerActivity } from "../pipeline/contract/index.js";

registerActivity(ACTIVITY.attestDecision, (input) => attestDecisionStep(compositionRoot().attestation(), input));
