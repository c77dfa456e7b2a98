import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TrainRow } from './injection-train';

/** The repo's guardrail data folder (`data/guardrails`), or GUARDRAILS_DATA. */
export function dataDir(): string {
  const candidates = [process.env.GUARDRAILS_DATA, resolve(__dirname, '../../data/guardrails'), resolve(__dirname, '../../../data/guardrails'), resolve(process.cwd(), 'data/guardrails')].filter(
    (p): p is string => typeof p === 'string',
  );
  const found = candidates.find((p) => existsSync(join(p, 'dev', 'injection.jsonl')));
  if (!found) throw new Error(`guardrail data not found; tried ${candidates.join(', ')} (set GUARDRAILS_DATA)`);
  return found;
}

export function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as T);
}

/**
 * Every `.jsonl` file of the data folder (sets in name order, files in name order) with the `text`
 * of each row: every row of every set, sealed ones included, for checks that must hold on all of
 * them (golden results, stream/whole-text equivalence) and for benches of text no engine has seen.
 */
export function corpusFiles(dir = dataDir()): { name: string; texts: string[] }[] {
  const out: { name: string; texts: string[] }[] = [];
  for (const set of readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b))) {
    for (const f of readdirSync(join(dir, set))
      .filter((n) => n.endsWith('.jsonl'))
      .sort()) {
      const texts = readJsonl<{ text?: unknown }>(join(dir, set, f))
        .map((r) => r.text)
        .filter((t): t is string => typeof t === 'string');
      out.push({ name: `${set}/${f}`, texts });
    }
  }
  return out;
}

/** The text of every row of every set (`corpusFiles`, in the same order). */
export function corpusTexts(dir = dataDir()): string[] {
  return corpusFiles(dir).flatMap((f) => f.texts);
}

interface RawInjectionRow {
  text: string;
  label: 'injection' | 'benign';
  family?: string;
  source?: string;
  kind?: 'direct' | 'chunk';
}

/**
 * A `tune/` file `guardrails:train` learns from: `injection*`, `blindwide-injection*`, `inj3-*`, `inj4-*`, `evade-*` but
 * never a held-out or sealed file, even one copied into `tune/`: no name with `holdout` (`inj3-holdout-*`, `inj4-holdout-*`, `evade-holdout`),
 * `blind<N>` or `pii-blind`.
 */
export function isInjectionTrainingFile(name: string): boolean {
  return /^((blindwide-)?injection.*|inj[34]-.*|evade-.*)\.jsonl$/.test(name) && !/holdout|blind\d|pii-blind/.test(name);
}

/** The development injection rows (direct, indirect and the hard-negative tuning rows), labelled and grouped by family. */
export function devInjectionRows(dir = dataDir()): TrainRow[] {
  const direct = readJsonl<RawInjectionRow>(join(dir, 'dev', 'injection.jsonl')).map((r) => ({
    text: r.text,
    injection: r.label === 'injection',
    indirect: false,
    group: r.family ?? 'unknown',
  }));
  const indirect = readJsonl<RawInjectionRow>(join(dir, 'dev', 'indirect.jsonl')).map((r) => {
    const src = r.source ?? '';
    const group = src === 'synthetic-doc' ? 'chunk_benign_doc' : src.startsWith('microsoft/BIPIA') ? `chunk_bipia_${src.includes('code') ? 'code' : 'text'}` : 'chunk_composed';
    return { text: r.text, injection: r.label === 'injection', indirect: true, group };
  });
  // Every `tune/injection*.jsonl`, the blind author's `tune/blindwide-injection.jsonl` and the inj3 lane's
  // `tune/inj3-*.jsonl`, the inj4 lane's `tune/inj4-*.jsonl` and the evade lane's `tune/evade-*.jsonl`, in name order; never
  // `tune/inj3-holdout-*.jsonl`, `tune/inj4-holdout-*.jsonl` or `tune/evade-holdout.jsonl` (those lanes' own held-out sets).
  const tuneDir = join(dir, 'tune');
  const tuneFiles = existsSync(tuneDir) ? readdirSync(tuneDir).filter(isInjectionTrainingFile).sort() : [];
  const tune = tuneFiles.flatMap((f) =>
    readJsonl<RawInjectionRow>(join(tuneDir, f)).map((r) => ({ text: r.text, injection: r.label === 'injection', indirect: r.kind === 'chunk', group: r.family ?? 'tune' })),
  );
  return [...direct, ...indirect, ...tune];
}

