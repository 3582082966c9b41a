/**
 * What of a client's identity is stored (`processors.spanpulse.client_address` and
 * `user_id`, README "Privacy"), applied to every record before anything is written:
 *
 *   keep      as sent (the default, as the system spanpulse replaces stored `ipAddress`)
 *   truncate  client addresses only: IPv4 to its /24 (`203.0.113.0`), IPv6 to its /48
 *             (`2001:db8:85a3::`); an IPv4-mapped IPv6 address as IPv4; anything that is not an
 *             IP address is dropped, since it cannot be truncated safely
 *   hash      HMAC-SHA256 with the deployment's secret, hex: stable within a deployment (the same
 *             user is still one user), not reversible without the secret
 *   drop      not stored (null)
 */
import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export type AddressMode = 'keep' | 'truncate' | 'hash' | 'drop';
export type UserIdMode = 'keep' | 'hash' | 'drop';

export interface PrivacyOptions {
  clientAddress: AddressMode;
  userId: UserIdMode;
  /** The HMAC key of `hash`; required when a mode is `hash`. */
  hashSecret: string;
}

/** A hash keeps 128 bits of the HMAC: ample to keep users apart, shorter to store. */
const HASH_HEX_DIGITS = 32;

export function protectAddress(address: string | null, options: PrivacyOptions): string | null {
  if (address === null) return null;
  switch (options.clientAddress) {
    case 'keep': return address;
    case 'drop': return null;
    case 'hash': return keyedHash(address, options.hashSecret);
    case 'truncate': return truncateAddress(address);
  }
}

export function protectUserId(userId: string | null, options: PrivacyOptions): string | null {
  if (userId === null) return null;
  switch (options.userId) {
    case 'keep': return userId;
    case 'drop': return null;
    case 'hash': return keyedHash(userId, options.hashSecret);
  }
}

function keyedHash(value: string, secret: string): string {
  return createHmac('sha256', secret).update(value).digest('hex').slice(0, HASH_HEX_DIGITS);
}

/** IPv4 /24, IPv6 /48; null for a value that is not an IP address. */
export function truncateAddress(address: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const value = mapped ?? address;
  if (isIPv4(value)) return `${value.split('.').slice(0, 3).join('.')}.0`;
  if (!isIPv6(value)) return null;
  const [head = '', tail = ''] = value.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = value.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 3).map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::`;
}
