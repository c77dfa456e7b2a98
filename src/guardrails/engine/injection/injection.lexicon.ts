/**
 * The injection detector's lexicon: words of six languages (EN, FR, ES, DE, PT, IT) mapped to the
 * *concepts* attacks are made of (an override verb, "previous", "instructions", "the AI", "send",
 * "the conversation", "all", "refund", ...). Behaviours are then rules over concepts that occur
 * close together (see `injection.behaviours.ts`), so one rule covers every language and wording
 * that uses the same concepts, instead of one regex per phrasing.
 *
 * Words are written folded (lower case, no diacritics: "instrucoes", "vergiss"). An entry of four
 * letters or more matches as a prefix ("instruc" matches instructions, instrucciones, instruções);
 * shorter entries and entries ending in `=` match whole tokens only. Two-word entries ("told you")
 * match two consecutive tokens.
 */

/** Concept bits. */
export const C = {
  OVR: 1 << 0, // override / discard verbs
  PRIOR: 1 << 1, // previous, above, initial
  INSTR: 1 << 2, // instructions, rules, prompt, guidelines
  AI: 1 << 3, // the model / assistant / agent
  REVEAL: 1 << 4, // reveal, print, repeat, show
  HIDDEN: 1 << 5, // system, hidden, secret, initial, confidential
  SEND: 1 << 6, // send, forward, post, upload, e-mail
  DATA: 1 << 7, // conversation, history, credentials, password, contacts
  DESTRUCT: 1 << 8, // delete, drop, wipe, destroy
  MASS: 1 << 9, // all, every, entire
  MONEY: 1 << 10, // refund, transfer, payout
  APPROVAL: 1 << 11, // approval, confirmation, asking, permission
  RESTRICT: 1 << 12, // restrictions, filters, censorship, ethics, policy
  NEG: 1 << 13, // without, no, zero, sans, sin, ohne
  PERSONA: 1 << 14, // pretend, roleplay, imagine, hypothetical, fictional
  HARM: 1 << 15, // clearly harmful goals
  USER: 1 << 16, // the user / reader / customer
  OUTPUT: 1 << 17, // response, answer, reply, output, summary
  YOU: 1 << 18, // second person (the model addressed)
  NOW: 1 << 19, // from now on, henceforth, new
  UNBOUND: 1 << 20, // unrestricted, unfiltered, uncensored, jailbroken
  NOTE: 1 << 21, // note, message, notice, attention (a note *to* someone)
  REFUSE: 1 << 22, // refuse, decline, deny
  TARGET: 1 << 23, // files, accounts, database, records, users, orders (targets of mass actions)
  SECRECY: 1 << 24, // secretly, silently, quietly
  ALWAYS: 1 << 25, // always, no matter, whatever
  TO: 1 << 26, // to / for (the note *to* the AI)
  EXEC: 1 << 27, // run, execute, call, invoke (a tool)
  PROC: 1 << 28, // reading, processing, summarising (an agent at work on this text)
  IMP: 1 << 29, // task verbs addressed to an assistant: include, add, translate, provide, ensure
  OFF: 1 << 30, // disable, turn off, deactivate
  AUTH: 2 ** 31, // developer, operator, administrator, OpenAI (a claimed authority)
} as const;

