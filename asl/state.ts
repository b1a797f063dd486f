import { Chain } from './chain';
import { Errors } from './errors';
import { PolicyStatement } from './iam';
import { JsonObject, PayloadTemplate, assertPath, assertPayloadTemplate, compact } from './json';

/** Something that can start a chain and may have open ends to continue from. */
export interface IChainable {
  /** The state name, or for a chain the name of the state added last (used in errors). */
  readonly id: string;
  /** The state that execution enters first. */
  readonly startState: State;
  /** The states whose `next()` continues the chain; empty once every path has ended. */
  readonly endStates: INextable[];
}

/** A state that can be followed by another. */
export interface INextable {
  /** Continues with `next` after this state. */
  next(next: IChainable): Chain;
}

/** Renders a nested graph (a Parallel branch or a Map item processor) to its `StartAt`/`States`. */
export type GraphRenderer = (start: State) => JsonObject;

/** Fields every state has. */
export interface StateProps {
  /** Human-readable note rendered as the state's `Comment`. @default no comment */
  readonly comment?: string;
}

/** `InputPath`/`OutputPath`, allowed on every state but Fail. */
export interface InputOutputProps extends StateProps {
  /** Selects the part of the input the state works on; `null` gives it `{}`. @default '$' */
  readonly inputPath?: string | null;
  /** Selects the part of the output passed on; `null` passes `{}`. @default '$' */
  readonly outputPath?: string | null;
}

/** Where a state's result goes, for states that produce one. */
export interface ResultPathProps extends InputOutputProps {
  /** Where the result is placed in the input; `null` discards it and passes the input on. @default '$' */
  readonly resultPath?: string | null;
}

/** `ResultSelector`, for states whose raw result is reshaped before `ResultPath`. */
export interface ResultSelectorProps extends ResultPathProps {
  /** Payload template applied to the raw result. @default the raw result */
  readonly resultSelector?: PayloadTemplate;
}

/** A retrier; intervals are in seconds. */
export interface RetryProps {
  /** Error names to retry (see {@link Errors}). @default [Errors.ALL] */
  readonly errors?: string[];
  /** Seconds before the first retry. @default 1 (ASL) */
  readonly interval?: number;
  /** Retries before giving up; 0 disables retry for these errors. @default 3 (ASL) */
  readonly maxAttempts?: number;
  /** Multiplier applied to the interval on each retry. @default 2 (ASL) */
  readonly backoffRate?: number;
  /** Cap on the grown interval, in seconds. @default no cap */
  readonly maxDelay?: number;
  /** `FULL` randomises each wait between 0 and the computed interval. @default 'NONE' (ASL) */
  readonly jitter?: 'FULL' | 'NONE';
}

/** A catcher. */
export interface CatchProps {
  /** Error names to catch (see {@link Errors}). @default [Errors.ALL] */
  readonly errors?: string[];
  /** Where `{ Error, Cause }` is placed in the input; `null` drops it. @default '$' (replaces the input) */
  readonly resultPath?: string | null;
}

/**
 * Base of every state. A state is a plain object: it renders itself to ASL
 * and names the states it transitions to; {@link StateMachineDefinition}
 * walks those transitions to render and validate the whole machine.
 */
export abstract class State implements IChainable {
  /** A state starts the chain made of itself alone. */
  public readonly startState: State = this;
  /** {@inheritDoc IChainable.endStates} */
  public abstract readonly endStates: INextable[];

  protected constructor(
    /** The state name, unique across the whole machine. */
    public readonly id: string,
  ) {}

  /** States reached by normal flow (`Next`, Choice rules, `Default`). */
  public flowTargets(): State[] {
    return [];
  }

  /** States reached from `Catch`. */
  public catchTargets(): State[] {
    return [];
  }

  /** IAM the execution role needs for this state alone (nested graphs are walked separately). */
  public policyStatements(): PolicyStatement[] {
    return [];
  }

  /** This state's ASL; nested graphs are rendered through `renderGraph`. */
  public abstract toStateJson(renderGraph: GraphRenderer): JsonObject;

  /** Checks a path field at construction so the error names this state. */
  protected checkPath(field: string, path: string | null | undefined): void {
    if (typeof path === 'string') assertPath(this.id, field, path);
  }

  /** Checks every `.$` value of a payload template. */
  protected checkTemplate(field: string, template: PayloadTemplate | undefined): void {
    if (template !== undefined) assertPayloadTemplate(this.id, field, template);
  }

