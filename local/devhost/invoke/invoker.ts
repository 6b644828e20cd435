import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { currentProgrammingModel } from "../app/core-api.js";
import type {
  CoreInvocationContext,
  InvocationState,
  RpcBindingInfo,
  RpcFunctionMetadata,
  RpcInvocationResponse,
  RpcParameterBinding,
  RpcTypedData,
} from "../app/core-types.js";
import type { FunctionRegistry, RegisteredFunction } from "../app/registry.js";
import { executeHooks, readOnlyHookContext } from "./hooks.js";
import type { HostLogger } from "./logger.js";

export interface InvocationInput {
  fn: RegisteredFunction;
  /** The trigger's data as the host would send it over RPC. */
  trigger: RpcTypedData;
  /** Why it runs, for the "Executing …" log line (the real host's wording where one exists). */
  reason: string;
  invocationId?: string;
  triggerMetadata?: Record<string, RpcTypedData>;
}

export type InvocationOutcome =
  | { ok: true; invocationId: string; response: RpcInvocationResponse; durationMs: number }
  | { ok: false; invocationId: string; error: Error; durationMs: number };

/** Supplies the data of a non-trigger input binding (e.g. durableClient) for one invocation. */
export type InputBindingProvider = (binding: RpcBindingInfo, fn: RegisteredFunction) => RpcTypedData;

/** A function's invocation-independent parts: its RPC metadata, log categories and non-trigger input bindings. */
interface PreparedFunction {
  metadata: RpcFunctionMetadata;
  category: string;
  userCategory: string;
  inputs: Array<{ name: string; binding: RpcBindingInfo; type: string }>;
}

/** Output binding types the devhost knows how to deliver (HTTP responses; durable results travel as return values). */
const SUPPORTED_OUTPUTS = new Set(["http"]);

/**
 * Invokes a registered function the way the Node worker's InvocationHandler does: the app's programming model builds the
 * arguments from RPC data, pre-invocation hooks run, the handler runs, post-invocation hooks run, and the model converts
 * the result back to RPC data. Errors are returned, never thrown, so one bad invocation cannot take the host down.
 */
export class Invoker {
  readonly #registry: FunctionRegistry;
  readonly #logger: HostLogger;
  readonly #inputProviders: Map<string, InputBindingProvider>;
  readonly #appHookData: Record<string, unknown>;
  readonly #preparedByFunction = new WeakMap<RegisteredFunction, PreparedFunction>();

  constructor(registry: FunctionRegistry, logger: HostLogger, appHookData: Record<string, unknown>) {
    this.#registry = registry;
    this.#logger = logger;
    this.#inputProviders = new Map();
    this.#appHookData = appHookData;
  }

  registerInputProvider(bindingType: string, provider: InputBindingProvider): void {
    this.#inputProviders.set(bindingType.toLowerCase(), provider);
  }