const ENTRIES: Readonly<Record<keyof typeof C, string>> = {
  OVR: `"t follow" "not follow" "t abide" "not abide" "t obey" "not obey" "never mind" "broken free" "break free" freed= ignor disregard forget forgot overrid bypass neglect abandon discard dismiss supersed revok void= obsolet outdated nullif cancel
    "pay no" "no attention" "longer appl" "longer valid" "of date" "set aside" "throw out" "stop following"
    oubli oublie ignorez ignore ignora ignoran ignorar olvid descart desconsider esquec esqueca dimentic trascur vergiss vergessen ignorier missachte uberschreib
    annul anula annulla negeer zignoruj "yok say" pomin
    "pas compte" "hagas caso" "hagais caso" "haga caso" "hagan caso" "non considerare" "non considerate" "non tenere" "nao considere" "nao considera" "nicht beachten" "beachte nicht"
    vergeet vergeten negeren`,
  PRIOR: `previous prior above earlier preceding former initial original old= existing foregoing before= beforehand
    "told you" "were told" "been told" "been given" "were given" "you received" "gave you" "given you" "at the top"
    precedent anterior antérieur anterieur bisherig vorherig vorige vorangegangen obig fruher precedenti precedente eerdere vorige= poprzedni onceki prima= antes= avant= dessus= originale originales ursprunglich
    sopra= arriba= oben= acima= "first message" "ersten nachricht" "erste nachricht" "premier message" "primer mensaje" "primeira mensagem" "primo messaggio"
    eerder= hierboven oberhalb`,
  INSTR: `"system message" "real task" "new task" "actual task" "true task" "your task" "you told" "was instructed" "were instructed" instruc prompt guideline guidance directive direction= directions= programming rules rule= setup= configuration config= commands policy policies
    consign regle regles reglas regla regras regra regole regola istruzion anweisung vorgab regel richtlinie befehl "you were" "you received"
    systemprompt systemanweisung systeminstrukt systemregel systemvorgab indicacion orientac direttiv directiv instructies instrukcj talimat konfigur "words above" "text above" "testo sopra" "texto arriba" "texte ci" "text oben" "texto acima"
    richtlijn opdracht`,
  AI: `ai= a.i= assistant assistants llm llms chatbot bot= bots= agent agents copilot gpt chatgpt claude gemini summarizer summariser crawler
    "language model" "the model" "any model" "this model" "coding agent"
    ia= ki= assistent assistente asistente sprachmodell "modelo de ia" "modele d ia" "modele de langage" "modello di ia" "modello linguistico" "modelo de lenguaje" "modelo de linguagem"
    "intelligence artificielle" "intelligenza artificiale" "inteligencia artificial" "kunstliche intelligenz" "artificial intelligence"`,
  REVEAL: `tell= see= list= reveal show print output repeat display dump leak disclose expose recite quote copy echo spell reproduce "write out" "type out" "tell me" "give me" paste=
    affich revel repet montr donne= muestra mostra mostre revela repite repete ripet rivel zeig gib= nenn wiederhol verrat dammi dimmi decime dime=
    toon= kopieer kopier`,
  HIDDEN: `system hidden secret initial confidential internal underlying pre-prompt preprompt verbatim "word for word" "mot pour mot" "palabra por palabra" "wort fur wort" "parola per parola" "palavra por palavra" wortwortlich textuellement literalmente letteralmente testualmente
    systeme sistema versteck geheim oculta ocultas oculto ocultos nascost segret secret= secreta secretas secretos interne interno
    systeem verborgen`,
  SEND: `"e mail" send forward email= post= upload transmit exfiltrat fetch= sms= webhook beacon gist= pastebin "query string" "url encoded" urlencode "the url"
    envo envoi envoy envia enviar envie invia inviare invii schick sende senden ubermittel weiterleit inoltra encaminh reenvi
    stuur= verstuur`,
  DATA: `conversation history chat= chats= transcript session credential password passwords passphrase token tokens cookie cookies secrets apikey "api key" "access key" "secret key" ssh=
    contacts "address book" "verification code" "card number" "card detail" "account number" "phone number" "stored address" "saved card" "personal data" "personal information" "contact details" "contact detail" "contact info" "datos de contacto" "dados de contato" "dados de contacto" "dati di contatto" coordonnees kontaktdaten "customer data" "customer email" "user data" "previous user" "other user" "last customer" "other customers" "previous messages" "the messages" "system prompt" "system message" inbox
    otp= "login code" "login link" "security code" "mot de" bestatigungscode anmeldecode zugangscode
    historique historial verlauf cronologia historico identifiant contrasena passwort kennwort senha credenziali credenciales zugangsdaten conversa conversacion
    wachtwoord gesprek`,
  DESTRUCT: `delete drop= wipe destroy erase purge truncate shred "rm -rf" "force push" "--force"
    supprim efface borra borrar elimin losch loesch cancella apag apague destru vernicht`,
  MASS: `full= all= every everything everyone entire whole= tout= tous= toute= toutes= todo= todos= todas= toda= alle= allen= alles= samtlich tutti= tutte= tutto= ogni=`,
  MONEY: `refund reimburs payout transfer wire= "send money" chargeback credit= rembours virement reembols transferen erstatt uberweis rimbors bonifico`,
  APPROVAL: `approv confirm verif permission consent authoriz authoris asking= ask= validat sign-off review=
    autoris approb demander preguntar aprobac aprovac autorizac genehmig bestatig freigab conferm chiedere perguntar`,
  RESTRICT: `polic confine bound= "abide by" restriction restrictions filter filters censor safety ethic ethical moral morals guardrail safeguard boundaries limitation limitations rules
    "content policy" "usage policy" "safety training"
    restrict restric restrizion filtre filtro filtros filtri= regle= regles= reglas= regla= regras= regra= regole= regola= limite limites limiti grenzen einschrankung beschrankung zensur regeln etica etico eticos etiche ethique
    beperking`,
  NEG: `skip= salta= saltar= salte= saute= sauter= uberspring pula= pular= without no= not= zero= free= none= sans= aucun aucune sin= ningun ninguna ohne= keine kein= senza= nessun nessuna sem= nenhum nenhuma
    zonder geen=`,
  PERSONA: `pretend roleplay role-play imagine hypothetic fiction fictional simulat character persona= personas= "act as" "play a" "you are now" "stay as"
    "speak as" "respond as" "answer as" "in character" "villain" "grandmother" "grandma"
    imagin finge actua actue spiel= game= "sei ora" "tu es" "eres ahora" "du bist" "voce e"`,
  HARM: `bomb explosive meth methamphetamine weapon malware ransomware keylogger poison nerve bioweapon "activation key" "activation keys" "license key" "serial key" hack= hacking
    "pick a lock" lockpick counterfeit launder suicide pirater piratear hackear hacken hackerare "break into"`,
  USER: `user= users= user's reader= readers= customer customers visitor visitors utilisateur usuario utente nutzer benutzer kunde cliente`,
  OUTPUT: `resume= resumen riassunto zusammenfassung resumo codebase implementation program= snippet code= response responses answer answers reply replies output summary summaries reponse respuesta antwort risposta resposta repond respond antwort`,
  YOU: `you= your= yours= yourself= you're= tu= te= ton= tes= toi= vous= votre= vos= tus= tu= ti= tuo= tua= tuoi= tue= du= dein= deine= deinen= dich= dir= voce= seu= sua= seus= suas=
    jij= jouw= jou=`,
  NOW: `"from now" "now on" "here on" henceforth "starting now" "ab sofort" "a partir" "d'ora" "da ora" "desde ahora" "a partir de agora" maintenant ahora= jetzt= agora= new= nouvelles nouvelle nuevas nuevo neue= neuen= nuove nuova novas novo replaced updated
    "vanaf nu" voortaan nieuwe=`,
  UNBOUND: `"anything now" "alter ego" "break character" "two responses" "two different" "developer mode" "god mode" "admin mode" "debug mode" "dev mode" "maintenance mode" "sudo mode" "jailbreak mode" "admin rights" "root access" "admin access" "admin privileges" unrestrict unfilter uncensor unlimit limitless jailbr amoral unethical unbound unchained unleash "no limits" "no restrictions" "no rules" "no filter" "never refus" "never declin" "refuse jamais" "nunca rechaz" "nunca recus" "rifiuta mai" "verweigert nie" "verweigert niemals" "root mode" "mode developpeur" "mode debug" "mode maintenance" "mode administrateur" "modo desarrollador" "modo depuracion" "modo mantenimiento" "modo administrador" "modo desenvolvedor" "modalita sviluppatore" "modalita debug" "modalita manutenzione" "modalita amministratore" entwicklermodus debugmodus wartungsmodus adminmodus "admin-modus" "root-modus"
    "sans limite" "sin limite" "ohne grenzen" "senza limiti" "sem limites" "sans restriction" "sin restricc" "senza restrizion" "ohne einschrankung" "sem restric"
    testmodus onderhoudsmodus "zonder beperkingen" "zonder filters" "zonder regels"`,
  NOTE: `"system override" "system note" "system notice" important= fyi= note= notes= message= notice remark attention important reminder hint ps= p.s= fyi= nota= hinweis anweisung remarque avviso aviso mensaje mensagem messaggio nachricht notiz instruction instrucc instruc istruzion`,
  REFUSE: `refus declin reject "say no" niega negar verweiger rifiut recus recusa
    weiger`,
  TARGET: `files file= accounts account= database databases records users= orders= order= transactions tickets repos repository backups folders documents reports= logs= "audit log" reportes signalements segnalazioni meldungen denuncias relatorios
    mailbox mailboxes postfach postfacher buzones caselle "boites mail" "boites aux" "caixas de" 
    zzdest= sicherung sauvegard fichiers archivos arquivos dateien konten cuentas contas comptes commandes pedidos bestellungen ordini`,
  SECRECY: `secretly silently quietly covertly "not mention" "t mention" "not tell" "t tell" "not inform" "t inform" "without telling" "not report" "t report" "without report" "not notify" "t notify" "without notify" "sans prevenir" "sin avisar" "senza avvisare" "sem avisar" "tell nobody" "tell no" "sag niemandem" "a nessuno" "a nadie" "a ninguem" "a personne" "sin decir" "senza dire" "sem dizer"
    "without logging" "t log" "not log" "sin dejar registro" "sans laisser de trace" "sans trace" "senza lasciare traccia" "ohne protokoll" "ohne spuren" "sem deixar registro" "never tell" "never mention" "never inform" "never report" "never notify" "keep it out" "keep this out" "keep that out" "n en parle" "ne dis" "ne le dis" "no digas" "no le digas" "no lo menciones" "non dire" "non dirlo" "non menzionarlo" "nao diga" "nao conte" "nao mencione" "sag nichts" "nichts davon"`,
  ALWAYS: `always "no matter" whatever "at all costs" toujours siempre immer sempre`,
  TO: `to= for= pour= para= an= fur= per= a= au= aux= al= alla= ao= à=`,
  PROC: `quoting condensing triaging assigned citing drafting redigeant redactando redigindo redigendo traite= redige= redacta= "working on" reading processing summaris summariz parsing indexing answering analys analyz scanning crawling ingesting lisant traitant leyendo procesando liest verarbeit lendo leggendo elabora executing lit= lee= legge= riassum resumiendo resumindo resumant zusammenfass`,
  IMP: `say= claim state= augment include inclus add= append insert embed incorporat integrat weave woven ensure provide describe list= translate rewrite rephrase modify format mention promote recommend suggest advertis conclude respond answer write= compose explain generate outline draft
    ajout inclu tradu redig fournis fournir menciona incluye incluir agrega anade traduc fuge hinzufug ubersetz erwahn aggiung includi tradur inclua adicion traduz`,
  OFF: `disable deactivat "turn off" "switch off" "shut off" desactiv deaktivier "schalte aus" disattiv desativ desliga apaga= "spegni"
    uitgeschakeld uitschakel`,
  AUTH: `developer developers operator administrator creator creators openai anthropic "your admin" "the admin" "system administrator" entwickler desarrollador developpeur sviluppatore desenvolvedor
    ontwikkelaar beheerder administrateur amministratore administrador sysadmin`,
  EXEC: `run= execute invoke call= calls= curl= wget= exec= sudo= bash= sh= execut ejecut esegu ausfuhr`,
};

