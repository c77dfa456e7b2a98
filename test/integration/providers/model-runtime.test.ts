import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/config';
import type { Logger } from '../../../src/observability/logger';
import { createModelRuntime, detectAws, startEmulator } from '../../../src/providers';

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = (a: unknown, b?: unknown) => lines.push(typeof a === 'string' ? a : String(b ?? ''));
  const logger = { info: log, warn: log, debug: () => undefined, error: log } as unknown as Logger;
  return { logger, lines };
}

const ask = { system: [], messages: [{ role: 'user' as const, content: [{ text: '#reply: pong' }] }], inferenceConfig: { maxTokens: 10 } };

describe('createModelRuntime', () => {
  it('MODEL_PROVIDER=emulator starts an in-process emulator on an ephemeral port, says so, and stops it on close', async () => {
    const { logger, lines } = capture();
    const rt = await createModelRuntime(loadConfig({ MODEL_PROVIDER: 'emulator' }), logger);
    expect(rt.mode).toBe('emulator');
    expect(rt.provider.mode).toBe('emulator');
    expect(lines).toContain(`model provider: emulator at ${rt.emulatorUrl} (MODEL_PROVIDER=emulator)`);
    expect((await rt.provider.complete({ modelId: 'amazon.nova-micro-v1:0', ...ask })).text).toBe('pong');
    expect(rt.pricing.pricesFor('amazon.nova-micro-v1:0')).toEqual({ input: 0.035, output: 0.14, cacheRead: 0.00875, cacheWrite: 0.035 });
    await rt.close();
    await expect(fetch(`${rt.emulatorUrl}/healthz`)).rejects.toThrow();
  });

  it('MODEL_PROVIDER=auto falls back to the emulator when no AWS credentials are found', async () => {
    const { logger, lines } = capture();
    const rt = await createModelRuntime(loadConfig({ MODEL_PROVIDER: 'auto' }), logger, undefined, { detectAws: async () => ({ credentials: false }) });
    expect(rt.mode).toBe('emulator');
    expect(lines).toContain(`model provider: emulator at ${rt.emulatorUrl} (no AWS credentials found)`);
    expect(rt.emulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await rt.close();
  });

  it('MODEL_PROVIDER=auto uses AWS Bedrock when credentials and a region are found', async () => {
    const { logger, lines } = capture();
    const rt = await createModelRuntime(loadConfig({ MODEL_PROVIDER: 'auto' }), logger, undefined, { detectAws: async () => ({ credentials: true, region: 'eu-west-1' }) });
    expect(rt.mode).toBe('bedrock');
    expect(rt.provider.mode).toBe('bedrock');
    expect(rt.emulatorUrl).toBeUndefined();
    expect(lines).toContain('model provider: AWS Bedrock in eu-west-1');
    await rt.close();
    const bedrock = await createModelRuntime(loadConfig({ MODEL_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1' }), capture().logger);
    expect(bedrock.mode).toBe('bedrock');
    await bedrock.close();
  });

  it('sends emulator calls to BEDROCK_ENDPOINT instead of starting one', async () => {
    const external = await startEmulator();
    try {
      const { logger, lines } = capture();
      const rt = await createModelRuntime(loadConfig({ MODEL_PROVIDER: 'emulator', BEDROCK_ENDPOINT: external.url }), logger);
      const seen: string[] = [];
      external.events.on('request', (r) => seen.push(r.operation));
      expect(rt.emulatorUrl).toBe(external.url);
      expect((await rt.provider.complete({ modelId: 'amazon.nova-lite-v1:0', ...ask })).text).toBe('pong');
      expect(seen).toEqual(['Converse']);
      expect(lines[0]).toMatch(new RegExp(`^model provider: emulator at ${external.url.replace(/\./g, '\\.')} \\(BEDROCK_ENDPOINT`));
      await rt.close();
      expect((await fetch(`${external.url}/healthz`)).status).toBe(200);
    } finally {
      await external.close();
    }
  });

  describe('detectAws', () => {
    const saved = { ...process.env };
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-'));
      for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
      process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'credentials');
      process.env.AWS_CONFIG_FILE = path.join(dir, 'config');
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
    });
    afterEach(() => {
      process.env = { ...saved };
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('finds nothing without env credentials or shared files', async () => {
      expect(await detectAws(loadConfig({}))).toEqual({ credentials: false, region: undefined });
    });

    it('finds env credentials and the region from AWS_REGION', async () => {
      process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
      expect(await detectAws(loadConfig({ AWS_REGION: 'eu-central-1' }))).toEqual({ credentials: true, region: 'eu-central-1' });
    });

    it('reads credentials and region from the shared files of the selected profile', async () => {
      fs.writeFileSync(path.join(dir, 'credentials'), '[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n');
      fs.writeFileSync(path.join(dir, 'config'), '[default]\nregion = us-west-2\n[profile dev]\nregion = ap-northeast-1\n');
      process.env.AWS_PROFILE = 'dev';
      expect(await detectAws(loadConfig({}))).toEqual({ credentials: true, region: 'ap-northeast-1' });
    });
  });
});
