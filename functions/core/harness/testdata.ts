/**
 * Synthetic test bytes: deterministic from a seed (a re-run with the same seed makes the
 * same file), generated as a stream in 1 MiB pieces so memory stays flat at any size.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { TestData } from '../flows/schema';

const CHUNK = 1024 * 1024;

/** xorshift32: a tiny deterministic PRNG for the text layouts (not for anything secret). */
function prng(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32BE(0) || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

function* randomBytes(seed: string, size: number): Generator<Buffer> {
  // AES-256-CTR over zeros is a fast seeded keystream: GB/s, unlike a JS PRNG.
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  for (let left = size; left > 0; left -= CHUNK) yield cipher.update(zeros.subarray(0, Math.min(left, CHUNK)));
}

/** One text record (a line) of a layout. */
function textRecord(pattern: 'csv' | 'jsonl' | 'fixedwidth', index: number, next: () => number): string {
  const amount = (next() * 100_000).toFixed(2);
  const account = Math.floor(next() * 1e10)
    .toString()
    .padStart(10, '0');
  const code = Math.floor(next() * 36 ** 6)
    .toString(36)
    .toUpperCase()
    .padStart(6, '0');
  switch (pattern) {
    case 'csv':
      return `${index},${account},${code},${amount},SYNTHETIC\n`;
    case 'jsonl':
      return `${JSON.stringify({ seq: index, account, code, amount: Number(amount), synthetic: true })}\n`;
    case 'fixedwidth':
      return `${String(index).padStart(10, '0')}${account}${code.padEnd(8)}${amount.padStart(12)}SYNTHETIC\n`;
  }
}

const HEADERS: Record<'csv' | 'jsonl' | 'fixedwidth', string> = {
  csv: 'seq,account,code,amount,note\n',
  jsonl: '',
  fixedwidth: '',
};

function* textBytes(pattern: 'csv' | 'jsonl' | 'fixedwidth', seed: string, size: number): Generator<Buffer> {
  const next = prng(seed);
  let left = size;
  let pending = HEADERS[pattern];
  let index = 0;
  while (left > 0) {
    while (pending.length < CHUNK && pending.length < left) pending += textRecord(pattern, index++, next);
    // The last record is cut to hit the exact size: the size is the contract, not the layout.
    const piece = Buffer.from(pending.slice(0, Math.min(left, CHUNK)), 'latin1');
    pending = pending.slice(piece.length);
    left -= piece.length;
    yield piece;
  }
}

/** A stream of exactly `size` bytes in the flow's pattern, the same for the same seed. */
export function syntheticStream(pattern: TestData['pattern'], seed: string, size: number): Readable {
  return Readable.from(pattern === 'random' ? randomBytes(seed, size) : textBytes(pattern, seed, size), {
    objectMode: false,
  });
}
