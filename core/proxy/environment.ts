/**
 * The environment variables that send a terminal's programs through Belay and make them
 * trust its CA. Each tool reads its own variable, so all of them are set.
 */
export type Shell = 'sh' | 'fish' | 'powershell';

export function proxyEnvironment(proxyUrl: string, caPath: string): [string, string][] {
  return [
    ['HTTPS_PROXY', proxyUrl],
    ['HTTP_PROXY', proxyUrl],
    ['https_proxy', proxyUrl],
    ['http_proxy', proxyUrl],
    // Loopback stays direct: local dev servers and Belay's own control API.
    ['NO_PROXY', 'localhost,127.0.0.1,::1'],
    ['no_proxy', 'localhost,127.0.0.1,::1'],
    ['NODE_EXTRA_CA_CERTS', caPath],
    ['SSL_CERT_FILE', caPath],
    ['REQUESTS_CA_BUNDLE', caPath],
    ['CURL_CA_BUNDLE', caPath],
    ['GIT_SSL_CAINFO', caPath],
    ['AWS_CA_BUNDLE', caPath],
    ['DENO_CERT', caPath],
    ['CARGO_HTTP_CAINFO', caPath],
  ];
}

export function renderEnvironment(vars: [string, string][], shell: Shell, unset = false): string {
  const lines = vars.map(([name, value]) => {
    if (shell === 'fish') return unset ? `set -e ${name}` : `set -gx ${name} ${quoteSh(value)}`;
    if (shell === 'powershell') return unset ? `Remove-Item Env:${name} -ErrorAction SilentlyContinue` : `$env:${name} = ${quotePs(value)}`;
    return unset ? `unset ${name}` : `export ${name}=${quoteSh(value)}`;
  });
  return `${lines.join('\n')}\n`;
}

function quoteSh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function quotePs(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
