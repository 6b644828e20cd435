import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { currentProgrammingModel } from "../app/core-api.js";
import type {
  CoreInvocationContext,
  InvocationState,
  RpcBindingInfo,
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
    const started = performance.now();
    this.#logger.info(
      `Function.${fn.name}`,
      `Executing 'Functions.${fn.name}' (Reason='${input.reason}', Id=${invocationId})`,
      invocationId,
    );
    try {
      const response = await this.#run(input, invocationId);
      const durationMs = performance.now() - started;
      this.#logger.info(
        `Function.${fn.name}`,
        `Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${Math.round(durationMs)}ms)`,
        invocationId,
      );
      return { ok: true, invocationId, response, durationMs };
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      const durationMs = performance.now() - started;
      this.#logger.error(
        `Function.${fn.name}`,
        `Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${Math.round(durationMs)}ms)\n${error.stack ?? error.message}`,
        invocationId,
      );
      return { ok: false, invocationId, error, durationMs };
    }
  }

  async #run(input: InvocationInput, invocationId: string): Promise<RpcInvocationResponse> {
    const { fn } = input;
    const coreContext: CoreInvocationContext & { state?: InvocationState } = {
      invocationId,
      request: {
        invocationId,
        functionId: fn.name,
        inputData: this.#inputData(fn, input.trigger),
        triggerMetadata: input.triggerMetadata ?? {},
      },
      metadata: { name: fn.name, functionId: fn.name, bindings: fn.metadata.bindings },
      log: (level, category, message) => {
        const suffix = category === "user" ? ".User" : "";
        this.#logger.log(level, `Function.${fn.name}${suffix}`, message, invocationId);
      },
    };
    const model = currentProgrammingModel().getInvocationModel(coreContext);
    const hookData: Record<string, unknown> = {};
    const { context, inputs } = await model.getArguments();
    const pre = readOnlyHookContext({ hookData, appHookData: this.#appHookData, invocationContext: context }, {
      inputs,
      functionCallback: fn.callback,
    } as Record<string, unknown>);
    coreContext.state = "preInvocationHooks";
    try {
      await executeHooks(this.#registry.hooks("preInvocation"), pre);
    } finally {
      coreContext.state = undefined;
    }
    const post = readOnlyHookContext({ hookData, appHookData: this.#appHookData, invocationContext: context }, {
      inputs: pre.inputs,
      result: null,
      error: null,
    } as Record<string, unknown>);
    coreContext.state = "invocation";
    try {
      post.result = await model.invokeFunction(
        context,
        pre.inputs as unknown[],
        pre.functionCallback as typeof fn.callback,
      );
    } catch (error) {
      post.error = error;
    } finally {
      coreContext.state = undefined;
    }
    coreContext.state = "postInvocationHooks";
    try {
      await executeHooks(this.#registry.hooks("postInvocation"), post);
    } finally {
      coreContext.state = undefined;
    }
    if (post.error !== null && post.error !== undefined) throw post.error;
    const response = await model.getResponse(context, post.result);
    this.#rejectUnsupportedOutputs(fn, response);
    return response;
  }

  #inputData(fn: RegisteredFunction, trigger: RpcTypedData): RpcParameterBinding[] {
    const data: RpcParameterBinding[] = [{ name: fn.triggerName, data: trigger }];
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      if (name === fn.triggerName || binding.direction !== "in") continue;
      const type = String(binding.type ?? "").toLowerCase();
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
