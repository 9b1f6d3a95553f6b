import { isMissing, type DqTable, type DqValue } from '../table.js';

/**
 * A parsed `row_condition` (Great Expectations' pandas condition_parser, a safe subset; no eval):
 *
 *   condition := or
 *   or        := and (("or" | "|") and)*
 *   and       := unary (("and" | "&") unary)*
 *   unary     := ("not" | "~") unary | "(" or ")" | comparison
 *   comparison:= column op literal | literal op column
 *   column    := identifier | `back-quoted name` | col("name")
 *   op        := == | != | > | >= | < | <=
 *   literal   := number | "string" | 'string' | True | False | None
 *
 * Comparisons with a missing cell are false (as in pandas), except `!=`, which is true.
 */
export type RowCondition =
  | { kind: 'and' | 'or'; left: RowCondition; right: RowCondition }
  | { kind: 'not'; operand: RowCondition }
  | { kind: 'cmp'; column: string; op: CmpOp; value: string | number | boolean | null };

type CmpOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

type Token =
  | { t: 'id'; v: string }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'op'; v: string }
  | { t: 'col'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new SyntaxError(`row_condition "${src}": ${msg} at position ${i}`);
  };
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '>=', '<='].includes(two)) {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('<>()&|~'.includes(ch)) {
      out.push({ t: 'op', v: ch });
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const end = src.indexOf(ch, i + 1);
      if (end < 0) fail('unterminated string');
      out.push({ t: 'str', v: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (ch === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) fail('unterminated `column`');
      out.push({ t: 'col', v: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i));
    if (num && (out.length === 0 || out[out.length - 1].t === 'op')) {
      out.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i));
    if (id) {
      const word = id[0];
      i += word.length;
      const call = /^\s*\(\s*(["'])(.*?)\1\s*\)/.exec(src.slice(i));
      if (word === 'col' && call) {
        out.push({ t: 'col', v: call[2] });
        i += call[0].length;
      } else {
        out.push({ t: 'id', v: word });
      }
      continue;
    }
    fail(`unexpected character "${ch}"`);
  }
  return out;
}

const CMP_OPS = new Set(['==', '!=', '>', '>=', '<', '<=']);
const FLIP: Record<CmpOp, CmpOp> = { '==': '==', '!=': '!=', '>': '<', '>=': '<=', '<': '>', '<=': '>=' };

/**
 * Parses a row condition such as `tenure >= 1` or `contract == "Month-to-month" and tenure > 0`.
 * @throws SyntaxError quoting the condition and the position.
 */
export function parseRowCondition(src: string): RowCondition {
  const toks = tokenize(src);
  let p = 0;
  const fail = (msg: string): never => {
    throw new SyntaxError(`row_condition "${src}": ${msg}`);
  };
  const peek = (): Token | undefined => toks[p];
  const isWord = (tok: Token | undefined, ...w: string[]): boolean =>
    tok !== undefined && ((tok.t === 'id' && w.includes(tok.v.toLowerCase())) || (tok.t === 'op' && w.includes(tok.v)));
  const literal = (tok: Token): string | number | boolean | null | undefined => {
    if (tok.t === 'num' || tok.t === 'str') return tok.v;
    if (tok.t === 'id') {
      if (tok.v === 'True' || tok.v === 'true') return true;
      if (tok.v === 'False' || tok.v === 'false') return false;
      if (tok.v === 'None' || tok.v === 'null') return null;
    }
    return undefined;
  };
  const comparison = (): RowCondition => {
    const a = toks[p++];
    const op = toks[p++];
    const b = toks[p++];
    if (!a || !op || !b || op.t !== 'op' || !CMP_OPS.has(op.v)) fail('expected <column> <op> <value> with op one of == != > >= < <=');
    const o = op.v as CmpOp;
    const la = literal(a);
    const lb = literal(b);
    if ((a.t === 'id' && la === undefined) || a.t === 'col') {
      if (lb === undefined) fail(`"${b.v}" is not a number, quoted string, True, False or None`);
      return { kind: 'cmp', column: String(a.v), op: o, value: lb as string | number | boolean | null };
    }
    if ((b.t === 'id' && lb === undefined) || b.t === 'col') {
      return { kind: 'cmp', column: String(b.v), op: FLIP[o], value: la as string | number | boolean | null };
    }
    return fail('a comparison needs a column on one side');
  };
  const unary = (): RowCondition => {
    const tok = peek();
    if (isWord(tok, 'not', '~')) {
      p++;
      return { kind: 'not', operand: unary() };
    }
    if (tok?.t === 'op' && tok.v === '(') {
      p++;
      const inner = or();
      const close = toks[p++];
      if (!close || close.t !== 'op' || close.v !== ')') fail('missing ")"');
      return inner;
    }
    return comparison();
  };
  const and = (): RowCondition => {
    let left = unary();
    while (isWord(peek(), 'and', '&')) {
      p++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const or = (): RowCondition => {
    let left = and();
    while (isWord(peek(), 'or', '|')) {
      p++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  if (toks.length === 0) fail('empty condition');
  const cond = or();
  if (p < toks.length) fail(`unexpected "${String(toks[p].v)}"`);
  return cond;
}

function compare(cell: DqValue, op: CmpOp, value: string | number | boolean | null): boolean {
  if (isMissing(cell) || value === null) {
    const bothMissing = isMissing(cell) && value === null;
    if (op === '==') return bothMissing;
    if (op === '!=') return !bothMissing;
    return false;
  }
  let a: string | number | boolean = cell;
  const b: string | number | boolean = value;
  if (typeof b === 'number' && typeof a === 'string' && a.trim() !== '' && !Number.isNaN(Number(a))) a = Number(a);
  if (typeof a === 'boolean' && typeof b === 'number') a = a ? 1 : 0;
  if (typeof a !== typeof b) return op === '!=';
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
  }
}

function columnsOf(c: RowCondition, out: Set<string>): Set<string> {
  if (c.kind === 'cmp') out.add(c.column);
  else if (c.kind === 'not') columnsOf(c.operand, out);
  else {
    columnsOf(c.left, out);
    columnsOf(c.right, out);
  }
  return out;
}

/**
 * Indices of the rows of `table` that satisfy `condition`.
 * @throws RangeError naming a column the condition uses but the table lacks.
 */
export function matchingRows(table: DqTable, condition: RowCondition, nRows: number): Int32Array {
  for (const col of columnsOf(condition, new Set())) {
    if (!(col in table)) throw new RangeError(`row_condition uses column "${col}", which the table does not have`);
  }
  const test = (c: RowCondition, i: number): boolean => {
    switch (c.kind) {
      case 'and':
        return test(c.left, i) && test(c.right, i);
      case 'or':
        return test(c.left, i) || test(c.right, i);
      case 'not':
        return !test(c.operand, i);
      case 'cmp':
        return compare(table[c.column][i], c.op, c.value);
    }
  };
  const idx: number[] = [];
  for (let i = 0; i < nRows; i++) if (test(condition, i)) idx.push(i);
  return Int32Array.from(idx);
}
