import { JsonObject, JsonValue, PayloadTemplate, compact } from '../json';
import { NextableState, ResultPathProps } from '../state';

/** Options of a {@link Pass} state. */
export interface PassProps extends ResultPathProps {
  /** Payload template that becomes the state's input. @default the input */
  readonly parameters?: PayloadTemplate;
  /** A fixed result, placed at `resultPath`. @default the (parameterised) input */
  readonly result?: JsonValue;
}

/** Passes its input on, optionally reshaped or with a fixed result: the ASL `Pass` state. */
export class Pass extends NextableState {
  /** @param name state name, unique across the whole machine */
  constructor(
    name: string,
    private readonly props: PassProps = {},
  ) {
    super(name);
    this.checkIo(props);
    this.checkTemplate('Parameters', props.parameters);
  }

  /** {@inheritDoc State.toStateJson} */
  public toStateJson(): JsonObject {
    const { inputPath, resultPath, outputPath } = this.props;
    return compact({
      Type: 'Pass',
      Comment: this.props.comment,
      ...this.renderIo({ inputPath }),
      Parameters: this.props.parameters,
      Result: this.props.result,
      ...this.renderIo({ resultPath, outputPath }),
      ...this.renderNext(),
    }) as JsonObject;
  }
}
