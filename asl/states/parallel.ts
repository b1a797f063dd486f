import { JsonObject, PayloadTemplate, compact } from '../json';
import { GraphRenderer, IChainable, ResultSelectorProps, RetryableState, State } from '../state';

/** Options of a {@link Parallel} state. */
export interface ParallelProps extends ResultSelectorProps {
  /** Payload template that becomes every branch's input. @default the input */
  readonly parameters?: PayloadTemplate;
}

/**
 * Runs branches concurrently and outputs the array of their outputs: the ASL
 * `Parallel` state. Branch state names share the machine's namespace.
 */
export class Parallel extends RetryableState {
  private readonly branches: State[] = [];

  /** @param name state name, unique across the whole machine */
  constructor(
    name: string,
    private readonly props: ParallelProps = {},
  ) {
    super(name);
    this.checkIo(props);
    this.checkTemplate('Parameters', props.parameters);
  }

  /** Adds branches, each a chain run on the same input. */
  public branch(...branches: IChainable[]): this {
    this.branches.push(...branches.map((b) => b.startState));
    return this;
  }

  /** {@inheritDoc State.toStateJson} */
  public toStateJson(renderGraph: GraphRenderer): JsonObject {
    if (this.branches.length === 0) {
      throw new Error(`State '${this.id}': a Parallel needs at least one branch()`);
    }
    const { inputPath, ...results } = this.props;
    return compact({
      Type: 'Parallel',
      Comment: this.props.comment,
      ...this.renderIo({ inputPath }),
      Parameters: this.props.parameters,
      Branches: this.branches.map(renderGraph),
      ...this.renderIo(results),
      ...this.renderRetryCatch(),
      ...this.renderNext(),
    }) as JsonObject;
  }
}
