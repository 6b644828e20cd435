import { ORCHESTRATION, registerOrchestration } from "../pipeline/contract/index.js";
import { notifyDelivery } from "../pipeline/orchestration/notify-delivery.js";

registerOrchestration(ORCHESTRATION.notifyDelivery, notifyDelivery);