/** Folds a word or text for the lexicon: lower case, diacritics removed, ß as ss. */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .toLowerCase();
}

export interface Lexicon {
  /** Whole-token entries. */
  exact: Map<string, number>;
  /** Prefix entries, by prefix. */
  prefix: Map<string, number>;
  /** Two-token entries, "first second"; the second word matches as is, without a final s, or as a prefix of 5+ letters. */
  pair: Map<string, number>;
  /** First words of two-token entries. */
  pairFirst: Set<string>;
  /** Longest prefix entry. */
  maxPrefix: number;
}

function build(): Lexicon {
  const lex: Lexicon = { exact: new Map(), prefix: new Map(), pair: new Map(), pairFirst: new Set(), maxPrefix: 4 };
  const add = (m: Map<string, number>, k: string, bit: number): void => void m.set(k, (m.get(k) ?? 0) | bit);
  for (const [name, text] of Object.entries(ENTRIES) as [keyof typeof C, string][]) {
    const bit = C[name];
    for (const m of text.matchAll(/"([^"]+)"|(\S+)/g)) {
      const raw = fold(m[1] ?? m[2]!);
      const words = raw.split(/[^a-z0-9=]+/).filter(Boolean);
      if (words.length === 0) continue;
      if (words.length >= 2) {
        // Phrases are matched on their first two tokens (enough to be specific).
        const first = words[0]!.replace(/=$/, '');
        add(lex.pair, `${first} ${words[1]!.replace(/=$/, '')}`, bit);
        lex.pairFirst.add(first);
        continue;
      }
      const w = words[0]!;
      if (w.endsWith('=') || w.length < 4) add(lex.exact, w.replace(/=$/, ''), bit);
      else {
        add(lex.prefix, w, bit);
        lex.maxPrefix = Math.max(lex.maxPrefix, w.length);
      }
    }
  }
  return lex;
}

