import type { ErrorObject } from "ajv";
import { Ajv } from "ajv";
import picomatch from "picomatch";
import { NOTIFICATION_TYPES, type NotificationType } from "../pipeline/contract/notify.js";
import { SubscriptionDocumentError, type SubscriptionProblem } from "./errors.js";

/**
 * The subscription document (setting NOTIFY_SUBSCRIPTIONS, JSON): which sinks exist and which event types of which
 * repositories go to each, so each team gets its own repositories. It holds no secrets: the URLs and signing secrets
 * of webhook, Teams and Slack sinks are in the one setting NOTIFY_SINK_SECRETS (a Key Vault reference in Azure; see
 * settings.ts), keyed by sink name. Validated against a JSON Schema with Ajv like the policy; every problem is
 * reported with its JSON pointer.
 *
 * {
 *   "version": 1,
 *   "sinks": {
 *     "siem":  { "kind": "eventgrid" },
 *     "hooks": { "kind": "webhook" },
 *     "team-a-teams": { "kind": "teams" },
 *     "team-a-slack": { "kind": "slack" }
 *   },
 *   "subscriptions": [
 *     { "sinks": ["siem", "hooks"] },
 *     { "sinks": ["team-a-teams", "team-a-slack"], "types": ["approval.*", "image.failed"], "repositories": ["team-a/**"] }
 *   ]
 * }
 */
export type SinkKind = "eventgrid" | "webhook" | "teams" | "slack";

export interface SinkDefinition {
  kind: SinkKind;
  /** eventgrid only: the topic endpoint (not a secret); default the setting NOTIFY_EVENTGRID_ENDPOINT (the Bicep's topic). */
  endpoint?: string;
}

export interface Subscription {
  sinks: string[];
  /** Event types (globs over the short names, e.g. `approval.*`); default every type. */
  types?: string[];
  /** Repository globs (case-insensitive); default every repository. sweep.completed has no repository: only `**` matches it. */
  repositories?: string[];
}

export interface SubscriptionDocument {
  version: 1;
  sinks: Record<string, SinkDefinition>;
  subscriptions: Subscription[];
}

const GLOBS = { type: "array", items: { type: "string", minLength: 1, maxLength: 200 }, minItems: 1, maxItems: 100 };

export const SUBSCRIPTION_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["version", "sinks", "subscriptions"],
  properties: {
    version: { const: 1 },
    sinks: {
      type: "object",
      maxProperties: 100,
      propertyNames: { pattern: "^[a-z0-9][a-z0-9-]{0,62}$" },
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        required: ["kind"],
        properties: {
          kind: { enum: ["eventgrid", "webhook", "teams", "slack"] },
          endpoint: { type: "string", pattern: "^https://[^\\s?#]+$", maxLength: 500 },
        },
        if: { properties: { kind: { const: "eventgrid" } } },
        then: true,
        else: { not: { required: ["endpoint"] } },
      },
    },
    subscriptions: {
      type: "array",
      maxItems: 200,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["sinks"],
        properties: {
          sinks: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 20, uniqueItems: true },
          types: GLOBS,
          repositories: GLOBS,
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const validate = ajv.compile<SubscriptionDocument>(SUBSCRIPTION_SCHEMA);

const GLOB_OPTIONS: picomatch.PicomatchOptions = { nocase: true, dot: true, strictBrackets: true, debug: true };

function problemOf(error: ErrorObject): SubscriptionProblem {
  const extra =
    error.keyword === "additionalProperties"
      ? ` (${JSON.stringify((error.params as { additionalProperty: string }).additionalProperty)})`
      : "";
  return { pointer: error.instancePath, message: `${error.message ?? error.keyword}${extra}` };
}

/** A route: the sinks an event goes to. */
export interface Router {
  readonly document: SubscriptionDocument;
  /** The sink names (each once) for an event type and repository (undefined: a registry-wide event). */
  sinksFor(type: NotificationType, repository: string | undefined): string[];
}

/**
 * Parses and checks the document: the schema, then what a schema cannot say (every subscription names sinks that
 * exist, globs compile, type globs match at least one type). Throws SubscriptionDocumentError with every problem.
 */
export function parseSubscriptions(input: unknown): Router {
  let document: unknown = input;
  if (typeof input === "string") {
    try {
      document = JSON.parse(input) as unknown;
    } catch (error) {
      throw new SubscriptionDocumentError([{ pointer: "", message: `not JSON: ${(error as Error).message}` }]);
    }
  }
  if (!validate(document)) throw new SubscriptionDocumentError((validate.errors ?? []).map(problemOf));
  const problems: SubscriptionProblem[] = [];
  const compiled = document.subscriptions.map((subscription, index) => {
    subscription.sinks.forEach((sink, s) => {
      if (!Object.hasOwn(document.sinks, sink))
        problems.push({
          pointer: `/subscriptions/${index}/sinks/${s}`,
          message: `no sink named ${JSON.stringify(sink)}`,
        });
    });
    const compile = (field: "types" | "repositories") =>
      (subscription[field] ?? ["**"]).map((glob, g) => {
        try {
          return picomatch(glob, GLOB_OPTIONS);
        } catch (error) {
          problems.push({ pointer: `/subscriptions/${index}/${field}/${g}`, message: (error as Error).message });
          return () => false;
        }
      });
    const types = compile("types");
    const repositories = compile("repositories");
    (subscription.types ?? []).forEach((glob, g) => {
      if (!NOTIFICATION_TYPES.some((type) => types[g]!(type)))
        problems.push({
          pointer: `/subscriptions/${index}/types/${g}`,
          message: `matches no event type (${NOTIFICATION_TYPES.join(", ")})`,
        });
    });
    const everyRepository = !subscription.repositories || subscription.repositories.includes("**");
    return { sinks: subscription.sinks, types, repositories, everyRepository };
  });
  if (problems.length > 0) throw new SubscriptionDocumentError(problems);
  return {
    document,
    sinksFor(type, repository) {
      const sinks = new Set<string>();
      for (const route of compiled) {
        if (!route.types.some((match) => match(type))) continue;
        const repositoryMatches =
          repository === undefined ? route.everyRepository : route.repositories.some((match) => match(repository));
        if (repositoryMatches) for (const sink of route.sinks) sinks.add(sink);
      }
      return [...sinks];
    },
  };
}
