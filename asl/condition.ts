import { JsonObject } from './json';

/**
 * A Choice rule's test, built by the static factories and combined with
 * {@link Condition.and}, {@link Condition.or} and {@link Condition.not}.
 *
 * `variable` and every `*Path` argument are JSONPaths into the state's input
 * (or `$$.` context paths); {@link Choice.when} checks them so the error names
 * the Choice state.
 */
export class Condition {
  /** `variable` equals `value`. */
  public static stringEquals(variable: string, value: string): Condition {
    return Condition.compare(variable, 'StringEquals', value);
  }
  /** `variable` sorts before `value`. */
  public static stringLessThan(variable: string, value: string): Condition {
    return Condition.compare(variable, 'StringLessThan', value);
  }
  /** `variable` sorts before or equals `value`. */
  public static stringLessThanEquals(variable: string, value: string): Condition {
    return Condition.compare(variable, 'StringLessThanEquals', value);
  }
  /** `variable` sorts after `value`. */
  public static stringGreaterThan(variable: string, value: string): Condition {
    return Condition.compare(variable, 'StringGreaterThan', value);
  }
  /** `variable` sorts after or equals `value`. */
  public static stringGreaterThanEquals(variable: string, value: string): Condition {
    return Condition.compare(variable, 'StringGreaterThanEquals', value);
  }
  /** `variable` matches `pattern`, where `*` matches any run of characters. */
  public static stringMatches(variable: string, pattern: string): Condition {
    return Condition.compare(variable, 'StringMatches', pattern);
  }
  /** `variable` equals the string at `path`. */
  public static stringEqualsPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'StringEqualsPath', path);
  }
  /** `variable` sorts before the string at `path`. */
  public static stringLessThanPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'StringLessThanPath', path);
  }
  /** `variable` sorts before or equals the string at `path`. */
  public static stringLessThanEqualsPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'StringLessThanEqualsPath', path);
  }
  /** `variable` sorts after the string at `path`. */
  public static stringGreaterThanPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'StringGreaterThanPath', path);
  }
  /** `variable` sorts after or equals the string at `path`. */
  public static stringGreaterThanEqualsPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'StringGreaterThanEqualsPath', path);
  }

  /** `variable` equals `value`. */
  public static numberEquals(variable: string, value: number): Condition {
    return Condition.compare(variable, 'NumericEquals', value);
  }
  /** `variable` is less than `value`. */
  public static numberLessThan(variable: string, value: number): Condition {
    return Condition.compare(variable, 'NumericLessThan', value);
  }
  /** `variable` is less than or equal to `value`. */
  public static numberLessThanEquals(variable: string, value: number): Condition {
    return Condition.compare(variable, 'NumericLessThanEquals', value);
  }
  /** `variable` is greater than `value`. */
  public static numberGreaterThan(variable: string, value: number): Condition {
    return Condition.compare(variable, 'NumericGreaterThan', value);
  }
  /** `variable` is greater than or equal to `value`. */
  public static numberGreaterThanEquals(variable: string, value: number): Condition {
    return Condition.compare(variable, 'NumericGreaterThanEquals', value);
  }
  /** `variable` equals the number at `path`. */
  public static numberEqualsPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'NumericEqualsPath', path);
  }
  /** `variable` is less than the number at `path`. */
  public static numberLessThanPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'NumericLessThanPath', path);
  }
  /** `variable` is less than or equal to the number at `path`. */
  public static numberLessThanEqualsPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'NumericLessThanEqualsPath', path);
  }
  /** `variable` is greater than the number at `path`. */
  public static numberGreaterThanPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'NumericGreaterThanPath', path);
  }
  /** `variable` is greater than or equal to the number at `path`. */
  public static numberGreaterThanEqualsPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'NumericGreaterThanEqualsPath', path);
  }

  /** `variable` equals `value`. */
  public static booleanEquals(variable: string, value: boolean): Condition {
    return Condition.compare(variable, 'BooleanEquals', value);
  }
  /** `variable` equals the boolean at `path`. */
  public static booleanEqualsPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'BooleanEqualsPath', path);
  }

  /** `variable` is the same instant as the ISO-8601 `value`. */
  public static timestampEquals(variable: string, value: string): Condition {
    return Condition.compare(variable, 'TimestampEquals', value);
  }
  /** `variable` is before the ISO-8601 `value`. */
  public static timestampLessThan(variable: string, value: string): Condition {
    return Condition.compare(variable, 'TimestampLessThan', value);
  }
  /** `variable` is at or before the ISO-8601 `value`. */
  public static timestampLessThanEquals(variable: string, value: string): Condition {
    return Condition.compare(variable, 'TimestampLessThanEquals', value);
  }
  /** `variable` is after the ISO-8601 `value`. */
  public static timestampGreaterThan(variable: string, value: string): Condition {
    return Condition.compare(variable, 'TimestampGreaterThan', value);
  }
  /** `variable` is at or after the ISO-8601 `value`. */
  public static timestampGreaterThanEquals(variable: string, value: string): Condition {
    return Condition.compare(variable, 'TimestampGreaterThanEquals', value);
  }
  /** `variable` is the same instant as the timestamp at `path`. */
  public static timestampEqualsPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'TimestampEqualsPath', path);
  }
  /** `variable` is before the timestamp at `path`. */
  public static timestampLessThanPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'TimestampLessThanPath', path);
  }
  /** `variable` is at or before the timestamp at `path`. */
  public static timestampLessThanEqualsPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'TimestampLessThanEqualsPath', path);
  }
  /** `variable` is after the timestamp at `path`. */
  public static timestampGreaterThanPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'TimestampGreaterThanPath', path);
  }
  /** `variable` is at or after the timestamp at `path`. */
  public static timestampGreaterThanEqualsPath(variable: string, path: string): Condition {
    return Condition.compare(variable, 'TimestampGreaterThanEqualsPath', path);
  }

  /** `variable` exists in the input. */
  public static isPresent(variable: string): Condition {
    return Condition.compare(variable, 'IsPresent', true);
  }
  /** `variable` does not exist in the input. */
  public static isNotPresent(variable: string): Condition {
    return Condition.compare(variable, 'IsPresent', false);
  }
  /** `variable` is JSON `null`. */
  public static isNull(variable: string): Condition {
    return Condition.compare(variable, 'IsNull', true);
  }
  /** `variable` is present and not `null`. */
  public static isNotNull(variable: string): Condition {
    return Condition.compare(variable, 'IsNull', false);
  }
  /** `variable` is a string. */
  public static isString(variable: string): Condition {
    return Condition.compare(variable, 'IsString', true);
  }
  /** `variable` is a number. */
  public static isNumeric(variable: string): Condition {
    return Condition.compare(variable, 'IsNumeric', true);
  }
  /** `variable` is a boolean. */
  public static isBoolean(variable: string): Condition {
    return Condition.compare(variable, 'IsBoolean', true);
  }
  /** `variable` is an ISO-8601 timestamp string. */
  public static isTimestamp(variable: string): Condition {
    return Condition.compare(variable, 'IsTimestamp', true);
  }

  /** Every one of `conditions` holds. */
  public static and(...conditions: Condition[]): Condition {
    return new Condition({ And: conditions.map((c) => c.toJson()) });
  }
  /** At least one of `conditions` holds. */
  public static or(...conditions: Condition[]): Condition {
    return new Condition({ Or: conditions.map((c) => c.toJson()) });
  }
  /** `condition` does not hold. */
  public static not(condition: Condition): Condition {
    return new Condition({ Not: condition.toJson() });
  }

  private static compare(variable: string, operator: string, value: string | number | boolean): Condition {
    return new Condition({ Variable: variable, [operator]: value });
  }

  private constructor(private readonly rule: JsonObject) {}

  /** The ASL choice rule, without its `Next`. */
  public toJson(): JsonObject {
    return structuredClone(this.rule);
  }
}
