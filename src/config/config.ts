import { z } from 'zod';

/** The environment, parsed and validated once at start-up, then frozen. See README "Configuration". */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./.data'),
  ADMIN_API_KEY: z.string().min(16, 'ADMIN_API_KEY must be at least 16 characters').optional(),
  MODEL_PROVIDER: z.enum(['auto', 'bedrock', 'emulator']).default('auto'),
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
  BEDROCK_ENDPOINT: z.string().url().optional(),
  DEFAULT_MODEL_ID: z.string().default('amazon.nova-micro-v1:0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL connection string; undefined means embedded PGlite in `dataDir`. */
  readonly databaseUrl?: string;
  /** Folder for embedded PGlite, or `memory://` for a throwaway database. */
  readonly dataDir: string;
  readonly adminApiKey?: string;
  readonly modelProvider: 'auto' | 'bedrock' | 'emulator';
  readonly awsRegion: string;
  readonly bedrockEndpoint?: string;
  readonly defaultModelId: string;
  readonly logLevel: Env['LOG_LEVEL'];
}

export class ConfigError extends Error {}

/** Parses the environment; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    adminApiKey: e.ADMIN_API_KEY,
    modelProvider: e.MODEL_PROVIDER,
    awsRegion: e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? 'us-east-1',
    bedrockEndpoint: e.BEDROCK_ENDPOINT,
    defaultModelId: e.DEFAULT_MODEL_ID,
    logLevel: e.LOG_LEVEL,
  });
}
