import { Chain } from '../chain';
import { Condition } from '../condition';
import { JsonObject, JsonValue, compact } from '../json';
import { IChainable, INextable, InputOutputProps, NextableState, State } from '../state';

/** Options of a {@link Choice} state. */
export type ChoiceProps = InputOutputProps;

/**
 * Branches on the input: the ASL `Choice` state. Rules are tried in the order
 * added; `otherwise` is taken when none matches. A Choice has no `next()`:
 * continue after its branches with {@link Choice.afterwards}.
 */
export class Choice extends State {
  /** A Choice never has an open end of its own; see {@link Choice.afterwards}. */
  public readonly endStates: INextable[] = [];
  private readonly rules: { condition: JsonObject; next: State }[] = [];
  private defaultState?: State;

  /** @param name state name, unique across the whole machine */
  constructor(
    name: string,
    private readonly props: ChoiceProps = {},
  ) {
    super(name);
    this.checkIo(props);
  }

  /** Goes to `next` when `condition` holds; its `Variable` and `*Path` values must be JSONPaths. */
  public when(condition: Condition, next: IChainable): this {
    const rule = condition.toJson();
    this.checkConditionPaths(rule);
    this.rules.push({ condition: rule, next: next.startState });
    return this;
  }

  /** Goes to `next` when no rule matches (`Default`). */
  public otherwise(next: IChainable): this {
    if (this.defaultState) {
      throw new Error(
        `State '${this.id}' already has otherwise '${this.defaultState.id}'; cannot also use '${next.id}'`,
      );
    }
    this.defaultState = next.startState;
    return this;
  }

  /**
   * A chain whose open ends are the open ends reachable from this Choice's
   * branches, so they converge on whatever comes next. Error handlers are not
   * followed: a Catch path usually ends on its own.
   */
  public afterwards(): Chain {
    const ends: INextable[] = [];
    const seen = new Set<State>();
    const queue: State[] = [this];
    while (queue.length) {
      const state = queue.shift()!;
      if (seen.has(state)) continue;
      seen.add(state);
      if (state instanceof NextableState && !state.hasNext()) ends.push(state);
      queue.push(...state.flowTargets());
    }
    return Chain.custom(this, ends, this.id);
  }

  /** {@inheritDoc State.flowTargets} */
  public flowTargets(): State[] {
    return [...this.rules.map((r) => r.next), ...(this.defaultState ? [this.defaultState] : [])];
  }

  /** {@inheritDoc State.toStateJson} */
  public toStateJson(): JsonObject {
    if (this.rules.length === 0) {
      throw new Error(`State '${this.id}': a Choice needs at least one when() rule`);
    }
    return compact({
      Type: 'Choice',
      Comment: this.props.comment,
      ...this.renderIo(this.props),
      Choices: this.rules.map((r) => ({ ...r.condition, Next: r.next.id })),
      Default: this.defaultState?.id,
    }) as JsonObject;
  }

  /** Checks `Variable` and every `*Path` operand, through `And`/`Or`/`Not`. */
  private checkConditionPaths(rule: JsonValue): void {
    if (Array.isArray(rule)) return rule.forEach((r) => this.checkConditionPaths(r));
    if (rule === null || typeof rule !== 'object') return;
    for (const [key, value] of Object.entries(rule)) {
      if (typeof value === 'string' && (key === 'Variable' || key.endsWith('Path'))) {
        this.checkPath(`Choice ${key}`, value);
      } else {
        this.checkConditionPaths(value);
      }
    }
  }
}
