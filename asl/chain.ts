import type { IChainable, INextable, State } from './state';

/**
 * A sequence of states with one start and zero or more open ends.
 * `Chain.start(a).next(b).next(c)` links a → b → c.
 */
export class Chain implements IChainable {
  /** Begins a chain at `state`. */
  public static start(state: IChainable): Chain {
    return new Chain(state.startState, state.endStates, state.id);
  }

  /** A chain starting where `start` starts and ending where `end` ends. */
  public static sequence(start: IChainable, end: IChainable): Chain {
    return new Chain(start.startState, end.endStates, end.id);
  }

  /** A chain with explicit open ends, e.g. the converging branches of a Choice. */
  public static custom(startState: State, endStates: INextable[], id: string): Chain {
    return new Chain(startState, endStates, id);
  }

  private constructor(
    /** {@inheritDoc IChainable.startState} */
    public readonly startState: State,
    /** {@inheritDoc IChainable.endStates} */
    public readonly endStates: INextable[],
    /** {@inheritDoc IChainable.id} */
    public readonly id: string,
  ) {}

  /** Continues every open end with `next`. */
  public next(next: IChainable): Chain {
    if (this.endStates.length === 0) {
      throw new Error(
        `Cannot continue with '${next.id}' after '${this.id}': the chain has no open end ` +
          '(Succeed and Fail end the execution; continue after a Choice with afterwards())',
      );
    }
    for (const end of this.endStates) end.next(next);
    return new Chain(this.startState, next.endStates, next.id);
  }
}
