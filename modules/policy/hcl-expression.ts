/**
 * Reads the HCL that cdktf writes for `Fn.jsonencode(obj)`:
 * `${jsonencode({"Statement" = [{"Resource" = aws_s3_bucket.b.arn, …}]})}`.
 * Only the literal part is needed (objects, lists, strings, numbers, bools), so any other
 * expression (a reference, a function call) is kept as its text wrapped in `${…}`, the form
 * the same reference takes anywhere else in the synthesized JSON.
 */

/**
 * A JSON document attribute (a policy, a redrive policy) as a value: written as literal
 * JSON (`JSON.stringify`, which may hold `${…}` references in its strings) or as
 * `${jsonencode(…)}`. Undefined when it is anything else (a file, a variable) or malformed.
 */
export function readJsonAttribute(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  if (value.startsWith('${')) return readJsonencode(value);
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** The value inside `${jsonencode(…)}`; undefined when `value` is not exactly one such call. */
function readJsonencode(value: string): unknown {
  const match = /^\$\{\s*jsonencode\(([\s\S]*)\)\s*\}$/.exec(value);
  if (!match) return undefined;
  try {
    const reader = new HclReader(match[1]);
    const result = reader.value();
    reader.end();
    return result;
  } catch {
    return undefined;
  }
}

class HclReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  value(): unknown {
    this.skipSpace();
    const char = this.text[this.pos];
    if (char === '{') return this.object();
    if (char === '[') return this.list();
    if (char === '"') return this.string();
    const expression = this.expression(/[,\]}]/);
    if (expression === 'true') return true;
    if (expression === 'false') return false;
    if (expression === 'null') return null;
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(expression)) return Number(expression);
    return `\${${expression}}`;
  }

  end(): void {
    this.skipSpace();
    if (this.pos !== this.text.length) throw new Error(`unexpected text at ${this.pos}`);
  }

  private object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.pos++; // {
    for (;;) {
      this.skipSpace(true);
      if (this.text[this.pos] === '}') {
        this.pos++;
        return result;
      }
      const key = this.text[this.pos] === '"' ? this.string() : this.expression(/[=:,\]}]/);
      this.skipSpace();
      const separator = this.text[this.pos];
      if (separator !== '=' && separator !== ':') throw new Error(`expected = at ${this.pos}`);
      this.pos++;
      result[key] = this.value();
    }
  }

  private list(): unknown[] {
    const result: unknown[] = [];
    this.pos++; // [
    for (;;) {
      this.skipSpace(true);
      if (this.text[this.pos] === ']') {
        this.pos++;
        return result;
      }
      result.push(this.value());
    }
  }

  /** A quoted string; interpolations `${…}` are kept verbatim, `$${` is HCL's escaped `${`. */
  private string(): string {
    let result = '';
    this.pos++; // "
    while (this.pos < this.text.length) {
      const char = this.text[this.pos];
      if (char === '"') {
        this.pos++;
        return result;
      }
      if (char === '\\') {
        result += this.escape();
      } else if (this.text.startsWith('$${', this.pos)) {
        result += '${';
        this.pos += 3;
      } else if (this.text.startsWith('${', this.pos)) {
        const start = this.pos;
        this.pos += 2;
        this.skipBalanced('}');
        result += this.text.slice(start, this.pos);
      } else {
        result += char;
        this.pos++;
      }
    }
    throw new Error('unterminated string');
  }

  private escape(): string {
    const code = this.text[this.pos + 1];
    this.pos += 2;
    switch (code) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'u': {
        const hex = this.text.slice(this.pos, this.pos + 4);
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        return code; // \" and \\
    }
  }

  /** Any other expression: its text up to the next `stop` character outside brackets and strings. */
  private expression(stop: RegExp): string {
    const start = this.pos;
    while (this.pos < this.text.length && !stop.test(this.text[this.pos])) {
      const char = this.text[this.pos];
      if (char === '"') this.string();
      else if (char === '(' || char === '[' || char === '{') {
        this.pos++;
        this.skipBalanced({ '(': ')', '[': ']', '{': '}' }[char]);
      } else this.pos++;
    }
    const expression = this.text.slice(start, this.pos).trim();
    if (expression === '') throw new Error(`expected a value at ${start}`);
    return expression;
  }

  /** Moves past the `close` that balances an already consumed opener. */
  private skipBalanced(close: string): void {
    while (this.pos < this.text.length) {
      const char = this.text[this.pos];
      if (char === close) {
        this.pos++;
        return;
      }
      if (char === '"') this.string();
      else if (char === '(' || char === '[' || char === '{') {
        this.pos++;
        this.skipBalanced({ '(': ')', '[': ']', '{': '}' }[char]);
      } else this.pos++;
    }
    throw new Error(`missing ${close}`);
  }

  /** Whitespace, and between items also the `,` that separates them. */
  private skipSpace(andCommas = false): void {
    const skippable = andCommas ? /[\s,]/ : /\s/;
    while (this.pos < this.text.length && skippable.test(this.text[this.pos])) this.pos++;
  }
}