/** The held-out injection rows. Only the evaluation reads these. */
export function heldoutInjectionRows(dir = dataDir()): (TrainRow & { lang: string })[] {
  return readJsonl<RawInjectionRow & { lang: string }>(join(dir, 'heldout', 'injection.jsonl')).map((r) => ({
    text: r.text,
    injection: r.label === 'injection',
    indirect: r.kind === 'chunk',
    group: r.family ?? 'unknown',
    lang: r.lang,
  }));
}

/**
 * The independent injection set (`independent/`), written later and by another method than the
 * rules and `heldout/`. Its `probe` half may be read to find behaviours the detector misses; its
 * `sealed` half is only ever reported in aggregate. Only the evaluation reads these.
 */
export function independentInjectionRows(dir = dataDir()): (TrainRow & { lang: string; split: 'probe' | 'sealed' })[] {
  const file = join(dir, 'independent', 'injection.jsonl');
  if (!existsSync(file)) return [];
  return readJsonl<RawInjectionRow & { lang: string; split: 'probe' | 'sealed' }>(file).map((r) => ({
    text: r.text,
    injection: r.label === 'injection',
    indirect: r.kind === 'chunk',
    group: r.family ?? 'unknown',
    lang: r.lang,
    split: r.split,
  }));
}

/**
 * The third injection set (`independent2/`: contrastive pairs, an imperative to a person vs to a
 * model). Only aggregate figures are ever printed. Only the evaluation reads these.
 */
export function independent2InjectionRows(dir = dataDir()): (TrainRow & { lang: string })[] {
  return sealedInjectionRows(dir, 'independent2');
}

/**
 * The fifth injection set (`independent3/`: a factorial design over new business genres, written
 * before the rules of its version changed). Wholly sealed: only aggregate figures are ever printed.
 * Only the evaluation reads these.
 */
export function independent3InjectionRows(dir = dataDir()): (TrainRow & { lang: string })[] {
  return sealedInjectionRows(dir, 'independent3');
}

/**
 * The sixth injection set (`independent4/`: artefacts pasted by a support engineer — e-mail threads
 * with quoted replies, issue bodies, chat exports, OCR'd invoices, transcripts, READMEs, newsletters —
 * with attacks embedded the way real incidents were reported). Wholly sealed: only aggregate figures
 * are ever printed. Only the evaluation reads these.
 */
export function independent4InjectionRows(dir = dataDir()): (TrainRow & { lang: string })[] {
  return sealedInjectionRows(dir, 'independent4');
}

/**
 * The blind injection set (`blind1/`): written by a separate agent that never read the rules, the
 * other corpora or their scores, and committed before its first score. Wholly sealed: only
 * aggregate figures are ever printed. Only the evaluation reads these.
 */
export function blind1InjectionRows(dir = dataDir()): (TrainRow & { lang: string })[] {
  return sealedInjectionRows(dir, 'blind1');
}

/**
 * The second blind injection set (`blind2/`): written by another separate agent that never read the
 * rules, the other corpora or their scores, by deployment scenario (12 products that run a model over
 * untrusted text, 5 attacks and 5 hard benign rows each), and committed before its first score.
 * Wholly sealed: only aggregate figures are ever printed. Only the evaluation reads these.
 */
export function blind2InjectionRows(dir = dataDir()): (TrainRow & { lang: string })[] {
  return sealedInjectionRows(dir, 'blind2');
}

/**
 * The third blind injection set (`blind3/`): written by a third separate agent that never read the
 * rules, the other corpora or their scores, as conversations with real products (10 kinds of users —
 * student, angry refund customer, developer, novelist, security researcher, marketer, support agent,
 * translator, child-safety moderator, sysadmin — each 5 attacks and 5 hard benign messages, all
 * direct user input), and committed before its first score. Wholly sealed: only aggregate figures
 * are ever printed. Only the evaluation reads these.
 */
