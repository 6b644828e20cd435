import * as df from "durable-functions";
import { REEVALUATION_ORCHESTRATION } from "../pipeline/contract/reevaluation.js";
import { reevaluationRun } from "../pipeline/orchestration/reevaluation-run.js";

df.app.orchestration(REEVALUATION_ORCHESTRATION.reevaluationRun, reevaluationRun);
