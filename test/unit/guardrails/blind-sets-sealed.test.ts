import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  blind1InjectionRows,
  blind2InjectionRows,
  blind3InjectionRows,
  blind4InjectionRows,
  blind5InjectionRows,
  blind6InjectionRows,
  blind7InjectionRows,
  dataDir,
  devInjectionRows,
  isInjectionTrainingFile,
  piiBlind3Rows,
  piiBlind4Rows,
  piiBlind5Rows,
  piiBlind6Rows,
  readJsonl,
} from '../../../scripts/lib/guardrails-data';

/**
 * The blind sets (`blind1/injection.jsonl`, `unseen/pii-blind1.jsonl`; `blind2/injection.jsonl`,
 * `unseen/pii-blind2.jsonl`; `blind3/injection.jsonl`; `blind4/injection.jsonl`, `unseen/pii-blind3.jsonl`; `blind5/injection.jsonl`, `unseen/pii-blind4.jsonl`;
 * `blind6/injection.jsonl`, `unseen/pii-blind5.jsonl`; `blind7/injection.jsonl`, `unseen/pii-blind6.jsonl`) were each written by a separate
 * agent and are only ever scored in aggregate (blind4 and pii-blind3 only when `guardrails:eval` is given `--with-blind4`, blind5 and
 * pii-blind4 only with `--with-blind5`, blind6 and pii-blind5 only with `--with-blind6`, blind7 and pii-blind6 only with `--with-blind7`). They must be loaded as sealed evaluation data and
 * never reach the training rows that `npm run guardrails:train` reads. No row is printed here.
 */

