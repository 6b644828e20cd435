import * as df from "durable-functions";
import { PIPELINE_ORCHESTRATOR, quarantinePipeline } from "../pipeline/orchestrator.js";

df.app.orchestration(PIPELINE_ORCHESTRATOR, quarantinePipeline);
