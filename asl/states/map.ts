import { JsonObject, PayloadTemplate, compact } from '../json';
import { GraphRenderer, IChainable, ResultSelectorProps, RetryableState, State } from '../state';

/** Options of a {@link Map} state. */
export interface MapProps extends ResultSelectorProps {
  /** JSONPath to the array to iterate. @default '$' (the input itself) */
  readonly itemsPath?: string;
  /** Payload template giving each iteration's input; `$$.Map.Item.Value` is the item. @default the item */
  readonly itemSelector?: PayloadTemplate;
  /** Iterations run at once; 0 means as many as possible. @default 0 */
  readonly maxConcurrency?: number;
  /** JSONPath to the concurrency limit, instead of `maxConcurrency`. @default none */
  readonly maxConcurrencyPath?: string;
}

/**
 * Runs the item processor once per item of an array and outputs the array of
 * results: the ASL `Map` state in INLINE mode. Processor state names share
 * the machine's namespace.
 */
export class Map extends RetryableState {
  private processor?: State;

  /** @param name state name, unique across the whole machine */
  constructor(
    name: string,
    private readonly props: MapProps = {},
  ) {
    super(name);
    if (props.maxConcurrency !== undefined && props.maxConcurrencyPath !== undefined) {
      throw new Error(`State '${name}': set maxConcurrency or maxConcurrencyPath, not both`);
    }
    this.checkIo(props);
    this.checkPath('ItemsPath', props.itemsPath);
    this.checkPath('MaxConcurrencyPath', props.maxConcurrencyPath);
    this.checkTemplate('ItemSelector', props.itemSelector);
  }

  /** Sets the chain run for each item. */
  public itemProcessor(processor: IChainable): this {
    if (this.processor) {
      throw new Error(`State '${this.id}' already has an item processor starting at '${this.processor.id}'`);
    }
    this.processor = processor.startState;
    return this;
  }

  /** {@inheritDoc State.toStateJson} */
  public toStateJson(renderGraph: GraphRenderer): JsonObject {
    if (!this.processor) {
      throw new Error(`State '${this.id}': a Map needs an itemProcessor()`);
    }
    const { inputPath, itemsPath, itemSelector, maxConcurrency, maxConcurrencyPath, comment, ...results } = this.props;
    return compact({
      Type: 'Map',
      Comment: comment,
      ...this.renderIo({ inputPath }),
      ItemsPath: itemsPath,
      ItemSelector: itemSelector,
      MaxConcurrency: maxConcurrency,
      MaxConcurrencyPath: maxConcurrencyPath,
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, ...renderGraph(this.processor) },
      ...this.renderIo(results),
      ...this.renderRetryCatch(),
      ...this.renderNext(),
    }) as JsonObject;
  }
}
