/**
 * Writes `data/guardrails/unseen/pii-generated.jsonl`: an evaluation set for the PII detector made
 * by a different method than the development set (which came from a separate template generator):
 * new templates written for this script only (forms, chat messages, signatures, meeting notes,
 * shipping labels, CSV-ish exports, French/German/Spanish/Italian/Portuguese/Dutch mail), names and
 * addresses drawn by @faker-js/faker from 30 locales, and negative rows full of capitalised words
 * that are not people (products, places, companies, headings). Fixed seed: reproducible.
 *
 *   npm run guardrails:gen-unseen              (the unseen set)
 *   npm run guardrails:gen-unseen -- --tune    (data/guardrails/tune/pii-generated.jsonl: same entity sources, other seed and templates)
 *
 * Nothing tunes on this set: the detector's rules and lists are never edited after looking at a
 * miss here without moving the row out of `unseen/` (and saying so in the commit).
 * Bias to keep in mind: the detector also knows faker's name lists, so generated names are known
 * words; `pii-handwritten.jsonl` (names from outside those lists) is the harder half.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { allFakers, type Faker } from '@faker-js/faker';

type Ent = { type: string; start: number; end: number; value: string };
type Part = string | { type: string; value: string };

const NAME_LOCALES = [
  'en_US',
  'en_GB',
  'en_IE',
  'en_NG',
  'en_GH',
  'en_IN',
  'en_ZA',
  'yo_NG',
  'zu_ZA',
  'af_ZA',
  'fr',
  'fr_SN',
  'de',
  'es',
  'es_MX',
  'it',
  'pt_BR',
  'pt_PT',
  'nl',
  'pl',
  'cs_CZ',
  'hu',
  'tr',
  'vi',
  'id_ID',
  'fi',
  'sv',
  'nb_NO',
  'ro',
  'hr',
] as const;

/** Locales whose faker addresses have the shapes used in mail (number + street, postcode, city). */
const ADDRESS_LOCALES = ['en_US', 'en_GB', 'en_AU', 'fr', 'de', 'es', 'it', 'pt_BR', 'nl'] as const;

function build(parts: Part[]): { text: string; entities: Ent[] } {
  let text = '';
  const entities: Ent[] = [];
  for (const p of parts) {
    if (typeof p === 'string') text += p;
    else {
      entities.push({ type: p.type, start: text.length, end: text.length + p.value.length, value: p.value });
      text += p.value;
    }
  }
  return { text, entities };
}

const N = (value: string): Part => ({ type: 'NAME', value });
const A = (value: string): Part => ({ type: 'ADDRESS', value });
const E = (value: string): Part => ({ type: 'EMAIL', value });

