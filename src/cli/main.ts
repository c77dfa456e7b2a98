#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { ClientError, ControlPlaneClient } from './client';
import {
  CreateVersionDocument,
  EvalRunProgressDocument,
  EvalRunResultsDocument,
  PromoteDocument,
  PromptVersionLookupDocument,
  RollbackDocument,
  RunEvalDocument,
  type CreatePromptVersionInput,
  type EvalRunResultsQuery,
  type PromoteMutation,
  type RunSummaryFragment,
} from './generated/graphql';
import { junitXml, type JunitCase } from './junit';

/** Exit codes: 0 done, 1 refused by the gate or below the threshold, 2 usage, connection or server error. */
export const EXIT = { OK: 0, REFUSED: 1, ERROR: 2 } as const;

const USAGE = `genai-cp: the GenAI control plane from CI

Usage:
  genai-cp eval     --eval-set S --prompt P (--version N | --label L) [--model M] [--min-score X]
  genai-cp promote  --prompt P --version N --label L [--gate SET:MIN] [--model M]
                    [--min-pass-rate R] [--max-regression D]
  genai-cp rollback --prompt P --label L
  genai-cp version  --prompt P --file FILE   (a JSON file: { system, messages, modelId, params,
                    commitMessage }; prints the new version number)
  genai-cp dashboard [--prompt P]   prints a link that opens the web dashboard (or a prompt's
                    page) with the key: /dashboard#key=... (the fragment never reaches the server;
                    the page keeps the key in the browser and removes it from the address bar)

Options (every command):
  --url URL        GraphQL endpoint (env GENAI_CP_URL, default http://localhost:4000/graphql)
  --api-key KEY    API key with the CI role (env GENAI_CP_API_KEY)
  --json           print the result as JSON on stdout
  --junit FILE     write the eval run's cases as JUnit XML (eval, promote with --gate)
  -h, --help       this text

Exit codes: 0 done (promoted, or the eval scored at least --min-score), 1 refused by the gate or
below --min-score, 2 usage, connection or server error.`;

class UsageError extends Error {}

type Out = { log(line: string): void; err(line: string): void; isTTY: boolean };

type Run = RunSummaryFragment;
type Result = NonNullable<EvalRunResultsQuery['evalRun']>['results'][number];

function num(value: string | undefined, name: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (opts.int && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${opts.int ? 'a whole number' : 'a number'}, got "${value}"`);
  if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) throw new UsageError(`--${name} must be in ${opts.min ?? '-∞'}..${opts.max ?? '∞'}, got ${value}`);
  return n;
}

function need(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

const fmt = (n: number | null | undefined, digits = 3) => (n === null || n === undefined ? '-' : n.toFixed(digits));

function table(rows: Array<[string, string]>): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

function summary(run: Run): string {
  return table([
    ['eval run', run.id],
    ['eval set', run.evalSet.name],
    ['prompt', `${run.prompt} v${run.promptVersion}`],
    ['model', run.modelId],
    ['status', run.status + (run.error ? ` (${run.error})` : '')],
    ['score', fmt(run.score)],
    ['pass rate', run.passRate === null ? '-' : `${(run.passRate * 100).toFixed(1)}% (${run.passedCount}/${run.doneCount})`],
    ['cost', run.costUsd === null ? '-' : `$${run.costUsd.toFixed(6)}`],
  ]);
}

function failedLines(results: Result[], max = 20): string[] {
  const failed = results.filter((r) => !r.passed);
  const lines = failed.slice(0, max).map((r) => {
    const why =
      r.error ??
      (r.scores as Array<{ type: string; passed: boolean; reason: string | null }>)
        .filter((s) => !s.passed)
        .map((s) => `${s.type}: ${s.reason ?? 'failed'}`)
        .join('; ');
    return `  ✗ case #${r.position} score ${fmt(r.score, 2)}  ${why}`;
  });
  if (failed.length > max) lines.push(`  … and ${failed.length - max} more`);
  return lines;
}

async function allResults(client: ControlPlaneClient, id: string): Promise<{ run: Run; results: Result[] }> {
  const results: Result[] = [];
  let after: number | null = null;
  for (;;) {
    const page: EvalRunResultsQuery = await client.request(EvalRunResultsDocument, { id, first: 1000, after });
    if (!page.evalRun) throw new ClientError(`eval run ${id} not found`);
    results.push(...page.evalRun.results);
    if (page.evalRun.results.length < 1000) return { run: page.evalRun, results };
    after = page.evalRun.results.at(-1)!.position;
  }
}

function junitCases(results: Result[]): JunitCase[] {
  return results.map((r) => ({
    name: `case #${r.position}${r.case.input ? `: ${r.case.input.slice(0, 80)}` : ''}`,
    timeMs: r.latencyMs ?? 0,
    failure: r.passed
      ? null
      : (r.error ??
        (r.scores as Array<{ type: string; passed: boolean; reason: string | null }>)
          .filter((s) => !s.passed)
          .map((s) => `${s.type}: ${s.reason ?? 'failed'}`)
          .join('\n')),
    output: r.output,
  }));
}