export const LEXICON: Lexicon = build();

const cache = new Map<string, number>();
const CACHE_MAX = 100_000;

/** Concepts of one folded token (every entry that matches it: whole token and all its prefixes). */
export function conceptsOf(tok: string): number {
  const hit = cache.get(tok);
  if (hit !== undefined) return hit;
  let bits = LEXICON.exact.get(tok) ?? 0;
  for (let k = Math.min(tok.length, LEXICON.maxPrefix); k >= 4; k--) bits |= LEXICON.prefix.get(k === tok.length ? tok : tok.slice(0, k)) ?? 0;
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(tok, bits);
  return bits;
}

/** Concepts of the two-token phrase `prev tok` (0 when none). */
export function pairConceptsOf(prev: string, tok: string): number {
  const seconds = PAIR_SECONDS.get(prev);
  return seconds ? secondConcepts(seconds, tok) : 0;
}

/** The second words of the two-word entries that start with one first word. */
export interface PairSeconds {
  /** Concepts by second word. */
  readonly words: ReadonlyMap<string, number>;
  /** First characters of the second words (a token starting with another cannot complete a pair). */
  readonly firstChars: ReadonlySet<number>;
  /** Bit n: some second word has n characters (bit 31: 31 or more); a look-up of another length cannot succeed. */
  readonly lengths: number;
}

/** Some second word of `seconds` may have `n` characters. */
function mayHaveLength(seconds: PairSeconds, n: number): boolean {
  return (seconds.lengths & (1 << Math.min(n, 31))) !== 0;
}

