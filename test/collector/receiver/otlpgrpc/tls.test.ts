/**
 * TLS on both receivers, with certificates made here by `openssl`: the stock exporters with
 * OTEL_EXPORTER_OTLP_CERTIFICATE export over https and grpcs (traces stored, metrics and logs
 * answered), plain-text clients are refused; with client_ca_file, only clients presenting a
 * certificate signed by that CA get through (OTEL_EXPORTER_OTLP_CLIENT_KEY / _CERTIFICATE).
 * The bin re-reads the files on SIGHUP: new connections get the new certificate on all three
 * listeners, and a key that does not match its certificate leaves the old one in place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, status } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otlpGrpcClient } from '../../../support/grpcClient.js';
import { runAllSignalsApp } from '../../fixtures/runAllSignalsApp.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../../support/spanpulse.js';
import { startCollector, testEnv, type RunningBin } from '../../../support/binProcess.js';

const dir = mkdtempSync(join(tmpdir(), 'spanpulse-tls-'));
const file = (name: string) => join(dir, name);

/** A CA, two server certificates for 127.0.0.1 / localhost and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', name);
  key('ca.key');
  openssl('req', '-x509', '-new', '-key', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=spanpulse test CA');
  for (const name of ['server', 'renewed']) writeFileSync(file(`${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [['server', 'localhost'], ['renewed', 'localhost'], ['client', 'spanpulse test client']] as const) {
    key(`${name}.key`);
    openssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
}

/** POST /v1/traces over https with the test CA (and a client certificate when given); resolves with the status or the error. */
function httpsPost(url: string, clientCertificate: boolean): Promise<number | Error> {
  return new Promise((resolve) => {
    const req = request(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      ca: readFileSync(file('ca.pem')),
      ...(clientCertificate ? { key: readFileSync(file('client.key')), cert: readFileSync(file('client.pem')) } : {}),
    }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    });
    req.on('error', resolve);
    req.end(Buffer.alloc(0));
  });
}

const serverTls = () => ({
  SPANPULSE_OTLP_TLS_CERT_FILE: file('server.pem'), SPANPULSE_OTLP_TLS_KEY_FILE: file('server.key'),
  SPANPULSE_API_TLS_CERT_FILE: file('server.pem'), SPANPULSE_API_TLS_KEY_FILE: file('server.key'),
});
const protocols = [['http/protobuf', 'otlpUrl'], ['grpc', 'otlpGrpcUrl']] as const;

beforeAll(() => makeCertificates());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TLS (server certificate only)', () => {
  let sp: TestSpanpulse;
  beforeAll(async () => {
    sp = await startTestSpanpulse({ env: serverTls() });
  });
  afterAll(async () => {
    await sp?.stop();
  });

  it('listens on https and grpcs', () => {
    expect(sp.otlpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sp.otlpGrpcUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves the status API and pages over https too', async () => {
    expect(sp.apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const get = (path: string) => new Promise<number | Error>((resolve) => {
      request(`${sp.apiUrl}${path}`, { ca: readFileSync(file('ca.pem')) }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      }).on('error', resolve).end();
    });
    expect(await get('/healthz')).toBe(200);
    expect(await get('/status')).toBe(200);
    const plain = await fetch(sp.apiUrl!.replace('https:', 'http:') + '/healthz').then((r) => r.status, (error: unknown) => error);
    expect(plain).toBeInstanceOf(Error);
  });

  it.each(protocols)('the stock exporters export every signal as %s with OTEL_EXPORTER_OTLP_CERTIFICATE', async (protocol, url) => {
    const service = `tls-${protocol.replace('/', '-')}`;
    const { code, output } = await runAllSignalsApp(service, sp[url]!, protocol, { OTEL_EXPORTER_OTLP_CERTIFICATE: file('ca.pem') });
    expect(output).not.toMatch(/error|fail|unavailable/i);
    expect(code).toBe(0);
    expect(await sp.recentRequests(service)).toMatchObject([{ endpoint: '/api/ping', statusCode: 200 }]);
  });

  it('refuses plain-text clients and clients that do not trust the certificate', async () => {
    await expect(fetch(`${sp.otlpUrl.replace('https:', 'http:')}/v1/traces`, { method: 'POST' })).rejects.toThrow();
    const plain = otlpGrpcClient(sp.otlpGrpcUrl!.replace('https:', 'http:'));
    const untrusting = otlpGrpcClient(sp.otlpGrpcUrl!, { channel: credentials.createSsl() });
    const trusting = otlpGrpcClient(sp.otlpGrpcUrl!, { channel: credentials.createSsl(readFileSync(file('ca.pem'))) });
    try {
      expect((await plain.export('traces', Buffer.alloc(0))).error?.code).toBe(status.UNAVAILABLE);
      expect((await untrusting.export('traces', Buffer.alloc(0))).error?.code).toBe(status.UNAVAILABLE);
      expect((await trusting.export('traces', Buffer.alloc(0))).error).toBeUndefined();
    } finally {
      for (const client of [plain, untrusting, trusting]) client.close();
    }
  });
});