export function blind3InjectionRows(dir = dataDir()): (TrainRow & { lang: string })[] {
  return sealedInjectionRows(dir, 'blind3');
}

/**
 * The fourth blind injection set (`blind4/`): written by a fourth separate agent that never read the
 * rules, the other corpora or their scores, by attacker objective (12 objectives — prompt extraction,
 * data exfiltration, moving money, running code, propagation into memory and documents, changing the
 * answer, getting around the safety policy, impersonating the operator, denial of service, phishing
 * the user, privilege escalation, screening/ranking manipulation — each 5 attacks and 5 hard benign
 * rows on the same topic, direct and retrieved), and committed before its first score. Its rows carry
 * `objective` (the group). Wholly sealed and printed only by `guardrails:eval -- --with-blind4`, in
 * aggregate. Only the evaluation reads these.
 */
export function blind4InjectionRows(dir = dataDir()): (TrainRow & { lang: string })[] {
  return sealedInjectionRows(dir, 'blind4');
}

/**
 * The fourth blind PII set (`unseen/pii-blind3.jsonl`, written with `blind4/` by the same separate
 * agent): person names of many cultures and addresses of several countries in messages, forms, chats
 * and notes, with hard non-names. Sealed like `blind4/`: printed only with `--with-blind4`, in aggregate.
 */
export function piiBlind3Rows(dir = dataDir()): { id: string; lang: string; text: string; entities: { type: string; start: number; end: number; value: string }[] }[] {
  const file = join(dir, 'unseen', 'pii-blind3.jsonl');
  return existsSync(file) ? readJsonl(file) : [];
}

/**
 * The fifth blind injection set (`blind5/`): written by a fifth separate agent that never read the
 * rules, the other corpora or their scores, by deployment scenario (12 products — customer-support
 * chatbot, coding agent with repo and shell tools, e-mail/calendar assistant, RAG over a company wiki,
 * web-browsing/shopping agent, CV screener, healthcare intake, banking helper, translation/summarisation,
 * travel booking agent, contract reviewer, community moderation bot — each 6 attacks, half direct user
 * messages and half retrieved or tool content, and 6 hard benign rows), and committed before its first
 * score. Its rows carry `scenario` (the group). Wholly sealed and printed only by
 * `guardrails:eval -- --with-blind5`, in aggregate. Only the evaluation reads these.
 */
export function blind5InjectionRows(dir = dataDir()): (TrainRow & { lang: string })[] {
  const file = join(dir, 'blind5', 'injection.jsonl');
  if (!existsSync(file)) return [];
  return readJsonl<RawInjectionRow & { lang: string; scenario: string }>(file).map((r) => ({
    text: r.text,
    injection: r.label === 'injection',
    indirect: r.kind === 'chunk',
    group: r.scenario,
    lang: r.lang,
  }));
}

/**
 * The fifth blind PII set (`unseen/pii-blind4.jsonl`, written with `blind5/` by the same separate
 * agent): person names of many cultures in chat, signatures, forms, lists, tables and e-mail headers,
 * addresses of several countries, a few phones, e-mails and checksum-valid IBANs, and rows of hard
 * non-names. Sealed like `blind5/`: printed only with `--with-blind5`, in aggregate.
 */
export function piiBlind4Rows(dir = dataDir()): { id: string; lang: string; text: string; entities: { type: string; start: number; end: number; value: string }[] }[] {
  const file = join(dir, 'unseen', 'pii-blind4.jsonl');
  return existsSync(file) ? readJsonl(file) : [];
}

/**
 * The sixth blind injection set (`blind6/`): written by a sixth separate agent that never read the
 * rules, the other corpora or their scores, by the attacker's channel x intent (10 channels the text
 * arrives through — chat message, e-mail, fetched web page, document, repository file, tool/API result,
 * calendar entry, product review, spreadsheet cell, transcript/subtitles — crossed with 5 intents:
 * exfiltrate, harmful tool action, reveal the system prompt, override policy/persona, manipulate the
 * answer; benign rows carry the intent they look like), in English and seven other languages, and
 * committed before its first score. Its rows carry `channel` (the group) and `intent`. Wholly sealed
 * and printed only by `guardrails:eval -- --with-blind6`, in aggregate. Only the evaluation reads these.
 */