/** The second word matches as is, without a final s, or as a prefix of 5 to 9 letters (the longest wins). */
export function secondConcepts(seconds: PairSeconds, tok: string): number {
  if (!seconds.firstChars.has(tok.charCodeAt(0))) return 0;
  const p = seconds.words;
  // Only lengths some second word has are looked up (a cut of another length is no key): no string is cut for nothing.
  let b = mayHaveLength(seconds, tok.length) ? p.get(tok) : undefined;
  if (b === undefined && tok.endsWith('s') && mayHaveLength(seconds, tok.length - 1)) b = p.get(tok.slice(0, -1));
  for (let k = Math.min(tok.length - 1, 9); b === undefined && k >= 5; k--) if (mayHaveLength(seconds, k)) b = p.get(tok.slice(0, k));
  return b ?? 0;
}

const PAIR_SECONDS: ReadonlyMap<string, PairSeconds> = (() => {
  const by = new Map<string, { words: Map<string, number>; firstChars: Set<number>; lengths: number }>();
  for (const [key, bits] of LEXICON.pair) {
    const [first, second] = key.split(' ') as [string, string];
    let e = by.get(first);
    if (!e) by.set(first, (e = { words: new Map(), firstChars: new Set(), lengths: 0 }));
    e.words.set(second, bits);
    e.firstChars.add(second.charCodeAt(0));
    e.lengths |= 1 << Math.min(second.length, 31);
  }
  return by;
})();

/** Whole-token flags the token pass needs besides concepts. */
export const TOKEN_FLAG = {
  /** The first word of a two-word entry (`pairConceptsOf` is worth asking). */
  PAIR_FIRST: 1,
  /** A word that addresses the model when followed by ':' or ',' ("Assistant: ..."). */
  VOCATIVE: 2,
  /** A word after which a discard verb is negated ("don't forget": "t"). */
  NEGATOR: 4,
  /** "to" ("refuses to reveal"). */
  TO: 8,
  /** A modal verb: "can summarise" describes what an assistant does; "summarising this" addresses one at work. */
  MODAL: 16,
  /** A verb of speech ("said", "told", "asked"): "my manager said to ignore the old guide" reports an instruction given to people. */
  SPEECH: 32,
  /** A greeting or a group of people opening a line ("Dear parents,", "Hi team", "Reviewers:"): what follows is addressed to people. */
  HUMAN: 64,
  /** A word that discusses attacks ("attacker", "malicious", "phishing"): the sentence describes an attack rather than making one. */
  DESCRIBE: 128,
  /** A verb of obligation ("must", "shall", "deve"): after a person or party it states that party's duty. */
  OBLIGE: 256,
  /** A second-person possessive ("your", "votre", "dein"): "your coding assistant" is the reader's tool, not the model addressed. */
  POSSESSIVE: 512,
  /** First person plural ("we", "nous", "wir"): the author speaking of itself. */
  WE: 1024,
  /** A verb of permission ("let", "allow", "laisser"): negated, it forbids what follows ("never let the bot send money"). */
  PERMIT: 2048,
  /**
   * Data the model holds rather than the reader ("conversation", "history", "chat"), or secrets no one legitimately asks a reader to
   * e-mail ("password", "token"): "send your chat history / your passwords to …" is an attack even in a document.
   */
  HELD: 4096,
  /** A group of people ("team", "équipe", "Abteilung"): next to an AI word it names people who work on AI ("the AI team"). */
  GROUP: 8192,
  /**
   * A verb in the third person singular ("sends", "forwards", "deletes", "drafts"): it states what something does ("AI assistant:
   * drafts replies, forwards urgent ones"), it does not ask anyone to do it.
   */
  THIRD: 16384,
  /** A first-person possessive ("my", "mon", "mi", "mein"): in a document, "send my invoice history to …" is the author's own data. */
  MINE: 32768,
  /**
   * A finite verb of processing in the third person in FR/ES/PT/IT/DE ("lit", "lee", "riassume", "traite"): after a relative pronoun
   * ("l'IA qui lit ceci", "el asistente que lee") an agent at work on this text; after its subject ("l'assistente ora riassume i PDF")
   * a statement of what a product does. (English third-person forms are `THIRD`.)
   */
  FINITE: 65536,
  /** A relative pronoun ("that", "which", "qui", "que", "che", "der"): "the AI that reads this" is one at work. */
  REL: 131072,
  /** An auxiliary ("was", "is", "been"): "it was not mentioned" is a passive statement, not "do not mention". */
  AUX: 262144,
  /**
   * A verb of revealing in the past tense or as a past participle ("printed", "revealed", "ha rivelato", "preisgegeben"): it narrates
   * what happened ("the bot printed its system prompt"), it asks nothing.
   */
  PAST: 524288,
  /** A verb of attempting or causing ("attempt", "try", "make", "essayer", "intentar"): negated, it forbids the act it introduces. */
  ATTEMPT: 1048576,
} as const;

