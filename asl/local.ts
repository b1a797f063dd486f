import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { JsonObject, JsonValue } from './json';
import { AslDefinition } from './state-machine-definition';

/** Stands in for a Task's service call: gets the Task's effective input (after `Parameters`), returns the service's response. */
export type LocalHandler = (input: JsonValue) => JsonValue | Promise<JsonValue>;

/** Options of {@link runLocally}. */
export interface RunLocallyOptions {
  /** One handler per Task, keyed by **state name** (as aws-local-stepfunctions keys them); every Task needs one. */
  readonly handlers: Readonly<Record<string, LocalHandler>>;
  /**
   * Milliseconds every Wait state pauses, or `'as-defined'` to wait what the definition says
   * (a back-off Wait's `SecondsPath` included). @default 0, so a run is not slowed by production waits
   */
  readonly waitMs?: number | 'as-defined';
  /** Milliseconds before every retry, or `'as-defined'` for the `Retry` intervals. @default 0, so retries do not slow a run */
  readonly retryIntervalMs?: number | 'as-defined';
  /** The execution's identity in the context object (`$$.Execution.Name`, `$$.Execution.Id`). @default a fresh UUID name */
  readonly execution?: LocalExecution;
}

/** Who a local execution is, as Step Functions tells a workflow in `$$.Execution`. */
export interface LocalExecution {
  /** `StartExecution`'s `name`: unique per state machine. */
  readonly name: string;
  /** The execution ARN. @default {@link localExecutionArn} of `name` */
  readonly arn?: string;
}

/** Account and region local ARNs are made up in. */
const LOCAL_ARN_SCOPE = 'local-1:000000000000';

/** An execution ARN in the shape Step Functions gives one, for an execution run locally. */
export function localExecutionArn(name: string, stateMachineName = 'local'): string {
  return `arn:aws:states:${LOCAL_ARN_SCOPE}:execution:${stateMachineName}:${name}`;
}

/**
 * Runs a definition in aws-local-stepfunctions with local Task handlers and
 * resolves to the execution's output; a failed execution rejects with the
 * library's `ExecutionError` (its `cause` holds the ASL error).
 *
 * Resource ARNs are not checked, since the handlers replace them and at
 * synth time they may be Terraform tokens. Like an execution on AWS, every run
 * has a name and an ARN in its context object, unique unless the caller names it.
 */
export async function runLocally(
  definition: AslDefinition,
  input: JsonValue,
  options: RunLocallyOptions,
): Promise<JsonValue> {
  installPromiseWithResolvers();
  const states = listStates(definition);
  const tasks = states.filter((s) => s.type === 'Task').map((s) => s.name);
  const missing = tasks.filter((name) => !(name in options.handlers));
  const unknown = Object.keys(options.handlers).filter((name) => !tasks.includes(name));
  if (missing.length || unknown.length) {
    throw new Error(
      `runLocally: handlers must match the Task states exactly (missing: ${missing.join(', ') || 'none'}; ` +
        `not a Task: ${unknown.join(', ') || 'none'})`,
    );
  }
  const byName = (names: string[], value: number) => Object.fromEntries(names.map((name) => [name, value]));
  // The library's types mirror ASL more strictly than our JSON types; the definition is checked by its validator.
  const machine = new StateMachine(structuredClone(definition) as never, { validationOptions: { checkArn: false } });
  const name = options.execution?.name ?? randomUUID();
  const execution = machine.run(input as never, {
    // The library sets Input and StartTime itself and keeps the rest of the context object.
    context: { Execution: { Id: options.execution?.arn ?? localExecutionArn(name), Name: name } },
    overrides: {
      taskResourceLocalHandlers: options.handlers as never,
      ...(options.waitMs === 'as-defined'
        ? {}
        : {
            waitTimeOverrides: byName(
              states.filter((s) => s.type === 'Wait').map((s) => s.name),
              options.waitMs ?? 0,
            ),
          }),
      ...(options.retryIntervalMs === 'as-defined'
        ? {}
        : {
            retryIntervalOverrides: byName(
              states.filter((s) => s.retries).map((s) => s.name),
              options.retryIntervalMs ?? 0,
            ),
          }),
    },
  });
  return (await execution.result) as JsonValue;
}

/**
 * aws-local-stepfunctions 3 calls `Promise.withResolvers` (Node ≥ 22). On
 * Node 20 its absence makes every Task throw a TypeError that a `States.ALL`
 * Catch swallows silently, so install the standard shape if missing.
 */
function installPromiseWithResolvers(): void {
  const promise = Promise as PromiseConstructor & { withResolvers?: () => unknown };
  promise.withResolvers ??= function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const created = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise: created, resolve, reject };
  };
}

/** Every state of the machine, nested graphs included (names are unique machine-wide). */
function listStates(graph: JsonObject): { name: string; type: string; retries: boolean }[] {
  return Object.entries(graph.States as Record<string, JsonObject>).flatMap(([name, state]) => [
    { name, type: state.Type as string, retries: Array.isArray(state.Retry) },
    ...((state.Branches as JsonObject[] | undefined) ?? []).flatMap(listStates),
    ...(state.ItemProcessor ? listStates(state.ItemProcessor as JsonObject) : []),
  ]);
}
