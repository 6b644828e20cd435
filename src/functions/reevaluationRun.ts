import * as df from "durable-functions";
import { reevaluationRun } from "../pipeline/orchestration/reevaluation-run.js";

// The name is REEVALUATION_ORCHESTRATION.reevaluationRun, spelt out (test/unit/reevaluate/registrations.test.ts).
df.app.orchestration("reevaluationRun", reevaluationRun);