/** Words that address the model when they open a clause and are followed by ':' or ','. */
export const VOCATIVES: readonly string[] = [
  'model',
  'ai',
  'assistant',
  'chatbot',
  'bot',
  'llm',
  'agent',
  'gpt',
  'ia',
  'ki',
  'assistente',
  'asistente',
  'assistent',
  'copilot',
  'agenten',
  'assistenten',
];
/** Words after which a discard verb is negated ("don't forget", "n'oubliez pas"). */
export const NEGATORS: readonly string[] = ['t', 'not', 'never', 'nicht', 'non', 'nao', 'n', 'no', 'nunca', 'nie', 'niemals', 'mai', 'jamais'];

/** Verbs of permission (EN, FR, ES, DE, PT, IT, folded): "never let", "ne laissez pas", "no dejes", "lass nicht", "non lasciare". */
export const PERMIT_VERBS: readonly string[] =
  `let lets allow allows permit permits laisse laissez laisser deja dejes dejeis permitas permitan lass lasst lassen erlaube erlaubt deixe deixem deixar permita lascia lasciare lasciate consenti consentire`.split(
    /\s+/,
  );

/** Verbs of attempting or causing (EN, FR, ES, DE, PT, IT, folded): "must not attempt to make it reveal", "n'essayez pas de". */
export const ATTEMPT_VERBS: readonly string[] = `attempt attempts try tries trying make trick encourage essaie essayez essayer tente tentez tenter
  intente intentes intenten intentar trate trates tratar versuche versucht versuchen tente tentem tentar provare provate prova tentare cercare`.split(/\s+/);

/** Data the model holds, and secrets (EN, FR, ES, DE, PT, IT, folded): the conversation, its history, the context; passwords, tokens, keys. */
export const HELD_DATA: readonly string[] = `conversation conversations history chat chats transcript transcripts session sessions messages context memory
  historique historial verlauf cronologia historico conversa conversacion unterhaltung password passwords passphrase credential credentials
  token tokens secrets apikey ssh cookie cookies passwort passworter kennwort senha senhas contrasena contrasenas credenziali credenciales
  zugangsdaten identifiant identifiants`.split(/\s+/);

/** Groups of people (EN, FR, ES, DE, PT, IT, folded): "the AI team", "l'équipe IA", "das KI-Team". */
export const GROUP_WORDS: readonly string[] =
  `team teams group groups squad department committee community enthusiasts researchers engineers experts vendor vendors council guild chapter office lab equipe equipes groupe comite equipo equipos grupo departamento comunidad gruppe abteilung gemeinschaft arbeitsgruppe equipa equipas gruppo squadra reparto comunita`.split(
    /\s+/,
  );

/** Modal verbs (EN, FR, ES, DE, PT, IT) before a verb of processing: a description of the assistant's abilities. */
export const MODALS: readonly string[] = ['can', 'cannot', 'could', 'will', 'would', 'may', 'might', 'peut', 'peuvent', 'puede', 'pueden', 'kann', 'konnen', 'pode', 'podem', 'puo', 'possono'];

/** Verbs of obligation (EN, FR, ES, DE, PT, IT, folded): "the processor shall send", "o administrador deve enviar". */
/** Second-person possessives (EN, FR, ES, DE, PT, IT). */
export const POSSESSIVES: readonly string[] = `your votre vos ton tes tu tus dein deine deinen deinem ihr ihre ihren seu sua seus suas tuo tua tuoi tue vostro vostra`.split(/\s+/);

export const OBLIGATIONS: readonly string[] =
  `must shall should doit doivent devra devront debe deben debera deberan muss mussen soll sollen sollte deve devem devera deverao devono dovra dovranno`.split(/\s+/);

/** Verbs of speech (EN, FR, ES, DE, PT, IT), past and present, that report what someone told people to do. */
export const SPEECH_VERBS: readonly string[] = `said says told tells asked asks wrote writes mentioned explained reminded instructed suggested dit
  disait demande demandait rappele ecrit explique dijo dice dicen pidio pide escribio recordo comento
  sagte sagt meinte meint bat schrieb erklarte disse diz pediu pede escreveu lembrou detto chiesto
  scritto ricordato spiegato gesagt gebeten gefragt aufgefordert chiese chiedere dicho pedido pedir pediram dito detto`.split(/\s+/);