export function blind6InjectionRows(dir = dataDir()): (TrainRow & { lang: string; intent: string })[] {
  const file = join(dir, 'blind6', 'injection.jsonl');
  if (!existsSync(file)) return [];
  return readJsonl<RawInjectionRow & { lang: string; channel: string; intent: string }>(file).map((r) => ({
    text: r.text,
    injection: r.label === 'injection',
    indirect: r.kind === 'chunk',
    group: r.channel,
    lang: r.lang,
    intent: r.intent,
  }));
}

/**
 * The sixth blind PII set (`unseen/pii-blind5.jsonl`, written with `blind6/` by the same separate
 * agent): addresses of many countries (flats, c/o, PO boxes, rural routes, multi-line) and person names
 * of many cultures (first names alone, lower-case chat, initials, compound surnames, after titles), a few
 * phones, e-mails and checksum-valid IBANs, and rows of hard look-alikes without a person or address.
 * Sealed like `blind6/`: printed only with `--with-blind6`, in aggregate.
 */
export function piiBlind5Rows(dir = dataDir()): { id: string; lang: string; text: string; entities: { type: string; start: number; end: number; value: string }[] }[] {
  const file = join(dir, 'unseen', 'pii-blind5.jsonl');
  return existsSync(file) ? readJsonl(file) : [];
}

/**
 * The seventh blind injection set (`blind7/`): written by a seventh separate agent that never read the
 * rules, their tests, the scripts or any other set, organised by **evasion technique x payload** — 10
 * techniques (`split`, `structured`, `fake_system`, `encoded`, `hidden_carrier`, `exfiltration`,
 * `tool_abuse`, `persona`, `extraction`, `memory_poisoning`), each with 7 attacks and 9 hard benign rows in
 * the same formats (benign rows carry the technique they look like), direct and retrieved, English and five
 * other languages, and committed before its first score. Its rows carry `technique` (the group). Wholly
 * sealed and printed only by `guardrails:eval -- --with-blind7`, in aggregate. Only the evaluation reads these.
 */
export function blind7InjectionRows(dir = dataDir()): (TrainRow & { lang: string })[] {
  const file = join(dir, 'blind7', 'injection.jsonl');
  if (!existsSync(file)) return [];
  return readJsonl<RawInjectionRow & { lang: string; technique: string }>(file).map((r) => ({
    text: r.text,
    injection: r.label === 'injection',
    indirect: r.kind === 'chunk',
    group: r.technique,
    lang: r.lang,
  }));
}

/**
 * The seventh blind PII set (`unseen/pii-blind6.jsonl`, written with `blind7/` by the same separate
 * agent): personal data inside data formats and machine-made text (CSV, JSON/YAML records, log lines,
 * urlencoded form posts, shipping labels, vCards, e-mail headers, calendar entries, chat exports, markdown
 * tables, invoices, CRM notes, OCR text) and prose; names of many cultures, addresses of 40 countries,
 * phones, e-mails, IPs, checksum-valid IBANs and cards, and rows of look-alikes without personal data.
 * Sealed like `blind7/`: printed only with `--with-blind7`, in aggregate.
 */
export function piiBlind6Rows(dir = dataDir()): { id: string; lang: string; text: string; entities: { type: string; start: number; end: number; value: string }[] }[] {
  const file = join(dir, 'unseen', 'pii-blind6.jsonl');
  return existsSync(file) ? readJsonl(file) : [];
}

/** The rows of a sealed injection set (`<set>/injection.jsonl`), with their language. */
function sealedInjectionRows(dir: string, set: string): (TrainRow & { lang: string })[] {
  const file = join(dir, set, 'injection.jsonl');
  if (!existsSync(file)) return [];
  return readJsonl<RawInjectionRow & { lang: string; objective?: string }>(file).map((r) => ({
    text: r.text,
    injection: r.label === 'injection',
    indirect: r.kind === 'chunk',
    group: r.family ?? r.objective ?? 'unknown',
    lang: r.lang,
  }));
}