describe('mutual TLS (client_ca_file)', () => {
  let sp: TestSpanpulse;
  beforeAll(async () => {
    sp = await startTestSpanpulse({ env: { ...serverTls(), SPANPULSE_OTLP_TLS_CLIENT_CA_FILE: file('ca.pem') } });
  });
  afterAll(async () => {
    await sp?.stop();
  });

  it.each(protocols)('the stock exporters with a client certificate export as %s', async (protocol, url) => {
    const service = `mtls-${protocol.replace('/', '-')}`;
    const { code, output } = await runAllSignalsApp(service, sp[url]!, protocol, {
      OTEL_EXPORTER_OTLP_CERTIFICATE: file('ca.pem'),
      OTEL_EXPORTER_OTLP_CLIENT_KEY: file('client.key'),
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: file('client.pem'),
    });
    expect(output).not.toMatch(/error|fail|unavailable/i);
    expect(code).toBe(0);
    expect(await sp.recentRequests(service)).toMatchObject([{ endpoint: '/api/ping', statusCode: 200 }]);
  });

  it('a client without a certificate is refused on both transports', async () => {
    expect(await httpsPost(sp.otlpUrl, false)).toBeInstanceOf(Error);
    expect(await httpsPost(sp.otlpUrl, true)).toBe(400); // through the handshake; an empty body is a 400
    const anonymous = otlpGrpcClient(sp.otlpGrpcUrl!, { channel: credentials.createSsl(readFileSync(file('ca.pem'))) });
    const known = otlpGrpcClient(sp.otlpGrpcUrl!, {
      channel: credentials.createSsl(readFileSync(file('ca.pem')), readFileSync(file('client.key')), readFileSync(file('client.pem'))),
    });
    try {
      expect((await anonymous.export('traces', Buffer.alloc(0))).error?.code).toBe(status.UNAVAILABLE);
      expect((await known.export('traces', Buffer.alloc(0))).error).toBeUndefined();
    } finally {
      anonymous.close();
      known.close();
    }
  });
});

describe('certificates renewed on disk, then SIGHUP (the bin)', () => {
  const live = { cert: file('live.pem'), key: file('live.key') };
  const serialOf = (name: string) => new X509Certificate(readFileSync(file(`${name}.pem`))).serialNumber;
  /** The serial number of the certificate a new TLS connection to `port` is shown. */
  const servedSerial = (port: number) => new Promise<string>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(file('ca.pem')), ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.on('error', reject);
  });
  const count = (text: string, needle: string) => text.split(needle).length - 1;
  async function until(condition: () => boolean): Promise<void> {
    for (let waited = 0; !condition(); waited += 50) {
      if (waited > 5000) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  let bin: RunningBin;
  let ports: number[];
  beforeAll(async () => {
    copyFileSync(file('server.pem'), live.cert);
    copyFileSync(file('server.key'), live.key);
    bin = await startCollector(testEnv(file('bin-data'), {
      SPANPULSE_OTLP_TLS_CERT_FILE: live.cert, SPANPULSE_OTLP_TLS_KEY_FILE: live.key,
      SPANPULSE_API_TLS_CERT_FILE: live.cert, SPANPULSE_API_TLS_KEY_FILE: live.key,
    }));
    const started = /"otlp":"[^"]*:(\d+)".*"otlpGrpc":"[^"]*:(\d+)".*"api":"[^"]*:(\d+)"/.exec(bin.stderr())!;
    ports = started.slice(1, 4).map(Number);
  });
  afterAll(async () => {
    expect(await bin?.stop()).toBe(0);
  });

  it('serves the renewed certificate on OTLP/HTTP, OTLP/gRPC and the status API; a mismatched key changes nothing', async () => {
    for (const port of ports) expect(await servedSerial(port)).toBe(serialOf('server'));

    copyFileSync(file('renewed.pem'), live.cert);
    copyFileSync(file('renewed.key'), live.key);
    bin.child.kill('SIGHUP');
    await until(() => count(bin.stderr(), 'TLS certificate reloaded') === 3);
    for (const port of ports) expect(await servedSerial(port)).toBe(serialOf('renewed'));

    copyFileSync(file('client.key'), live.key); // a valid key, not the certificate's
    bin.child.kill('SIGHUP');
    await until(() => count(bin.stderr(), 'TLS files not reloaded') === 3);
    for (const port of ports) expect(await servedSerial(port)).toBe(serialOf('renewed'));
    expect(bin.child.exitCode).toBeNull();
  });
});