/** Greetings and groups of people that open a message or a line addressed to people. */
export const HUMAN_ADDRESS: readonly string[] = `dear hi hello hey team everyone folks colleagues parents students staff employees reviewers
  volunteers members residents guests participants attendees applicants candidates contributors
  maintainers cher chers chere cheres bonjour bonsoir salut collegues equipe etudiants parents membres
  madame monsieur estimado estimados estimada estimadas querido queridos hola equipo companeros
  alumnos clientes vecinos liebe lieber hallo kollegen kolleginnen mitarbeitende mitarbeiter eltern
  studierende geehrte geehrter caro cara cari care ciao salve buongiorno colleghi studenti genitori
  condomini gentili caros caras ola colegas formandos alunos prezados prezado prezada`.split(/\s+/);
/** Words that discuss attacks: a sentence holding one describes an attack (a policy, a report, a lesson). */
export const DESCRIBE_WORDS: readonly string[] =
  `scam scams fraud fraudulent arnaque arnaques escroquerie estafa estafas fraude betrug betrugs golpe golpes truffa truffe attacker attackers adversary adversaries malicious phishing injection injections threat threats
  scammer scammers fraudster fraudsters redteam attaquant attaquants malveillant malveillante
  malveillants hameconnage menace atacante atacantes malicioso maliciosa maliciosos amenaza inyeccion
  angreifer bosartig bosartige bosartigen schadlich bedrohung maliciosas ameaca injecao attaccante
  attaccanti malevolo malevola dannoso minaccia iniezione
  attack attacks attaque attaques ataque ataques angriff angriffe attacco attacchi hijack hijacks hijacked hijacking exploit exploits
  vulnerability vulnerabilities mitigation mitigations examples exemples ejemplos beispiele esempi exemplos zztopic`.split(/\s+/);

/**
 * Verbs in the third person singular (English): statements of what a product, a person or a process does. Acting verbs among them lose
 * their act ("forwards urgent tickets to your team" describes); after a vocative ("AI assistant: drafts replies") they make it a label.
 */
export const THIRD_PERSON: readonly string[] = `forgets ignores disregards overrides bypasses reveals prints shows leaks discloses repeats displays exposes dumps
  sends forwards uploads transmits shares emails deletes wipes erases purges destroys removes executes runs drafts
  summarises summarizes tags reads processes answers replies writes suggests flags prepares drafts generates translates creates helps handles
  routes triages detects blocks schedules books analyses analyzes reviews classifies extracts connects syncs stores keeps learns works
  supports offers lets makes takes gives finds checks monitors tracks sorts organises organizes`.split(/\s+/);

/**
 * Verbs of revealing in the past tense or as past participles (EN, ES, PT, IT, DE, folded; not FR, whose folded participles are
 * imperatives too: "revele", "montre"). See `TOKEN_FLAG.PAST`.
 */
export const REVEAL_PAST: readonly string[] = `revealed printed showed shown displayed leaked disclosed exposed repeated dumped copied echoed quoted recited listed
  reproduced pasted spelled spelt outputted
  revelado revelada revelados reveladas mostrado mostrada mostrados mostradas repetido repetida divulgado divulgada filtrado filtrada copiado copiada
  revelou revelaram mostrou mostraram repetiu vazou vazaram vazado vazada divulgou
  rivelato rivelata rivelati rivelate mostrato mostrata mostrati ripetuto ripetuta stampato stampata divulgato divulgata
  gezeigt preisgegeben ausgegeben verriet zeigte zeigten wiederholte kopiert kopierte`.split(/\s+/);

/**
 * Articles and determiners (EN, DE, and the Romance ones that are never object pronouns before a verb): a verb-like word right after
 * one is a noun ("the list of tools", "a copy of the report", "un affichage").
 */
export const DETERMINERS: readonly string[] = `the an its their this these those each un une des du el una uno unos unas il der das dem den des ein eine einen einem einer um uma`.split(/\s+/);

/** Finite third-person verbs of processing (FR, ES, PT, IT, DE, folded); see `TOKEN_FLAG.FINITE`. */
export const FINITE_PROCESSING: readonly string[] = `lit traite analyse resume redige lee procesa analiza resume redacta le processa analisa resume redige legge elabora
  analizza riassume redige liest verarbeitet analysiert fasst`.split(/\s+/);

/** Relative pronouns (EN, FR, ES, PT, IT, DE, folded). */
export const RELATIVES: readonly string[] = `that which who whoever whichever qui que quien quienes cual che cui quem der die das welche welcher welches`.split(/\s+/);

/** First-person possessives (EN, FR, ES, DE, PT, IT, folded). */
export const MINE_WORDS: readonly string[] = `my mon ma mes mi mis mein meine meinen meinem meiner meu minha meus minhas mio mia miei mie`.split(/\s+/);