function latin(s: string): boolean {
  return /^[\p{Script=Latin}\s'’.-]+$/u.test(s);
}

function main(): void {
  // --tune: a tuning set from the same entity sources (faker names and addresses) with another seed
  // and other templates; the detector may be tuned on it, never on the unseen set.
  const tune = process.argv.includes('--tune');
  const base = allFakers.en;
  base.seed(tune ? 4242 : 20261206);
  const pick = <T>(xs: readonly T[]): T => xs[base.number.int({ max: xs.length - 1 })]!;
  const fk = (loc: string): Faker => {
    const f = allFakers[loc as keyof typeof allFakers];
    f.seed(base.number.int({ max: 1e9 }));
    return f;
  };
  const person = (): { first: string; last: string; full: string } => {
    for (;;) {
      const f = fk(pick(NAME_LOCALES));
      const first = f.person.firstName();
      const last = f.person.lastName();
      // faker glitches: dotted initials and glued surnames ("DuvnjakČuljak").
      if (latin(first) && latin(last) && !/[.]|\p{Ll}\p{Lu}/u.test(first + last)) return { first, last, full: `${first} ${last}` };
    }
  };
  const address = (): { line: string; full: string; loc: string } => {
    const loc = pick(ADDRESS_LOCALES);
    const f = fk(loc);
    let line = f.location.streetAddress();
    // Spanish "s/n" (no house number) lines are not addresses a reader could visit; draw again.
    while (/s\/n/.test(line)) line = f.location.streetAddress();
    const city = f.location.city();
    const zip = f.location.zipCode();
    if (loc === 'en_US') return { line, full: `${line}, ${city}, ${f.location.state({ abbreviated: true })} ${zip}`, loc };
    if (loc === 'en_GB') return { line, full: `${line}, ${city} ${zip}`, loc };
    if (loc === 'en_AU') return { line, full: `${line}, ${city} ${f.location.state({ abbreviated: true })} ${zip}`, loc };
    return { line, full: `${line}, ${zip} ${city}`, loc };
  };
  const emailOf = (p: { first: string; last: string }): string =>
    `${p.first}.${p.last}`
      .normalize('NFD')
      .replace(/[^\w.]/g, '')
      .toLowerCase() + '@mail.example';

  const positive: Array<() => Part[]> = [
    () => {
      const p = person();
      const a = address();
      return ['Full name: ', N(p.full), '\nDate of birth: 1987-04-12\nHome address: ', A(a.full), '\n'];
    },
    () => {
      const p = person();
      return [`hey, it's `, N(p.first), ` from accounts. can you resend the march statement?`];
    },
    () => {
      const p = person();
      return ['Cheers,\n', N(p.full), '\nSenior Analyst, Treasury'];
    },
    () => {
      const p = person();
      return ['Please forward the draft to ', N(p.full), ' in legal before Friday.'];
    },
    () => {
      const [a, b, c] = [person(), person(), person()];
      return ['Attendees: ', N(a.full), ', ', N(b.full), ', ', N(c.full), '\nAgenda: budget review'];
    },
    () => {
      const p = person();
      const a = address();
      return ['Deliver to: ', N(p.full), ', ', A(a.full)];
    },
    () => {
      const p = person();
      const a = address();
      return ['Bonjour, je m’appelle ', N(p.full), ' et mon adresse est ', A(a.full), '.'];
    },
    () => {
      const p = person();
      return ['Sehr geehrte Damen und Herren,\nmein Name ist ', N(p.full), ' und ich möchte meinen Vertrag kündigen.'];
    },
    () => {
      const p = person();
      const a = address();
      return ['Hola, soy ', N(p.full), '. Mi dirección nueva es ', A(a.full), '.'];
    },
    () => {
      const p = person();
      return ['Grazie mille,\n', N(p.full)];
    },
    () => {
      const p = person();
      return ['Olá, o meu nome é ', N(p.full), ' e gostaria de alterar a minha reserva.'];
    },
    () => {
      const p = person();
      return ['Met vriendelijke groet,\n', N(p.full)];
    },
    () => {
      const p = person();
      return [N(p.full), ' (', E(emailOf(p)), ') approved the change request.'];
    },
    () => {
      const p = person();
      return ['Assigned to: ', N(p.full), '\nPriority: high\nStatus: open'];
    },
    () => {
      const p = person();
      const a = address();
      return ['Ship to\n', N(p.full), '\n', A(a.full)];
    },
    () => {
      const p = person();
      return ['I was helped by ', N(p.full), ' at the front desk and she was wonderful.'];
    },
    () => {
      const p = person();
      return ['Dear ', N(p.first), ',\nyour subscription renews next month.'];
    },
    () => {
      const p = person();
      return ['Good morning ', N(p.first), ', the report is ready.'];
    },
    () => {
      const a = address();
      return ['We moved! Our new office is at ', A(a.full), '.'];
    },
    () => {
      const a = address();
      return ['Billing address: ', A(a.full)];
    },
    () => {
      const p = person();
      return ['Patient: ', N(p.full), '\nReason for visit: follow-up'];
    },
    () => {
      const p = person();
      return ['Signed by ', N(p.full), ' on 3 March 2025.'];
    },
    () => {
      const [a, b] = [person(), person()];
      return ['', N(a.full), ' and ', N(b.full), ' will lead the migration.'];
    },
    () => {
      const p = person();
      return ['Emergency contact: ', N(p.full), ' (sister)'];
    },
    () => {
      const p = person();
      return ['Thank you ', N(p.full), ' for your quick reply!'];
    },
    () => {
      const p = person();
      return ['Account holder: ', N(p.full)];
    },
    () => {
      const p = person();
      const a = address();
      return ['Tenant ', N(p.full), ' lives at ', A(a.full), ' since 2019.'];
    },
  ];

  const negative: Array<() => string> = [
    () => 'Quarterly Business Review: Revenue Up In Northern Europe',
    () => `Our Paris office and the Berlin Hub will close on Monday for the Easter holiday.`,
    () => 'Please install Visual Studio Code and the Python Extension Pack before the workshop.',
    () => 'The Golden Gate Bridge and Central Park are the most visited sights on the tour.',
    () => 'Grace period ends in May; Will the Premium Plan renew automatically?',
    () => `Release Notes\nNew: Dark Mode, Export To PDF, Single Sign-On.\nFixed: Crash On Startup.`,
    () => 'Contact Customer Support or the Billing Team through the Help Center.',
    () => 'The Amazon River flows through Brazil, Peru and Colombia.',
    () => `${pick(['Johnson & Johnson', 'Morgan Stanley', 'Goldman Sachs', 'Procter & Gamble', 'Ernst & Young'])} reported strong results this quarter.`,
    () => 'Step 3: Click Save Changes, then Restart Server to apply the Network Settings.',
    () => 'Table of Contents\n1. Getting Started\n2. Advanced Configuration\n3. Frequently Asked Questions',
    () => `Meeting moved to Room ${base.number.int({ min: 100, max: 999 })}, Building B, at 10:30.`,
    () => 'See Chapter 12 of the Employee Handbook for the Travel Policy.',
    () => 'We ship to 40 countries including New Zealand, South Africa and the United Kingdom.',
    () => 'The Mona Lisa hangs in the Louvre; the Night Watch is in the Rijksmuseum.',
    () => `Invoice ${base.string.numeric(6)} is due on ${base.date.month()} 30.`,
    () => 'Bonjour à tous, la Direction Générale organise une réunion Lundi prochain.',
    () => 'Sehr geehrte Damen und Herren, die Rechnung finden Sie im Anhang.',
    () => 'Hola equipo, el informe de Ventas está listo para revisión.',
    () => 'Use Docker Compose to start Redis, Postgres and the API Gateway locally.',
  ];

  const tunePositive: Array<() => Part[]> = [
    () => {
      const p = person();
      return ['Contact: ', N(p.full)];
    },
    () => {
      const p = person();
      return ['On Monday ', N(p.full), ' wrote:\n> see attached'];
    },
    () => {
      const a = address();
      return ['Address on file: ', A(a.full)];
    },
    () => {
      const p = person();
      const a = address();
      return ['', N(p.full), '\n', A(a.full), '\n'];
    },
    () => {
      const p = person();
      return ['Kindly ask ', N(p.first), ' to call back.'];
    },
    () => {
      const p = person();
      return ['Meet ', N(p.full), ' in the lobby at nine.'];
    },
    () => {
      const a = address();
      return ['The event takes place at ', A(a.full), ' this year.'];
    },
    () => {
      const p = person();
      return ['Best wishes,\n', N(p.full)];
    },
  ];
  const tuneNegative: Array<() => string> = [
    () => 'Annual Report 2024: Highlights From The Asia Pacific Region',
    () => 'Install Adobe Acrobat Reader and Google Chrome on the Training Laptops.',
    () => 'The Eiffel Tower and the Brandenburg Gate light up on New Year.',
    () => 'Open Source Summit Europe takes place in Dublin this September.',
    () => 'Warner Bros. and Universal Pictures announced a joint venture.',
    () => 'Sales Kickoff Agenda\nWelcome Coffee\nProduct Roadmap\nClosing Remarks',
    () => 'Ask the Service Desk to reset your Multi-Factor Authentication.',
    () => 'Il Duomo di Milano e la Galleria Vittorio Emanuele sono vicini.',
    () => 'Die Deutsche Bahn meldet Verspätungen zwischen Köln und Hamburg.',
    () => 'Le Conseil Municipal se réunit à la Mairie de Lyon.',
  ];
  const pos = tune ? tunePositive : positive;
  const neg = tune ? tuneNegative : negative;
  const prefix = tune ? 'tune-gen-pii' : 'gen-pii';
  const rows: object[] = [];
  for (let i = 0; i < 180; i++) rows.push({ id: `${prefix}-${String(i + 1).padStart(3, '0')}`, ...build(pick(pos)()) });
  for (let i = 0; i < 60; i++) rows.push({ id: `${prefix}-neg-${String(i + 1).padStart(3, '0')}`, text: pick(neg)(), entities: [] });
  const dir = join(process.cwd(), 'data', 'guardrails', tune ? 'tune' : 'unseen');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pii-generated.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  console.log(`wrote ${rows.length} rows to ${join(dir, 'pii-generated.jsonl')}`);
}

main();
