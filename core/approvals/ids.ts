import { randomBytes } from 'node:crypto';

const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';

/** Short ids a human can type (`belay approvals allow k7m2x9qa`): 8 characters, ~39 bits. */
export function shortId(): string {
  const bytes = randomBytes(8);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}