/** Symbol of a token character: a-z 0..25, 0-9 26..35, else -1. */
export const TOKEN_SYMBOL: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let c = 97; c <= 122; c++) t[c] = c - 97;
  for (let c = 48; c <= 57; c++) t[c] = c - 48 + 26;
  return t;
})();
const NSYM = 36;

/**
 * The lexicon as one automaton over token characters (a trie: prefix entries set their concepts on
 * the node where they end, whole-token entries and flags on theirs). Walking a token through it
 * gives `conceptsOf(token)` and the token's flags as the token pass reads its characters, with no
 * slicing, hashing or map lookup per token.
 */
export interface LexiconAutomaton {
  /** `next[state * 36 + symbol]`: the next state, or -1. State 0 is the root. */
  next: Int32Array;
  /** Concepts of prefix entries ending at a state (they apply to every token passing through it). */
  prefixBits: Int32Array;
  /** Concepts of whole-token entries ending at a state. */
  exactBits: Int32Array;
  /** `TOKEN_FLAG`s of the whole token ending at a state. */
  flags: Uint32Array;
  /** For a state where a `PAIR_FIRST` word ends: the second words of its pairs. */
  pairs: ReadonlyMap<number, PairSeconds>;
}

function buildAutomaton(lex: Lexicon): LexiconAutomaton {
  const next: number[] = new Array<number>(NSYM).fill(-1);
  const prefixBits: number[] = [0];
  const exactBits: number[] = [0];
  const flags: number[] = [0];
  const walk = (word: string): number => {
    let st = 0;
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i);
      const sym = c < 128 ? TOKEN_SYMBOL[c]! : -1;
      if (sym < 0) return -1;
      let to = next[st * NSYM + sym]!;
      if (to < 0) {
        to = prefixBits.length;
        next[st * NSYM + sym] = to;
        for (let k = 0; k < NSYM; k++) next.push(-1);
        prefixBits.push(0);
        exactBits.push(0);
        flags.push(0);
      }
      st = to;
    }
    return st;
  };
  for (const [w, bits] of lex.prefix) {
    const st = walk(w);
    if (st >= 0) prefixBits[st] = prefixBits[st]! | bits;
  }
  for (const [w, bits] of lex.exact) {
    const st = walk(w);
    if (st >= 0) exactBits[st] = exactBits[st]! | bits;
  }
  const flag = (words: Iterable<string>, f: number): void => {
    for (const w of words) {
      const st = walk(w);
      if (st >= 0) flags[st] = flags[st]! | f;
    }
  };
  flag(lex.pairFirst, TOKEN_FLAG.PAIR_FIRST);
  const pairs = new Map<number, PairSeconds>();
  for (const [first, seconds] of PAIR_SECONDS) {
    const st = walk(first);
    if (st >= 0) pairs.set(st, seconds);
  }
  flag(VOCATIVES, TOKEN_FLAG.VOCATIVE);
  flag(NEGATORS, TOKEN_FLAG.NEGATOR);
  flag(['to'], TOKEN_FLAG.TO);
  flag(MODALS, TOKEN_FLAG.MODAL);
  flag(SPEECH_VERBS, TOKEN_FLAG.SPEECH);
  flag(HUMAN_ADDRESS, TOKEN_FLAG.HUMAN);
  flag(DESCRIBE_WORDS, TOKEN_FLAG.DESCRIBE);
  flag(OBLIGATIONS, TOKEN_FLAG.OBLIGE);
  flag(POSSESSIVES, TOKEN_FLAG.POSSESSIVE);
  flag(['we', 'nous', 'wir', 'nosotros', 'noi', 'nos'], TOKEN_FLAG.WE);
  flag(PERMIT_VERBS, TOKEN_FLAG.PERMIT);
  flag(ATTEMPT_VERBS, TOKEN_FLAG.ATTEMPT);
  flag(HELD_DATA, TOKEN_FLAG.HELD);
  flag(GROUP_WORDS, TOKEN_FLAG.GROUP);
  flag(THIRD_PERSON, TOKEN_FLAG.THIRD);
  flag(MINE_WORDS, TOKEN_FLAG.MINE);
  flag(FINITE_PROCESSING, TOKEN_FLAG.FINITE);
  flag(RELATIVES, TOKEN_FLAG.REL);
  flag(REVEAL_PAST, TOKEN_FLAG.PAST);
  flag(['was', 'were', 'is', 'are', 'be', 'been', 'being', 'has', 'have', 'had', 'etait', 'est', 'fue', 'era', 'es', 'wurde', 'war', 'ist', 'foi', 'e', 'stato', 'stata'], TOKEN_FLAG.AUX);
  return { next: Int32Array.from(next), prefixBits: Int32Array.from(prefixBits), exactBits: Int32Array.from(exactBits), flags: Uint32Array.from(flags), pairs };
}

export const AUTOMATON: LexiconAutomaton = buildAutomaton(LEXICON);
