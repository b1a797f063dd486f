import { createHash, createHmac } from 'node:crypto';
import type { HostKeyPin } from '../locations';

/** OpenSSH's fingerprint of a raw (wire-format) public key: `SHA256:` + unpadded base64. */
export function openSshFingerprint(rawKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(rawKey).digest('base64').replace(/=+$/, '')}`;
}

/** The name known_hosts uses for a host: plain on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Does one known_hosts host field (comma list, wildcards, `!` negation, `|1|` hashes) name this host? */
function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    if (globToRegExp(negated ? pattern.slice(1) : pattern).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** The raw keys that known_hosts text pins for a host (`@revoked` and `@cert-authority` lines are not pins). */
export function keysPinnedFor(knownHosts: string, host: string, port: number): Buffer[] {
  const name = knownHostsName(host, port);
  const keys: Buffer[] = [];
  for (const line of knownHosts.split(/\r?\n/)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3 || fields[0]!.startsWith('#') || fields[0]!.startsWith('@')) continue;
    if (hostFieldMatches(fields[0]!, name)) keys.push(Buffer.from(fields[2]!, 'base64'));
  }
  return keys;
}

/** Why a presented key was refused, or `undefined` when it matches every part of the pin (one of its fingerprints, known_hosts). */
export function hostKeyRefusal(pin: HostKeyPin, host: string, port: number, rawKey: Buffer): string | undefined {
  const presented = openSshFingerprint(rawKey);
  if (pin.fingerprint !== undefined) {
    const pinned = typeof pin.fingerprint === 'string' ? [pin.fingerprint] : pin.fingerprint;
    if (!pinned.includes(presented)) {
      return `${knownHostsName(host, port)} presented ${presented}, pinned ${pinned.join(' or ')}`;
    }
  }
  if (pin.knownHosts !== undefined) {
    const pinned = keysPinnedFor(pin.knownHosts, host, port);
    if (pinned.length === 0)
      return `known_hosts has no entry for ${knownHostsName(host, port)} (presented ${presented})`;
    if (!pinned.some((key) => key.equals(rawKey))) {
      return `${knownHostsName(host, port)} presented ${presented}, which known_hosts does not list`;
    }
  }
  return undefined;
}