/** Follows a run's progress: a bar on a terminal, one plain line per finished case otherwise. */
async function follow(client: ControlPlaneClient, run: Run, out: Out, quiet: boolean): Promise<void> {
  const bar = !quiet && out.isTTY ? new SingleBar({ format: 'eval {bar} {value}/{total} cases | score {score} | {status}', hideCursor: true }, Presets.shades_classic) : null;
  bar?.start(run.caseCount, run.doneCount, { score: '-', status: run.status });
  let last = -1;
  try {
    await client.subscribe(EvalRunProgressDocument, { id: run.id }, ({ evalRunProgress: p }) => {
      if (bar) bar.update(p.doneCount, { score: fmt(p.score), status: p.status });
      else if (!quiet && (p.doneCount !== last || p.status !== 'RUNNING')) out.err(`eval ${run.id}: ${p.doneCount}/${p.caseCount} cases, score ${fmt(p.score)}, ${p.status}`);
      last = p.doneCount;
    });
  } finally {
    bar?.stop();
  }
}

async function cmdEval(client: ControlPlaneClient, v: Record<string, string | boolean | undefined>, out: Out): Promise<number> {
  const version = num(v.version as string | undefined, 'version', { int: true, min: 1 });
  const label = v.label as string | undefined;
  if ((version === undefined) === (label === undefined)) throw new UsageError('give exactly one of --version and --label');
  const minScore = num(v['min-score'] as string | undefined, 'min-score', { min: 0, max: 1 });
  const { runEval } = await client.request(RunEvalDocument, {
    input: { evalSet: need(v['eval-set'] as string, 'eval-set'), prompt: need(v.prompt as string, 'prompt'), version, label, modelId: (v.model as string) ?? null },
  });
  await follow(client, runEval, out, Boolean(v.json));
  const { run, results } = await allResults(client, runEval.id);
  if (v.junit) writeFileSync(v.junit as string, junitXml(`${run.evalSet.name} on ${run.prompt} v${run.promptVersion}`, junitCases(results)));
  const below = minScore !== undefined && (run.score ?? 0) < minScore;
  const code = run.status !== 'SUCCEEDED' ? EXIT.ERROR : below ? EXIT.REFUSED : EXIT.OK;
  const verdict =
    run.status !== 'SUCCEEDED'
      ? `the eval run ended ${run.status}${run.error ? `: ${run.error}` : ''}`
      : minScore === undefined
        ? 'done'
        : below
          ? `score ${fmt(run.score)} is below --min-score ${fmt(minScore)}`
          : `score ${fmt(run.score)} is at least --min-score ${fmt(minScore)}`;
  if (v.json) out.log(JSON.stringify({ run, passed: code === EXIT.OK, verdict, failedCases: results.filter((r) => !r.passed) }, null, 2));
  else {
    out.log(summary(run));
    const failed = failedLines(results);
    if (failed.length) out.log(`failed cases:\n${failed.join('\n')}`);
    out.log(`${code === EXIT.OK ? '✓' : '✗'} ${verdict}`);
  }
  return code;
}

async function cmdPromote(client: ControlPlaneClient, v: Record<string, string | boolean | undefined>, out: Out): Promise<number> {
  const version = num(need(v.version as string, 'version'), 'version', { int: true, min: 1 })!;
  let gate: { evalSet: string; minScore: number; modelId?: string | null; minPassRate?: number | null; maxRegression?: number | null } | null = null;
  if (v.gate !== undefined) {
    const m = /^(.+):([^:]+)$/.exec(v.gate as string);
    if (!m) throw new UsageError(`--gate must be EVAL_SET:MIN_SCORE, got "${v.gate}"`);
    gate = {
      evalSet: m[1]!,
      minScore: num(m[2], 'gate min score', { min: 0, max: 1 })!,
      modelId: (v.model as string) ?? null,
      minPassRate: num(v['min-pass-rate'] as string | undefined, 'min-pass-rate', { min: 0, max: 1 }) ?? null,
      maxRegression: num(v['max-regression'] as string | undefined, 'max-regression', { min: 0, max: 1 }) ?? null,
    };
  } else if (v['min-pass-rate'] !== undefined || v['max-regression'] !== undefined || v.model !== undefined) {
    throw new UsageError('--min-pass-rate, --max-regression and --model need --gate');
  }
  const prompt = need(v.prompt as string, 'prompt');
  const label = need(v.label as string, 'label');
  if (gate) {
    // Run the evals the gate needs first, with progress, so the promotion itself reuses the finished
    // runs and answers at once (no long-held HTTP request for a big set).
    if (!v.json) out.err(`promote ${prompt} v${version} to "${label}": evaluating on "${gate.evalSet}" (min score ${gate.minScore})…`);
    const versions = [version];
    if (gate.maxRegression !== null && gate.maxRegression !== undefined) {
      const current = (await client.request(PromptVersionLookupDocument, { prompt, label })).prompt?.version?.number;
      if (current !== undefined && current !== version) versions.push(current);
    }
    for (const n of versions) {
      const { runEval } = await client.request(RunEvalDocument, { input: { evalSet: gate.evalSet, prompt, version: n, modelId: gate.modelId ?? null, reuse: true } });
      await follow(client, runEval, out, Boolean(v.json));
    }
  }
  const { promotePromptVersion: p }: PromoteMutation = await client.request(PromoteDocument, { input: { prompt, version, label, gate } });
  const results = p.evalRun && (v.junit || !p.promoted) ? (await allResults(client, p.evalRun.id)).results : [];
  if (v.junit && p.evalRun) writeFileSync(v.junit as string, junitXml(`${p.evalRun.evalSet.name} on ${prompt} v${version}`, junitCases(results)));
  if (v.json) out.log(JSON.stringify({ ...p, failedCases: results.filter((r) => !r.passed) }, null, 2));
  else {
    if (p.evalRun) out.log(summary(p.evalRun));
    if (p.promoted) out.log(`✓ promoted: "${label}" now points at ${prompt} v${p.label?.version.number ?? version}${p.reason ? ` (${p.reason})` : ''}`);
    else {
      out.log(`✗ refused: ${p.reason ?? 'the gate did not allow the move'}`);
      const failed = failedLines(results);
      if (failed.length) out.log(`failed cases:\n${failed.join('\n')}`);
    }
  }
  return p.promoted ? EXIT.OK : EXIT.REFUSED;
}

