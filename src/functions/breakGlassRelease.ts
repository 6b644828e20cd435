import { ORCHESTRATION, registerOrchestration } from "../pipeline/contract/index.js";
import { breakGlassRelease } from "../pipeline/orchestration/break-glass.js";

registerOrchestration(ORCHESTRATION.breakGlassRelease, breakGlassRelease);
