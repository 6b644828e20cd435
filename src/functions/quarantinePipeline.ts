import { ORCHESTRATION, registerOrchestration } from "../pipeline/contract/index.js";
import { quarantinePipeline } from "../pipeline/orchestration/quarantine-pipeline.js";

registerOrchestration(ORCHESTRATION.quarantinePipeline, quarantinePipeline);
