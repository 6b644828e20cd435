import { ORCHESTRATION, registerOrchestration } from "../pipeline/contract/index.js";
import { notifyEvent } from "../pipeline/orchestration/notify-event.js";

registerOrchestration(ORCHESTRATION.notifyEvent, notifyEvent);