async function cmdVersion(client: ControlPlaneClient, v: Record<string, string | boolean | undefined>, out: Out): Promise<number> {
  const file = need(v.file as string, 'file');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`--file ${file}: ${(err as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new UsageError(`--file ${file}: must hold a JSON object`);
  const input = { ...body, prompt: need(v.prompt as string, 'prompt') } as CreatePromptVersionInput;
  const { createPromptVersion: created } = await client.request(CreateVersionDocument, { input });
  out.log(v.json ? JSON.stringify(created, null, 2) : String(created.number));
  return EXIT.OK;
}

async function cmdRollback(client: ControlPlaneClient, v: Record<string, string | boolean | undefined>, out: Out): Promise<number> {
  const { rollbackPromptLabel: l } = await client.request(RollbackDocument, { prompt: need(v.prompt as string, 'prompt'), label: need(v.label as string, 'label') });
  if (v.json) out.log(JSON.stringify(l, null, 2));
  else out.log(`✓ rolled back: "${l.name}" now points at v${l.version.number}`);
  return EXIT.OK;
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out: Out = defaultOut()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        'api-key': { type: 'string' },
        json: { type: 'boolean' },
        junit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        'eval-set': { type: 'string' },
        prompt: { type: 'string' },
        version: { type: 'string' },
        label: { type: 'string' },
        model: { type: 'string' },
        'min-score': { type: 'string' },
        gate: { type: 'string' },
        'min-pass-rate': { type: 'string' },
        'max-regression': { type: 'string' },
        file: { type: 'string' },
      },
    });
  } catch (err) {
    out.err(`genai-cp: ${(err as Error).message}\n\n${USAGE}`);
    return EXIT.ERROR;
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const [command, ...extra] = parsed.positionals;
  if (v.help) {
    out.log(USAGE);
    return EXIT.OK;
  }
  const url = (v.url as string | undefined) ?? env.GENAI_CP_URL ?? 'http://localhost:4000/graphql';
  const apiKey = (v['api-key'] as string | undefined) ?? env.GENAI_CP_API_KEY ?? null;
  const client = new ControlPlaneClient(url, apiKey);
  try {
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (!apiKey) throw new UsageError('an API key is required: --api-key or GENAI_CP_API_KEY');
    switch (command) {
      case 'eval':
        return await cmdEval(client, v, out);
      case 'promote':
        return await cmdPromote(client, v, out);
      case 'rollback':
        return await cmdRollback(client, v, out);
      case 'version':
        return await cmdVersion(client, v, out);
      case 'dashboard':
        out.log(dashboardLink(url, apiKey, v.prompt as string | undefined));
        return EXIT.OK;
      default:
        throw new UsageError(command ? `unknown command "${command}"` : 'a command is required');
    }
  } catch (err) {
    if (err instanceof UsageError) out.err(`genai-cp: ${err.message}\n\n${USAGE}`);
    else if (err instanceof ClientError) out.err(`genai-cp: ${err.message}`);
    else out.err(`genai-cp: unexpected error: ${(err as Error).stack ?? String(err)}`);
    return EXIT.ERROR;
  }
}

/** The dashboard's address on the server of `graphqlUrl`, carrying the key in its fragment (`#key=`). */
export function dashboardLink(graphqlUrl: string, apiKey: string, prompt?: string): string {
  const u = new URL(graphqlUrl);
  u.pathname = prompt ? `/dashboard/prompts/${encodeURIComponent(prompt)}` : '/dashboard/';
  u.search = '';
  u.hash = `key=${encodeURIComponent(apiKey)}`;
  return u.toString();
}

function defaultOut(): Out {
  return { log: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`), isTTY: Boolean(process.stderr.isTTY) };
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
