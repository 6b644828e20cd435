import * as df from "durable-functions";
import { BREAK_GLASS_ORCHESTRATOR, breakGlassRelease } from "../pipeline/break-glass.js";

df.app.orchestration(BREAK_GLASS_ORCHESTRATOR, breakGlassRelease);
