import { posix } from 'node:path';
import { InvalidPathError } from './errors';

// C0 controls, DEL and C1 controls: never part of a file name we accept.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Rejects a path or object key that could be used to reach outside its place:
 * `..` segments, NUL and other control characters, or nothing at all.
 * Unicode and spaces are ordinary characters.
 */
export function assertSafePath(path: string): void {
  if (path.length === 0) throw new InvalidPathError('empty path');
  if (CONTROL_CHARACTERS.test(path)) {
    throw new InvalidPathError(`path contains a NUL or control character: ${JSON.stringify(path)}`);
  }
  if (path.split('/').includes('..')) throw new InvalidPathError(`path contains a '..' segment: ${path}`);
}

/**
 * Resolves `path` (relative, or absolute but inside `baseDir`) to an absolute
 * POSIX path that is guaranteed to stay under `baseDir`.
 */
export function resolveUnder(baseDir: string, path: string): string {
  assertSafePath(path);
  assertSafePath(baseDir);
  if (!baseDir.startsWith('/')) throw new InvalidPathError(`base directory must be absolute: ${baseDir}`);
  const base = posix.normalize(baseDir);
  const resolved = path.startsWith('/') ? posix.normalize(path) : posix.join(base, path);
  const inside = base === '/' ? resolved.startsWith('/') : resolved === base || resolved.startsWith(`${base}/`);
  if (!inside) throw new InvalidPathError(`path ${path} escapes the base directory ${baseDir}`);
  if (resolved === base || resolved.endsWith('/'))
    throw new InvalidPathError(`path ${path} names a directory, not a file`);
  return resolved;
}
