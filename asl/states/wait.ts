import { JsonObject, compact } from '../json';
import { InputOutputProps, NextableState } from '../state';

/** How long a {@link Wait} state waits: exactly one of the four ASL fields. */
export class WaitTime {
  /** A fixed number of seconds. */
  public static seconds(seconds: number): WaitTime {
    return new WaitTime('Seconds', seconds);
  }
  /** Seconds read from the input at `path`. */
  public static secondsPath(path: string): WaitTime {
    return new WaitTime('SecondsPath', path);
  }
  /** Until a fixed ISO-8601 instant. */
  public static timestamp(timestamp: string): WaitTime {
    return new WaitTime('Timestamp', timestamp);
  }
  /** Until the ISO-8601 instant read from the input at `path`. */
  public static timestampPath(path: string): WaitTime {
    return new WaitTime('TimestampPath', path);
  }

  private constructor(
    /** The ASL field name. */
    public readonly field: 'Seconds' | 'SecondsPath' | 'Timestamp' | 'TimestampPath',
    /** The field's value. */
    public readonly value: number | string,
  ) {}
}

/** Options of a {@link Wait} state. */
export interface WaitProps extends InputOutputProps {
  /** How long to wait. */
  readonly time: WaitTime;
}

/** Pauses the execution: the ASL `Wait` state. */
export class Wait extends NextableState {
  /** @param name state name, unique across the whole machine */
  constructor(
    name: string,
    private readonly props: WaitProps,
  ) {
    super(name);
    this.checkIo(props);
    const { field, value } = props.time;
    if (field.endsWith('Path')) this.checkPath(field, String(value));
  }

  /** {@inheritDoc State.toStateJson} */
  public toStateJson(): JsonObject {
    return compact({
      Type: 'Wait',
      Comment: this.props.comment,
      [this.props.time.field]: this.props.time.value,
      ...this.renderIo(this.props),
      ...this.renderNext(),
    }) as JsonObject;
  }
}
