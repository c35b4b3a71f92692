/**
 * Planted credentials for redaction tests: each has the exact shape of a real one (so
 * the secret rules must recognise it) and a unique marker, so a byte scan of a database
 * file can say which one leaked.
 */
function fill(alphabet: string, n: number, seed: number): string {
  let out = '';
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += alphabet[x % alphabet.length];
  }
  return out;
}
const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export const PLANTED = {
  openai: `sk-proj-${fill(AN, 60, 1)}`,
  anthropic: `sk-ant-api03-${fill(AN, 93, 2)}AA`,
  aws: `AKIA${fill('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 3)}`,
  github: `ghp_${fill(AN, 36, 4)}`,
  google: `AIza${fill(AN, 35, 5)}`,
  bearerOpaque: `opaque${fill(AN, 30, 6)}`,
  cookie: `sid=${fill(AN, 24, 7)}`,
  password: `pw-${fill(AN, 20, 8)}`,
  queryToken: `qt${fill(AN, 26, 9)}`,
};

export const ALL_PLANTED = Object.values(PLANTED);