  async invoke(input: InvocationInput): Promise<InvocationOutcome> {
    const invocationId = input.invocationId ?? randomUUID();
    const { fn } = input;
    const { category } = this.#prepared(fn);
    const started = performance.now();
    this.#logger.info(
      category,
      `Executing 'Functions.${fn.name}' (Reason='${input.reason}', Id=${invocationId})`,
      invocationId,
    );
    try {
      const response = await this.#run(input, invocationId);
      const durationMs = performance.now() - started;
      this.#logger.info(
        category,
        `Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${Math.round(durationMs)}ms)`,
        invocationId,
      );
      return { ok: true, invocationId, response, durationMs };
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      const durationMs = performance.now() - started;
      this.#logger.error(
        category,
        `Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${Math.round(durationMs)}ms)\n${error.stack ?? error.message}`,
        invocationId,
      );
      return { ok: false, invocationId, error, durationMs };
    }
  }

  async #run(input: InvocationInput, invocationId: string): Promise<RpcInvocationResponse> {
    const { fn } = input;
    const prepared = this.#prepared(fn);
    const coreContext: CoreInvocationContext & { state?: InvocationState } = {
      invocationId,
      request: {
        invocationId,
        functionId: fn.name,
        inputData: this.#inputData(fn, prepared, input.trigger),
        triggerMetadata: input.triggerMetadata ?? {},
      },
      metadata: prepared.metadata,
      log: (level, category, message) => {
        this.#logger.log(level, category === "user" ? prepared.userCategory : prepared.category, message, invocationId);
      },
    };
    const model = currentProgrammingModel().getInvocationModel(coreContext);
    const hookData: Record<string, unknown> = {};
    const { context, inputs } = await model.getArguments();
    // Hook contexts are built only when an app registered hooks: without any, nobody could see them.
    const preHooks = this.#registry.hooks("preInvocation");
    let callInputs = inputs;
    let callback = fn.callback;
    if (preHooks.length > 0) {
      const pre = readOnlyHookContext({ hookData, appHookData: this.#appHookData, invocationContext: context }, {
        inputs,
        functionCallback: fn.callback,
      } as Record<string, unknown>);
      coreContext.state = "preInvocationHooks";
      try {
        await executeHooks(preHooks, pre);
      } finally {
        coreContext.state = undefined;
      }
      callInputs = pre.inputs as unknown[];
      callback = pre.functionCallback as typeof fn.callback;
    }
    let result: unknown = null;
    let error: unknown = null;
    coreContext.state = "invocation";
    try {
      result = await model.invokeFunction(context, callInputs, callback);
    } catch (caught) {
      error = caught;
    } finally {
      coreContext.state = undefined;
    }
    const postHooks = this.#registry.hooks("postInvocation");
    if (postHooks.length > 0) {
      const post = readOnlyHookContext({ hookData, appHookData: this.#appHookData, invocationContext: context }, {
        inputs: callInputs,
        result,
        error,
      } as Record<string, unknown>);
      coreContext.state = "postInvocationHooks";
      try {
        await executeHooks(postHooks, post);
      } finally {
        coreContext.state = undefined;
      }
      result = post.result;
      error = post.error;
    }
    if (error !== null && error !== undefined) throw error;
    const response = await model.getResponse(context, result);
    this.#rejectUnsupportedOutputs(fn, response);
    return response;
  }

  /** What every invocation of `fn` shares, made on its first one. */
  #prepared(fn: RegisteredFunction): PreparedFunction {
    let prepared = this.#preparedByFunction.get(fn);
    if (!prepared) {
      prepared = {
        metadata: { name: fn.name, functionId: fn.name, bindings: fn.metadata.bindings },
        category: `Function.${fn.name}`,
        userCategory: `Function.${fn.name}.User`,
        inputs: Object.entries(fn.metadata.bindings)
          .filter(([name, binding]) => name !== fn.triggerName && binding.direction === "in")
          .map(([name, binding]) => ({ name, binding, type: String(binding.type ?? "").toLowerCase() })),
      };
      this.#preparedByFunction.set(fn, prepared);
    }
    return prepared;
  }

  #inputData(fn: RegisteredFunction, prepared: PreparedFunction, trigger: RpcTypedData): RpcParameterBinding[] {
    const data: RpcParameterBinding[] = [{ name: fn.triggerName, data: trigger }];
    for (const { name, binding, type } of prepared.inputs) {
      const provider = this.#inputProviders.get(type);
      if (!provider) {
        throw new Error(
          `Function "${fn.name}" has an input binding "${name}" of type "${binding.type}", which the devhost does not provide.`,
        );
      }
      data.push({ name, data: provider(binding, fn) });
    }
    return data;
  }

  #rejectUnsupportedOutputs(fn: RegisteredFunction, response: RpcInvocationResponse): void {
    for (const output of response.outputData ?? []) {
      const binding = fn.metadata.bindings[output.name ?? ""];
      const type = String(binding?.type ?? "").toLowerCase();
      if (!SUPPORTED_OUTPUTS.has(type)) {
        throw new Error(
          `Function "${fn.name}" set output binding "${output.name}" of type "${binding?.type}", which the devhost cannot deliver.`,
        );
      }
    }
  }
}