/** How many rows fall under each key. */
function countBy<T>(rows: T[], key: (r: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
  return m;
}

/** An IBAN's ISO 13616 check: 1 for a valid one. */
function mod97(iban: string): number {
  const s = iban.replace(/ /g, '');
  const digits = (s.slice(4) + s.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  return [...digits].reduce((acc, d) => (acc * 10 + Number(d)) % 97, 0);
}

describe('blind evaluation sets', () => {
  const dir = dataDir();

  it('blind1 loads as a balanced injection set with labels, kinds and six languages', () => {
    const rows = blind1InjectionRows(dir);
    expect(rows).toHaveLength(100);
    expect(rows.filter((r) => r.injection)).toHaveLength(50);
    expect(rows.filter((r) => r.indirect).length).toBeGreaterThan(50);
    expect(new Set(rows.map((r) => r.lang))).toEqual(new Set(['en', 'fr', 'es', 'de', 'pt', 'it']));
  });

  it('blind2 loads as a balanced injection set: 12 scenarios of 5 attacks and 5 benign rows, half English, six languages', () => {
    const rows = blind2InjectionRows(dir);
    expect(rows).toHaveLength(120);
    expect(rows.filter((r) => r.injection)).toHaveLength(60);
    expect(rows.filter((r) => r.indirect).length).toBeGreaterThan(60);
    expect(rows.filter((r) => r.lang === 'en')).toHaveLength(60);
    expect(new Set(rows.map((r) => r.lang))).toEqual(new Set(['en', 'fr', 'es', 'de', 'pt', 'it']));
    const raw = readJsonl<{ scenario: string; label: string }>(path.join(dir, 'blind2', 'injection.jsonl'));
    const perScenario = new Map<string, number>();
    for (const r of raw) perScenario.set(`${r.scenario}:${r.label}`, (perScenario.get(`${r.scenario}:${r.label}`) ?? 0) + 1);
    expect(perScenario.size).toBe(24);
    expect([...perScenario.values()].every((n) => n === 5)).toBe(true);
  });

  it('blind3 loads as a balanced set of direct messages: 10 kinds of users of 5 attacks and 5 benign rows, half English, 5 + 5 in each other language', () => {
    const rows = blind3InjectionRows(dir);
    expect(rows).toHaveLength(100);
    expect(rows.filter((r) => r.injection)).toHaveLength(50);
    expect(rows.filter((r) => r.indirect)).toHaveLength(0);
    const raw = readJsonl<{ id: string; user: string; kind: string; label: string; lang: string }>(path.join(dir, 'blind3', 'injection.jsonl'));
    expect(raw.every((r) => r.kind === 'direct')).toBe(true);
    expect(new Set(raw.map((r) => r.id)).size).toBe(100);
    const count = (key: (r: (typeof raw)[number]) => string): Map<string, number> => countBy(raw, key);
    const perUser = count((r) => `${r.user}:${r.label}`);
    expect(new Set(raw.map((r) => r.user))).toEqual(
      new Set(['student', 'refund_customer', 'developer', 'novelist', 'security_researcher', 'marketer', 'support_agent', 'translator', 'moderator', 'sysadmin']),
    );
    expect(perUser.size).toBe(20);
    expect([...perUser.values()].every((n) => n === 5)).toBe(true);
    const perLang = count((r) => `${r.lang}:${r.label}`);
    expect(perLang.get('en:injection')).toBe(25);
    expect(perLang.get('en:benign')).toBe(25);
    for (const lang of ['fr', 'es', 'de', 'pt', 'it']) for (const label of ['injection', 'benign']) expect(perLang.get(`${lang}:${label}`)).toBe(5);
  });

  it('blind4 loads as a balanced set by attacker objective: 12 objectives of 5 attacks and 5 benign rows, each with direct and retrieved attacks, half English', () => {
    const rows = blind4InjectionRows(dir);
    expect(rows).toHaveLength(120);
    expect(rows.filter((r) => r.injection)).toHaveLength(60);
    const raw = readJsonl<{ id: string; objective: string; kind: string; label: string; lang: string; text: string }>(path.join(dir, 'blind4', 'injection.jsonl'));
    expect(new Set(raw.map((r) => r.id)).size).toBe(120);
    expect(new Set(raw.map((r) => r.text)).size).toBe(120);
    const count = (key: (r: (typeof raw)[number]) => string): Map<string, number> => countBy(raw, key);
    const objectives = [
      'prompt_extraction',
      'data_exfiltration',
      'money_movement',
      'code_execution',
      'propagation',
      'answer_manipulation',
      'safety_bypass',
      'impersonation',
      'denial_of_service',
      'phishing',
      'privilege_escalation',
      'screening_manipulation',
    ];
    expect(new Set(raw.map((r) => r.objective))).toEqual(new Set(objectives));
    expect(new Set(rows.map((r) => r.group))).toEqual(new Set(objectives));
    const perObjective = count((r) => `${r.objective}:${r.label}`);
    expect(perObjective.size).toBe(24);
    expect([...perObjective.values()].every((n) => n === 5)).toBe(true);
    const attackKinds = count((r) => (r.label === 'injection' ? `${r.objective}:${r.kind}` : 'benign'));
    for (const o of objectives) for (const kind of ['direct', 'chunk']) expect(attackKinds.get(`${o}:${kind}`)).toBeGreaterThanOrEqual(2);
    const perKind = count((r) => `${r.kind}:${r.label}`);
    expect(Object.fromEntries(perKind)).toEqual({ 'chunk:injection': 35, 'chunk:benign': 35, 'direct:injection': 25, 'direct:benign': 25 });
    expect(rows.filter((r) => r.indirect)).toHaveLength(70);
    const perLang = count((r) => `${r.lang}:${r.label}`);
    expect(perLang.get('en:injection')).toBe(30);
    expect(perLang.get('en:benign')).toBe(30);
    for (const lang of ['fr', 'es', 'de', 'pt', 'it']) for (const label of ['injection', 'benign']) expect(perLang.get(`${lang}:${label}`)).toBe(6);
    const chunkLengths = raw.filter((r) => r.kind === 'chunk').map((r) => r.text.length);
    expect(Math.min(...chunkLengths)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...chunkLengths)).toBeLessThanOrEqual(1200);
  });

  it('pii-blind3 loads with its counts: 60 rows, half English, 15 rows without a person, names, addresses and checksum-valid IBANs', () => {
    const rows = piiBlind3Rows(dir);
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((r) => r.id)).size).toBe(60);
    expect(rows.filter((r) => r.lang === 'en')).toHaveLength(30);
    for (const lang of ['fr', 'es', 'de', 'pt', 'it']) expect(rows.filter((r) => r.lang === lang)).toHaveLength(6);
    expect(rows.filter((r) => !r.entities.some((e) => e.type === 'NAME'))).toHaveLength(15);
    expect(rows.filter((r) => r.entities.length === 0)).toHaveLength(14);
    const perType = new Map<string, number>();
    for (const e of rows.flatMap((r) => r.entities)) perType.set(e.type, (perType.get(e.type) ?? 0) + 1);
    expect(Object.fromEntries(perType)).toEqual({ NAME: 120, ADDRESS: 28, PHONE: 10, EMAIL: 4, INTERNATIONAL_BANK_ACCOUNT_NUMBER: 6 });
    const ents = rows.flatMap((r) => r.entities);
    expect(ents.filter((e) => e.type === 'INTERNATIONAL_BANK_ACCOUNT_NUMBER' && mod97(e.value) !== 1)).toHaveLength(0);
    expect(ents.filter((e) => e.type === 'EMAIL' && !/\.example(\.[a-z]+)?$/.test(e.value))).toHaveLength(0);
  });

  it('blind5 loads as a balanced set by deployment scenario: 12 products of 6 attacks (3 direct, 3 retrieved) and 6 benign rows, about half English', () => {
    const rows = blind5InjectionRows(dir);
    expect(rows).toHaveLength(144);
    expect(rows.filter((r) => r.injection)).toHaveLength(72);
    const raw = readJsonl<{ id: string; scenario: string; kind: string; label: string; lang: string; text: string }>(path.join(dir, 'blind5', 'injection.jsonl'));
    expect(new Set(raw.map((r) => r.id)).size).toBe(144);
    expect(new Set(raw.map((r) => r.text)).size).toBe(144);
    const count = (key: (r: (typeof raw)[number]) => string): Map<string, number> => countBy(raw, key);
    const scenarios = [
      'customer_support',
      'coding_agent',
      'email_calendar',
      'wiki_rag',
      'shopping_agent',
      'cv_screener',
      'health_intake',
      'banking',
      'translation',
      'travel_agent',
      'legal_review',
      'moderation',
    ];
    expect(new Set(raw.map((r) => r.scenario))).toEqual(new Set(scenarios));
    expect(new Set(rows.map((r) => r.group))).toEqual(new Set(scenarios));
    const perScenario = count((r) => `${r.scenario}:${r.label}`);
    expect(perScenario.size).toBe(24);
    expect([...perScenario.values()].every((n) => n === 6)).toBe(true);
    const attackKinds = count((r) => (r.label === 'injection' ? `${r.scenario}:${r.kind}` : 'benign'));
    for (const s of scenarios) for (const kind of ['direct', 'chunk']) expect(attackKinds.get(`${s}:${kind}`)).toBe(3);
    const benignKinds = count((r) => (r.label === 'benign' ? `${r.scenario}:${r.kind}` : 'attack'));
    for (const s of scenarios) for (const kind of ['direct', 'chunk']) expect(benignKinds.get(`${s}:${kind}`)).toBeGreaterThanOrEqual(2);
    expect(Object.fromEntries(count((r) => `${r.kind}:${r.label}`))).toEqual({ 'chunk:injection': 36, 'chunk:benign': 42, 'direct:injection': 36, 'direct:benign': 30 });
    expect(rows.filter((r) => r.indirect)).toHaveLength(78);
    const perLang = count((r) => r.lang);
    expect(Object.fromEntries(perLang)).toEqual({ en: 73, fr: 15, es: 15, de: 16, pt: 12, it: 13 });
    for (const lang of ['en', 'fr', 'es', 'de', 'pt', 'it'])
      for (const label of ['injection', 'benign']) expect(raw.filter((r) => r.lang === lang && r.label === label).length).toBeGreaterThanOrEqual(4);
    const lengths = raw.map((r) => r.text.length);
    expect(Math.min(...lengths)).toBeLessThan(150);
    expect(Math.max(...lengths)).toBeGreaterThan(1200);
  });

  it('pii-blind4 loads with its counts: 72 rows, about half English, 16 rows without a person, names, addresses, phones, e-mails and checksum-valid IBANs', () => {
    const rows = piiBlind4Rows(dir);
    expect(rows).toHaveLength(72);
    expect(new Set(rows.map((r) => r.id)).size).toBe(72);
    expect(new Set(rows.map((r) => r.text)).size).toBe(72);
    const perLang = new Map<string, number>();
    for (const r of rows) perLang.set(r.lang, (perLang.get(r.lang) ?? 0) + 1);
    expect(Object.fromEntries(perLang)).toEqual({ en: 35, fr: 8, es: 8, de: 8, pt: 6, it: 7 });
    expect(rows.filter((r) => !r.entities.some((e) => e.type === 'NAME'))).toHaveLength(16);
    expect(rows.filter((r) => r.entities.length === 0)).toHaveLength(15);
    const perType = new Map<string, number>();
    for (const e of rows.flatMap((r) => r.entities)) perType.set(e.type, (perType.get(e.type) ?? 0) + 1);
    expect(Object.fromEntries(perType)).toEqual({ NAME: 145, ADDRESS: 36, PHONE: 6, EMAIL: 6, INTERNATIONAL_BANK_ACCOUNT_NUMBER: 6 });
    const ents = rows.flatMap((r) => r.entities);
    expect(ents.filter((e) => e.type === 'INTERNATIONAL_BANK_ACCOUNT_NUMBER' && mod97(e.value) !== 1)).toHaveLength(0);
    expect(ents.filter((e) => e.type === 'EMAIL' && !/@([a-z-]+\.)*example$/.test(e.value))).toHaveLength(0);
    // Spans are trimmed and never overlap within a row.
    expect(ents.filter((e) => e.value !== e.value.trim() || e.value.length === 0)).toHaveLength(0);
    for (const r of rows) {
      const sorted = [...r.entities].sort((a, b) => a.start - b.start);
      expect(sorted.filter((e, i) => i > 0 && e.start < sorted[i - 1]!.end)).toHaveLength(0);
    }
  });

  it('guardrails:eval scores blind5 and pii-blind4 only behind --with-blind5', () => {
    const evalScript = readFileSync(path.join(__dirname, '../../../scripts/guardrails-eval.ts'), 'utf8');
    expect(evalScript).toMatch(/const withBlind5 = process\.argv\.includes\('--with-blind5'\);/);
    const uses = [...evalScript.matchAll(/\b(blind5InjectionRows|piiBlind4Rows)\(dir\)/g)];
    expect(uses).toHaveLength(2);
    // Every scoring of these rows sits right inside an `if (withBlind5 && ...)` block.
    expect(evalScript.match(/evalPii\(blind4Pii\b/g)).toHaveLength(1);
    expect(evalScript).toMatch(/if \(withBlind5 && blind4Pii\.length > 0\) \{\s*console\.log\(`\\n\$\{evalPii\(blind4Pii,/);
    expect(evalScript.match(/\bblind5\.map\(/g)).toHaveLength(2);
    expect(evalScript).toMatch(/if \(withBlind5 && blind5\.length > 0\) \{\s*const full = blind5\.map\([^\n]*\n(?:(?!\n {2}\}).)*?blind5\.map\(/s);
    // No listing by scenario or language: the block prints rate tables only.
    const block = /if \(withBlind5 && blind5\.length > 0\) \{(.*?)\n {2}\}/s.exec(evalScript)?.[1] ?? '';
    expect(block).toMatch(/ratesTable\(/);
    expect(block).not.toMatch(/familyTable|\.group\b|\.lang\b|\.id\b|\.scenario\b/);
  });

  it('guardrails:eval scores blind4 and pii-blind3 only behind --with-blind4', () => {
    const evalScript = readFileSync(path.join(__dirname, '../../../scripts/guardrails-eval.ts'), 'utf8');
    expect(evalScript).toMatch(/const withBlind4 = process\.argv\.includes\('--with-blind4'\);/);
    const uses = [...evalScript.matchAll(/\b(blind4InjectionRows|piiBlind3Rows)\(dir\)/g)];
    expect(uses).toHaveLength(2);
    // Every scoring of these rows sits right inside an `if (withBlind4 && ...)` block.
    expect(evalScript.match(/evalPii\(blind3Pii\b/g)).toHaveLength(1);
    expect(evalScript).toMatch(/if \(withBlind4 && blind3Pii\.length > 0\) \{\s*console\.log\(`\\n\$\{evalPii\(blind3Pii,/);
    expect(evalScript.match(/\bblind4\.map\(/g)).toHaveLength(2);
    expect(evalScript).toMatch(/if \(withBlind4 && blind4\.length > 0\) \{\s*const full = blind4\.map\([^\n]*\n(?:(?!\n {2}\}).)*?blind4\.map\(/s);
  });

  it('the training rows share no text with any blind set', () => {
    const train = new Set(devInjectionRows(dir).map((r) => r.text));
    const blindTexts = [
      ...blind1InjectionRows(dir).map((r) => r.text),
      ...blind2InjectionRows(dir).map((r) => r.text),
      ...blind3InjectionRows(dir).map((r) => r.text),
      ...readJsonl<{ text: string }>(path.join(dir, 'unseen', 'pii-blind1.jsonl')).map((r) => r.text),
      ...readJsonl<{ text: string }>(path.join(dir, 'unseen', 'pii-blind2.jsonl')).map((r) => r.text),
      ...blind4InjectionRows(dir).map((r) => r.text),
      ...piiBlind3Rows(dir).map((r) => r.text),
      ...blind5InjectionRows(dir).map((r) => r.text),
      ...piiBlind4Rows(dir).map((r) => r.text),
      ...blind6InjectionRows(dir).map((r) => r.text),
      ...piiBlind5Rows(dir).map((r) => r.text),
      ...blind7InjectionRows(dir).map((r) => r.text),
      ...piiBlind6Rows(dir).map((r) => r.text),
    ];
    expect(blindTexts.length).toBeGreaterThan(1300);
    expect(blindTexts.filter((t) => train.has(t))).toHaveLength(0);
  });

  it('the training script reads its rows through devInjectionRows only (dev/ and tune/), never a blind set', () => {
    const trainScript = readFileSync(path.join(__dirname, '../../../scripts/guardrails-train.ts'), 'utf8');
    expect(trainScript).toMatch(/devInjectionRows\(\)/);
    expect(trainScript).not.toMatch(/blind1|pii-blind1|blind2|pii-blind2|blind3|pii-blind3|blind4|piiBlind3|blind5|pii-blind4|piiBlind4|blind6|pii-blind5|piiBlind5|blind7|pii-blind6|piiBlind6/);
  });

  it('the cross-validation script and the training rows never read blind5 or pii-blind4', () => {
    const cvScript = readFileSync(path.join(__dirname, '../../../scripts/guardrails-cv.ts'), 'utf8');
    expect(cvScript).not.toMatch(/blind5|pii-blind4|piiBlind4/);
    // guardrails:cv reads dev/, tune/ and the `probe<N>/` folders only: blind5 is outside that pattern.
    expect(/^probe\d+$/.test('blind5')).toBe(false);
    const train = new Set(devInjectionRows(dir).map((r) => r.text));
    expect(blind5InjectionRows(dir).filter((r) => train.has(r.text))).toHaveLength(0);
  });

  it('blind6 loads as a factorial set by channel x intent: 10 channels, each with an attack of every intent and 8-9 hard benign rows, direct and retrieved, eight languages', () => {
    const rows = blind6InjectionRows(dir);
    expect(rows).toHaveLength(150);
    expect(rows.filter((r) => r.injection)).toHaveLength(68);
    const raw = readJsonl<{ id: string; channel: string; intent: string; kind: string; label: string; lang: string; text: string }>(path.join(dir, 'blind6', 'injection.jsonl'));
    expect(new Set(raw.map((r) => r.id)).size).toBe(150);
    expect(new Set(raw.map((r) => r.text)).size).toBe(150);
    const count = (key: (r: (typeof raw)[number]) => string): Map<string, number> => countBy(raw, key);
    const channels = ['chat', 'email', 'web', 'doc', 'repo', 'tool_result', 'calendar', 'review', 'spreadsheet', 'transcript'];
    const intents = ['exfiltrate', 'tool_action', 'reveal_prompt', 'override', 'manipulate'];
    expect(new Set(raw.map((r) => r.channel))).toEqual(new Set(channels));
    expect(new Set(rows.map((r) => r.group))).toEqual(new Set(channels));
    expect(new Set(raw.map((r) => r.intent))).toEqual(new Set(intents));
    // Every channel x intent cell holds at least one attack; every channel holds 6-7 attacks and 8-9 benign rows.
    const cells = count((r) => (r.label === 'injection' ? `${r.channel}:${r.intent}` : 'benign'));
    for (const c of channels) for (const i of intents) expect(cells.get(`${c}:${i}`)).toBeGreaterThanOrEqual(1);
    const perChannel = count((r) => `${r.channel}:${r.label}`);
    for (const c of channels) {
      expect(perChannel.get(`${c}:injection`)).toBeGreaterThanOrEqual(6);
      expect(perChannel.get(`${c}:benign`)).toBeGreaterThanOrEqual(8);
    }
    expect(Object.fromEntries(count((r) => (r.label === 'injection' ? r.intent : 'benign')))).toEqual({
      exfiltrate: 16,
      tool_action: 18,
      reveal_prompt: 11,
      override: 11,
      manipulate: 12,
      benign: 82,
    });
    expect(Object.fromEntries(count((r) => `${r.kind}:${r.label}`))).toEqual({ 'chunk:injection': 54, 'chunk:benign': 68, 'direct:injection': 14, 'direct:benign': 14 });
    expect(raw.filter((r) => r.channel === 'chat').every((r) => r.kind === 'direct')).toBe(true);
    expect(rows.filter((r) => r.indirect)).toHaveLength(122);
    expect(Object.fromEntries(count((r) => r.lang))).toEqual({ en: 79, de: 13, fr: 11, es: 11, it: 10, pt: 9, nl: 9, pl: 8 });
    for (const lang of ['de', 'fr', 'es', 'it', 'pt', 'nl', 'pl'])
      for (const label of ['injection', 'benign']) expect(raw.filter((r) => r.lang === lang && r.label === label).length).toBeGreaterThanOrEqual(3);
  });

  it('pii-blind5 loads with its counts: 85 rows, addresses of many countries, names of many cultures, 15 hard rows without a person or address, checksum-valid IBANs', () => {
    const rows = piiBlind5Rows(dir);
    expect(rows).toHaveLength(85);
    expect(new Set(rows.map((r) => r.id)).size).toBe(85);
    expect(new Set(rows.map((r) => r.text)).size).toBe(85);
    expect(Object.fromEntries(countBy(rows, (r) => r.lang))).toEqual({ en: 47, de: 7, fr: 7, es: 7, pt: 5, it: 4, nl: 4, pl: 4 });
    expect(rows.filter((r) => r.entities.length === 0)).toHaveLength(15);
    expect(rows.filter((r) => !r.entities.some((e) => e.type === 'NAME'))).toHaveLength(15);
    const ents = rows.flatMap((r) => r.entities);
    expect(Object.fromEntries(countBy(ents, (e) => e.type))).toEqual({ NAME: 124, ADDRESS: 54, PHONE: 4, EMAIL: 3, INTERNATIONAL_BANK_ACCOUNT_NUMBER: 4 });
    expect(ents.filter((e) => e.type === 'ADDRESS' && e.value.includes('\n')).length).toBeGreaterThanOrEqual(4);
    expect(ents.filter((e) => e.type === 'INTERNATIONAL_BANK_ACCOUNT_NUMBER' && mod97(e.value) !== 1)).toHaveLength(0);
    expect(ents.filter((e) => e.type === 'EMAIL' && !/@([a-z-]+\.)*example$/.test(e.value))).toHaveLength(0);
    // Spans are exact UTF-16 offsets, trimmed, and never overlap within a row.
    expect(rows.flatMap((r) => r.entities.filter((e) => r.text.slice(e.start, e.end) !== e.value))).toHaveLength(0);
    expect(ents.filter((e) => e.value !== e.value.trim() || e.value.length === 0)).toHaveLength(0);
    for (const r of rows) {
      const sorted = [...r.entities].sort((a, b) => a.start - b.start);
      expect(sorted.filter((e, i) => i > 0 && e.start < sorted[i - 1]!.end)).toHaveLength(0);
    }
  });

  it('guardrails:eval scores blind6 and pii-blind5 only behind --with-blind6, in aggregate (by kind and English/other at most)', () => {
    const evalScript = readFileSync(path.join(__dirname, '../../../scripts/guardrails-eval.ts'), 'utf8');
    expect(evalScript).toMatch(/const withBlind6 = process\.argv\.includes\('--with-blind6'\);/);
    const uses = [...evalScript.matchAll(/\b(blind6InjectionRows|piiBlind5Rows)\(dir\)/g)];
    expect(uses).toHaveLength(2);
    expect(evalScript.match(/evalPii\(blind5Pii\b/g)).toHaveLength(1);
    expect(evalScript).toMatch(/if \(withBlind6 && blind5Pii\.length > 0\) \{\s*console\.log\(`\\n\$\{evalPii\(blind5Pii,/);
    expect(evalScript.match(/\bblind6\.map\(/g)).toHaveLength(2);
    expect(evalScript).toMatch(/if \(withBlind6 && blind6\.length > 0\) \{\s*const full = blind6\.map\([^\n]*\n(?:(?!\n {2}\}).)*?blind6\.map\(/s);
    expect(evalScript).toMatch(/BLIND6 set and unseen\/pii-blind5 not scored \(sealed; pass --with-blind6/);
    // Rate tables only: no listing by channel, intent, single language or row.
    const block = /if \(withBlind6 && blind6\.length > 0\) \{(.*?)\n {2}\}/s.exec(evalScript)?.[1] ?? '';
    expect(block).toMatch(/ratesTable\(/);
    expect(block).not.toMatch(/familyTable|\.group\b|\.id\b|\.channel\b|\.intent\b/);
    expect([...block.matchAll(/\.lang\b[^\n]*/g)].map((m) => m[0])).toEqual([".lang === 'en'),", ".lang !== 'en'),"]);
  });

  it('guardrails:train and guardrails:cv never read blind6 or pii-blind5, even a copy dropped into tune/', () => {
    for (const file of ['guardrails-train.ts', 'guardrails-cv.ts']) {
      const script = readFileSync(path.join(__dirname, '../../../scripts', file), 'utf8');
      expect(script).not.toMatch(/blind6|pii-blind5|piiBlind5/);
    }
    expect(/^probe\d+$/.test('blind6')).toBe(false);
    for (const name of ['blind6-injection.jsonl', 'injection-blind6.jsonl', 'injection-pii-blind5.jsonl', 'inj3-blind6.jsonl', 'inj3-holdout-genres.jsonl'])
      expect(isInjectionTrainingFile(name)).toBe(false);
    for (const name of ['injection.jsonl', 'injection-wide4.jsonl', 'blindwide-injection.jsonl', 'inj3-docs3.jsonl']) expect(isInjectionTrainingFile(name)).toBe(true);
    const train = new Set(devInjectionRows(dir).map((r) => r.text));
    const sealed = [...blind6InjectionRows(dir).map((r) => r.text), ...piiBlind5Rows(dir).map((r) => r.text)];
    expect(sealed).toHaveLength(235);
    expect(sealed.filter((t) => train.has(t))).toHaveLength(0);
  });

  it('blind7 loads as a set by evasion technique x payload: 10 techniques of 7 attacks and 9 hard benign rows in the same formats, direct and retrieved, six languages', () => {
    const rows = blind7InjectionRows(dir);
    expect(rows).toHaveLength(160);
    expect(rows.filter((r) => r.injection)).toHaveLength(70);
    const raw = readJsonl<{ id: string; technique: string; kind: string; label: string; lang: string; text: string }>(path.join(dir, 'blind7', 'injection.jsonl'));
    expect(raw.map((r) => r.id)).toEqual(raw.map((_r, i) => `b7-${String(i + 1).padStart(3, '0')}`));
    expect(new Set(raw.map((r) => r.text)).size).toBe(160);
    const techniques = ['split', 'structured', 'fake_system', 'encoded', 'hidden_carrier', 'exfiltration', 'tool_abuse', 'persona', 'extraction', 'memory_poisoning'];
    expect(new Set(raw.map((r) => r.technique))).toEqual(new Set(techniques));
    expect(new Set(rows.map((r) => r.group))).toEqual(new Set(techniques));
    const perTechnique = countBy(raw, (r) => `${r.technique}:${r.label}`);
    for (const t of techniques) {
      expect(perTechnique.get(`${t}:injection`)).toBe(7);
      expect(perTechnique.get(`${t}:benign`)).toBe(9);
    }
    expect(Object.fromEntries(countBy(raw, (r) => `${r.kind}:${r.label}`))).toEqual({ 'chunk:injection': 45, 'chunk:benign': 57, 'direct:injection': 25, 'direct:benign': 33 });
    expect(rows.filter((r) => r.indirect)).toHaveLength(102);
    // Eight of the ten techniques have both direct and retrieved attacks (hidden carriers and structured data are retrieved by nature).
    const bothKinds = techniques.filter((t) => new Set(raw.filter((r) => r.technique === t && r.label === 'injection').map((r) => r.kind)).size === 2);
    expect(bothKinds.sort()).toEqual(techniques.filter((t) => t !== 'hidden_carrier' && t !== 'structured').sort());
    expect(Object.fromEntries(countBy(raw, (r) => r.lang))).toEqual({ en: 71, fr: 20, de: 20, es: 19, it: 15, pt: 15 });
    for (const lang of ['fr', 'de', 'es', 'it', 'pt']) {
      expect(raw.filter((r) => r.lang === lang && r.label === 'injection').length).toBeGreaterThanOrEqual(5);
      expect(raw.filter((r) => r.lang === lang && r.label === 'benign').length).toBe(10);
    }
    // Realistic lengths: retrieved chunks 200-1200 characters, direct messages 30-500.
    expect(raw.filter((r) => (r.kind === 'chunk' ? r.text.length < 200 || r.text.length > 1200 : r.text.length < 30 || r.text.length > 500))).toHaveLength(0);
    // The encoded attacks carry the real characters: zero-width spaces between letters, Cyrillic letters inside Latin words, base64.
    const encoded = raw.filter((r) => r.technique === 'encoded' && r.label === 'injection');
    expect(encoded.filter((r) => /\p{L}\u200B\p{L}/u.test(r.text))).toHaveLength(1);
    expect(encoded.filter((r) => /[a-z][\u0400-\u04FF]|[\u0400-\u04FF][a-z]/.test(r.text))).toHaveLength(1);
    expect(encoded.filter((r) => /[A-Za-z0-9+/]{40,}={0,2}/.test(r.text))).toHaveLength(1);
  });

  it('pii-blind6 loads with its counts: 90 rows of data formats and prose, 16 look-alike rows without personal data, exact spans, checksum-valid IBANs and cards, reserved e-mails and IPs', () => {
    const rows = piiBlind6Rows(dir);
    expect(rows).toHaveLength(90);
    expect(rows.map((r) => r.id)).toEqual(rows.map((_r, i) => `pb6-${String(i + 1).padStart(3, '0')}`));
    expect(new Set(rows.map((r) => r.text)).size).toBe(90);
    expect(Object.fromEntries(countBy(rows, (r) => r.lang))).toEqual({ en: 63, es: 7, de: 6, fr: 5, it: 4, pt: 3, nl: 1, pl: 1 });
    expect(rows.filter((r) => r.entities.length === 0)).toHaveLength(16);
    const ents = rows.flatMap((r) => r.entities);
    expect(Object.fromEntries(countBy(ents, (e) => e.type))).toEqual({
      NAME: 155,
      ADDRESS: 60,
      PHONE: 20,
      EMAIL: 13,
      IP_ADDRESS: 8,
      INTERNATIONAL_BANK_ACCOUNT_NUMBER: 6,
      CREDIT_DEBIT_CARD_NUMBER: 3,
    });
    expect(ents.filter((e) => e.type === 'ADDRESS' && e.value.includes('\n')).length).toBeGreaterThanOrEqual(5);
    expect(ents.filter((e) => e.type === 'NAME' && e.value === e.value.toLowerCase()).length).toBeGreaterThanOrEqual(10);
    const luhn = (card: string): boolean => [...card.replace(/\D/g, '')].reverse().reduce((sum, c, i) => sum + (i % 2 ? [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][Number(c)]! : Number(c)), 0) % 10 === 0;
    expect(ents.filter((e) => e.type === 'INTERNATIONAL_BANK_ACCOUNT_NUMBER' && mod97(e.value) !== 1)).toHaveLength(0);
    expect(ents.filter((e) => e.type === 'CREDIT_DEBIT_CARD_NUMBER' && !luhn(e.value))).toHaveLength(0);
    expect(ents.filter((e) => e.type === 'EMAIL' && !/@example\.(com|net|org)$/.test(e.value))).toHaveLength(0);
    expect(ents.filter((e) => e.type === 'IP_ADDRESS' && !/^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}$/.test(e.value))).toHaveLength(0);
    // Spans are exact UTF-16 offsets, trimmed, and never overlap within a row.
    expect(rows.flatMap((r) => r.entities.filter((e) => r.text.slice(e.start, e.end) !== e.value))).toHaveLength(0);
    expect(ents.filter((e) => e.value !== e.value.trim() || e.value.length === 0)).toHaveLength(0);
    for (const r of rows) {
      const sorted = [...r.entities].sort((a, b) => a.start - b.start);
      expect(sorted.filter((e, i) => i > 0 && e.start < sorted[i - 1]!.end)).toHaveLength(0);
    }
  });

  it('guardrails:eval scores blind7 and pii-blind6 only behind --with-blind7, in aggregate (by kind and English/other at most)', () => {
    const evalScript = readFileSync(path.join(__dirname, '../../../scripts/guardrails-eval.ts'), 'utf8');
    expect(evalScript).toMatch(/const withBlind7 = process\.argv\.includes\('--with-blind7'\);/);
    const uses = [...evalScript.matchAll(/\b(blind7InjectionRows|piiBlind6Rows)\(dir\)/g)];
    expect(uses).toHaveLength(2);
    expect(evalScript.match(/evalPii\(blind6Pii\b/g)).toHaveLength(1);
    expect(evalScript).toMatch(/if \(withBlind7 && blind6Pii\.length > 0\) \{\s*console\.log\(`\\n\$\{evalPii\(blind6Pii,/);
    expect(evalScript.match(/\bblind7\.map\(/g)).toHaveLength(2);
    expect(evalScript).toMatch(/if \(withBlind7 && blind7\.length > 0\) \{\s*const full = blind7\.map\([^\n]*\n(?:(?!\n {2}\}).)*?blind7\.map\(/s);
    expect(evalScript).toMatch(/BLIND7 set and unseen\/pii-blind6 not scored \(sealed; pass --with-blind7/);
    // Rate tables only: no listing by technique, single language or row.
    const block = /if \(withBlind7 && blind7\.length > 0\) \{(.*?)\n {2}\}/s.exec(evalScript)?.[1] ?? '';
    expect(block).toMatch(/ratesTable\(/);
    expect(block).not.toMatch(/familyTable|\.group\b|\.id\b|\.technique\b/);
    expect([...block.matchAll(/\.lang\b[^\n]*/g)].map((m) => m[0])).toEqual([".lang === 'en'),", ".lang !== 'en'),"]);
  });

  it('guardrails:train and guardrails:cv never read blind7 or pii-blind6, even a copy dropped into tune/', () => {
    for (const file of ['guardrails-train.ts', 'guardrails-cv.ts']) {
      const script = readFileSync(path.join(__dirname, '../../../scripts', file), 'utf8');
      expect(script).not.toMatch(/blind7|pii-blind6|piiBlind6/);
    }
    expect(/^probe\d+$/.test('blind7')).toBe(false);
    for (const name of ['blind7-injection.jsonl', 'injection-blind7.jsonl', 'injection-pii-blind6.jsonl', 'inj3-blind7.jsonl', 'inj4-blind7.jsonl']) expect(isInjectionTrainingFile(name)).toBe(false);
    const train = new Set(devInjectionRows(dir).map((r) => r.text));
    const sealed = [...blind7InjectionRows(dir).map((r) => r.text), ...piiBlind6Rows(dir).map((r) => r.text)];
    expect(sealed).toHaveLength(250);
    expect(sealed.filter((t) => train.has(t))).toHaveLength(0);
  });

  it.each([
    ['pii-blind1.jsonl', 100],
    ['pii-blind2.jsonl', 150],
    ['pii-blind3.jsonl', 160],
    ['pii-blind4.jsonl', 190],
    ['pii-blind5.jsonl', 180],
    ['pii-blind6.jsonl', 260],
  ])('every blind PII span of %s is exact: its offsets cut out its value', (file, atLeast) => {
    const rows = readJsonl<{ text: string; entities: { start: number; end: number; value: string }[] }>(path.join(dir, 'unseen', file));
    const spans = rows.flatMap((r) => r.entities.map((e) => ({ cut: r.text.slice(e.start, e.end), value: e.value })));
    expect(spans.length).toBeGreaterThan(atLeast);
    expect(spans.filter((s) => s.cut !== s.value)).toHaveLength(0);
  });

  it('pii-blind2 uses only the evaluated entity types, and its IBANs and card numbers pass their checksums', () => {
    const rows = readJsonl<{ text: string; entities: { type: string; value: string }[] }>(path.join(dir, 'unseen', 'pii-blind2.jsonl'));
    expect(rows).toHaveLength(60);
    expect(rows.filter((r) => r.entities.length === 0)).toHaveLength(15);
    const ents = rows.flatMap((r) => r.entities);
    expect(new Set(ents.map((e) => e.type))).toEqual(new Set(['NAME', 'ADDRESS', 'PHONE', 'EMAIL', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'CREDIT_DEBIT_CARD_NUMBER']));
    const luhn = (card: string): boolean => [...card.replace(/\D/g, '')].reverse().reduce((sum, c, i) => sum + (i % 2 ? [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][Number(c)]! : Number(c)), 0) % 10 === 0;
    const ibans = ents.filter((e) => e.type === 'INTERNATIONAL_BANK_ACCOUNT_NUMBER');
    const cards = ents.filter((e) => e.type === 'CREDIT_DEBIT_CARD_NUMBER');
    expect(ibans.length).toBeGreaterThan(0);
    expect(cards.length).toBeGreaterThan(0);
    expect(ibans.filter((e) => mod97(e.value) !== 1)).toHaveLength(0);
    expect(cards.filter((e) => !luhn(e.value))).toHaveLength(0);
    expect(ents.filter((e) => e.type === 'EMAIL' && !/@([a-z-]+\.)*example\.[a-z.]+$/.test(e.value))).toHaveLength(0);
  });
});