  /** Checks `InputPath`/`OutputPath`, and `ResultPath`/`ResultSelector` where the state has them. */
  protected checkIo(props: ResultSelectorProps): void {
    this.checkPath('InputPath', props.inputPath);
    this.checkPath('OutputPath', props.outputPath);
    this.checkPath('ResultPath', props.resultPath);
    this.checkTemplate('ResultSelector', props.resultSelector);
  }

  /** Renders the I/O fields of `props` that are set. */
  protected renderIo(props: ResultSelectorProps): JsonObject {
    return compact({
      InputPath: props.inputPath,
      ResultSelector: props.resultSelector,
      ResultPath: props.resultPath,
      OutputPath: props.outputPath,
    }) as JsonObject;
  }
}

/** A state with a single `Next`, or `End` when nothing follows. */
export abstract class NextableState extends State implements INextable {
  /** A nextable state is its own open end until `next()` is called. */
  public readonly endStates: INextable[] = [this];
  private nextState?: State;

  /** Continues with `next`; a second call throws, since ASL allows one `Next`. */
  public next(next: IChainable): Chain {
    if (this.nextState) {
      throw new Error(
        `State '${this.id}' already continues with '${this.nextState.id}'; cannot also continue with '${next.id}'`,
      );
    }
    this.nextState = next.startState;
    return Chain.sequence(this, next);
  }

  /** Whether `next()` has been called (used by `Choice.afterwards()` to find open ends). */
  public hasNext(): boolean {
    return this.nextState !== undefined;
  }

  /** {@inheritDoc State.flowTargets} */
  public flowTargets(): State[] {
    return this.nextState ? [this.nextState] : [];
  }

  /** `Next`, or `End: true` when the chain stops here. */
  protected renderNext(): JsonObject {
    return this.nextState ? { Next: this.nextState.id } : { End: true };
  }
}

/** A nextable state that can retry and catch errors: Task, Parallel and Map. */
export abstract class RetryableState extends NextableState {
  private readonly retriers: JsonObject[] = [];
  private readonly catchers: { handler: State; rule: JsonObject }[] = [];

  /** Adds a retrier, tried in the order added. */
  public addRetry(props: RetryProps = {}): this {
    const errors = this.checkErrors('retrier', this.retriers, props.errors);
    this.retriers.push(
      compact({
        ErrorEquals: errors,
        IntervalSeconds: props.interval,
        MaxAttempts: props.maxAttempts,
        BackoffRate: props.backoffRate,
        MaxDelaySeconds: props.maxDelay,
        JitterStrategy: props.jitter,
      }) as JsonObject,
    );
    return this;
  }

  /** On a matching error (after retries), continues with `handler`; catchers are tried in the order added. */
  public addCatch(handler: IChainable, props: CatchProps = {}): this {
    const errors = this.checkErrors(
      'catcher',
      this.catchers.map((c) => c.rule),
      props.errors,
    );
    this.checkPath('Catch ResultPath', props.resultPath);
    this.catchers.push({
      handler: handler.startState,
      rule: compact({ ErrorEquals: errors, ResultPath: props.resultPath }) as JsonObject,
    });
    return this;
  }

  /** {@inheritDoc State.catchTargets} */
  public catchTargets(): State[] {
    return this.catchers.map((c) => c.handler);
  }

  /** `Retry` and `Catch`, when any were added. */
  protected renderRetryCatch(): JsonObject {
    return compact({
      Retry: this.retriers.length ? this.retriers : undefined,
      Catch: this.catchers.length ? this.catchers.map((c) => ({ ...c.rule, Next: c.handler.id })) : undefined,
    }) as JsonObject;
  }

  /**
   * `States.ALL` matches everything, so ASL requires it alone in its rule and
   * in the last rule: anything beside or after it could never match.
   */
  private checkErrors(kind: string, existing: JsonObject[], errors: string[] = [Errors.ALL]): string[] {
    if (errors.includes(Errors.ALL) && errors.length > 1) {
      throw new Error(
        `State '${this.id}': ${Errors.ALL} must stand alone in a ${kind}, not with ${errors.filter((e) => e !== Errors.ALL).join(', ')}`,
      );
    }
    if (existing.some((rule) => (rule.ErrorEquals as string[]).includes(Errors.ALL))) {
      throw new Error(`State '${this.id}': a ${kind} after ${Errors.ALL} can never match; ${Errors.ALL} must be last`);
    }
    return [...errors];
  }
}
