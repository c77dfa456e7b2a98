import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { CachedKeySignatureV4 } from '../../../src/providers/bedrock/sigv4-signer';
import { BedrockProvider, reuseSigners } from '../../../src/providers/bedrock/bedrock.provider';

/** SHA-256 (HMAC when given a secret) as the SDK's Node hash does it, counting keyed hashes. */
let keyedHashes = 0;
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    if (secret !== undefined) keyedHashes++;
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}

const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

const request = (body: string) => ({
  method: 'POST',
  protocol: 'https:',
  hostname: 'bedrock-runtime.eu-west-1.amazonaws.com',
  path: '/model/amazon.nova-lite-v1%3A0/converse',
  query: {},
  headers: { host: 'bedrock-runtime.eu-west-1.amazonaws.com', 'content-type': 'application/json' },
  body,
});

const creds = (secretAccessKey: string, sessionToken?: string) => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey, ...(sessionToken ? { sessionToken } : {}) });

async function authorization(Signer: typeof SignatureV4, credentials: ReturnType<typeof creds>, region: string, date: Date, body: string): Promise<string> {
  const signer = new Signer({ credentials, region, service: 'bedrock', sha256: Sha256, uriEscapePath: true });
  const signed = await signer.sign(request(body), { signingDate: date });
  return String(signed.headers.authorization);
}

describe('CachedKeySignatureV4', () => {
  const cases: Array<[ReturnType<typeof creds>, string, Date, string]> = [
    [creds('secret-1'), 'eu-west-1', new Date('2026-12-07T12:00:00Z'), '{"a":1}'],
    [creds('secret-1'), 'eu-west-1', new Date('2026-12-07T13:00:00Z'), '{"a":2}'],
    [creds('secret-1'), 'us-east-1', new Date('2026-12-07T13:00:00Z'), '{"a":2}'],
    [creds('secret-1'), 'eu-west-1', new Date('2026-12-08T00:00:01Z'), '{"a":2}'],
    // Rotated credentials under the same key id and day: a new key, not the remembered one.
    [creds('secret-2'), 'eu-west-1', new Date('2026-12-08T00:00:02Z'), '{"a":2}'],
    [creds('secret-2', 'token-a'), 'eu-west-1', new Date('2026-12-08T00:00:03Z'), '{"a":2}'],
    [creds('secret-2', 'token-b'), 'eu-west-1', new Date('2026-12-08T00:00:03Z'), '{"a":2}'],
    [creds('secret-1'), 'eu-west-1', new Date('2026-12-07T12:00:00Z'), '{"a":1}'],
  ];

  it('signs every request exactly as the SDK signer does (dates, regions, rotated secrets, session tokens)', async () => {
    for (let round = 0; round < 2; round++) {
      for (const [c, region, date, body] of cases) {
        expect(await authorization(CachedKeySignatureV4, c, region, date, body)).toBe(await authorization(SignatureV4, c, region, date, body));
      }
    }
  });

  it('derives the signing key once, then signs each request with one keyed hash (the SDK makes two)', async () => {
    const c = creds('secret-count');
    const date = new Date('2026-12-09T10:00:00Z');
    await authorization(CachedKeySignatureV4, c, 'eu-west-1', date, '{}');
    keyedHashes = 0;
    for (let i = 0; i < 10; i++) await authorization(CachedKeySignatureV4, c, 'eu-west-1', date, `{"i":${i}}`);
    expect(keyedHashes).toBe(10);
    keyedHashes = 0;
    for (let i = 0; i < 10; i++) await authorization(SignatureV4, c, 'eu-west-1', date, `{"i":${i}}`);
    expect(keyedHashes).toBe(20);
  });

  it('is the signer of the Bedrock clients', () => {
    const p = new BedrockProvider({ mode: 'emulator', region: 'us-east-1', endpoint: 'http://127.0.0.1:1' });
    expect((p.runtime.config as { signerConstructor?: unknown }).signerConstructor).toBe(CachedKeySignatureV4);
    expect((p.control.config as { signerConstructor?: unknown }).signerConstructor).toBe(CachedKeySignatureV4);
  });
});

describe('reuseSigners', () => {
  const scheme = { name: 'sigv4', signingName: 'bedrock', signingRegion: 'eu-west-1', properties: {} };

  it('gives the Bedrock clients one signer per auth scheme, not one per request', async () => {
    const p = new BedrockProvider({ mode: 'emulator', region: 'eu-west-1', endpoint: 'http://127.0.0.1:1' });
    for (const config of [p.runtime.config, p.control.config]) {
      const first = await config.signer(scheme);
      expect(first).toBeDefined();
      expect(await config.signer(scheme)).toBe(first);
      expect(await config.signer(undefined)).toBe(await config.signer(undefined));
    }
    await p.close();
  });

  it('signs as a signer built for the request would (the SDK builds one per request)', async () => {
    const p = new BedrockProvider({ mode: 'emulator', region: 'eu-west-1', endpoint: 'http://127.0.0.1:1' });
    const reused = await p.runtime.config.signer(scheme);
    const fresh = new SignatureV4({ credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' }, region: 'eu-west-1', service: 'bedrock', sha256: Sha256, uriEscapePath: true });
    for (const [i, date] of [new Date('2026-12-07T12:00:00Z'), new Date('2026-12-08T09:30:00Z')].entries()) {
      const opts = { signingDate: date, signingRegion: 'eu-west-1', signingService: 'bedrock' };
      const a = await reused.sign(request(`{"i":${i}}`), opts);
      const b = await fresh.sign(request(`{"i":${i}}`), opts);
      expect(a.headers.authorization).toBe(b.headers.authorization);
    }
    await p.close();
  });

  it('keeps signers apart by scheme and does not remember a failed build', async () => {
    let builds = 0;
    const config = {
      signer: async (s?: { signingRegion?: string }) => {
        builds++;
        if (builds === 1) throw new Error('no credentials yet');
        return { region: s?.signingRegion, sign: async <T>(r: T) => r };
      },
    };
    reuseSigners(config as unknown as Parameters<typeof reuseSigners>[0]);
    await expect(config.signer({ signingRegion: 'eu-west-1' })).rejects.toThrow('no credentials yet');
    const eu = await config.signer({ signingRegion: 'eu-west-1' });
    const us = await config.signer({ signingRegion: 'us-east-1' });
    expect(await config.signer({ signingRegion: 'eu-west-1' })).toBe(eu);
    expect(us).not.toBe(eu);
    expect(builds).toBe(3);
  });
});
