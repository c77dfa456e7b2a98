import { listModels, type ModelInfo } from '../catalog';

/** The region a SigV4 request was signed for (`Credential=AKID/date/REGION/bedrock/aws4_request`). */
export function regionOf(authorization: string | undefined): string {
  const m = /Credential=[^/]+\/\d+\/([a-z0-9-]+)\//.exec(authorization ?? '');
  return m ? m[1] : 'us-east-1';
}

function summary(m: ModelInfo, region: string): Record<string, unknown> {
  return {
    modelArn: `arn:aws:bedrock:${region}::foundation-model/${m.modelId}`,
    modelId: m.modelId,
    modelName: m.name,
    providerName: m.provider,
    inputModalities: ['TEXT'],
    outputModalities: [m.kind === 'embedding' ? 'EMBEDDING' : 'TEXT'],
    responseStreamingSupported: m.kind === 'chat',
    customizationsSupported: [],
    inferenceTypesSupported: m.profileOnly ? ['INFERENCE_PROFILE'] : ['ON_DEMAND'],
    modelLifecycle: { status: 'ACTIVE' },
  };
}

/** ListFoundationModels from the catalog; filters as Bedrock's query parameters. */
export function listFoundationModels(query: URLSearchParams, region: string): Record<string, unknown> {
  const byProvider = query.get('byProvider')?.toLowerCase();
  const byOutputModality = query.get('byOutputModality');
  const byInferenceType = query.get('byInferenceType');
  // No emulated model supports customization (fine-tuning, continued pre-training, distillation).
  if (query.get('byCustomizationType')) return { modelSummaries: [] };
  const models = listModels()
    .filter((m) => !byProvider || m.provider.toLowerCase().replace(/\s+ai$/, '') === byProvider.replace(/\s+ai$/, ''))
    .filter((m) => !byOutputModality || (m.kind === 'embedding' ? 'EMBEDDING' : 'TEXT') === byOutputModality)
    .filter((m) => !byInferenceType || (m.profileOnly ? 'INFERENCE_PROFILE' : 'ON_DEMAND') === byInferenceType);
  return { modelSummaries: models.map((m) => summary(m, region)) };
}

const CREATED = '2024-08-27T00:00:00Z';
const GEOGRAPHIES: ReadonlyArray<{ prefix: string; label: string; regions: string[] }> = [
  { prefix: 'us', label: 'US', regions: ['us-east-1', 'us-east-2', 'us-west-2'] },
  { prefix: 'eu', label: 'EU', regions: ['eu-central-1', 'eu-west-1', 'eu-west-3'] },
];

/**
 * System-defined inference profiles: `us.` and `eu.` for every chat model, plus `global.` for
 * Claude 4 and later (the models AWS offers global cross-region inference for).
 */
function allProfiles(region: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const m of listModels()) {
    if (m.kind !== 'chat') continue;
    const geos = [...GEOGRAPHIES];
    if (/claude-(sonnet|opus|haiku)-4/.test(m.modelId)) geos.push({ prefix: 'global', label: 'Global', regions: [region] });
    for (const g of geos) {
      const id = `${g.prefix}.${m.modelId}`;
      out.push({
        inferenceProfileName: `${g.label} ${m.name}`,
        description: `Routes requests to ${m.name} in ${g.label === 'Global' ? 'any commercial region' : `${g.label} regions`}.`,
        inferenceProfileArn: `arn:aws:bedrock:${region}:000000000000:inference-profile/${id}`,
        inferenceProfileId: id,
        models: g.regions.map((r) => ({ modelArn: `arn:aws:bedrock:${r}::foundation-model/${m.modelId}` })),
        status: 'ACTIVE',
        type: 'SYSTEM_DEFINED',
        createdAt: CREATED,
        updatedAt: CREATED,
      });
    }
  }
  return out;
}

/** ListInferenceProfiles with `maxResults` / `nextToken` paging (the token is an offset). */
export function listInferenceProfiles(query: URLSearchParams, region: string): Record<string, unknown> {
  const type = query.get('type');
  const profiles = type === 'APPLICATION' ? [] : allProfiles(region);
  const start = Number.parseInt(query.get('nextToken') ?? '0', 10) || 0;
  const max = Math.min(Math.max(Number.parseInt(query.get('maxResults') ?? '1000', 10) || 1000, 1), 1000);
  const page = profiles.slice(start, start + max);
  const next = start + max < profiles.length ? String(start + max) : undefined;
  return { inferenceProfileSummaries: page, ...(next ? { nextToken: next } : {}) };
}
