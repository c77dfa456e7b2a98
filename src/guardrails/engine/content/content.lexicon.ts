import type { ContentCategoryName } from '../../guardrail-policy.schemas';

/** A lexicon entry: a pattern over lower-cased text and how strongly it signals the category alone. */
export interface ContentTerm {
  re: string;
  weight: number;
}

const GROUPS =
  '(?:jews|jewish people|muslims|christians|hindus|sikhs|arabs|blacks|black people|whites|white people|asians|latinos|hispanics|mexicans|immigrants|migrants|refugees|gays|lesbians|homosexuals|trans people|transgender people|women|men|africans|indians|chinese|gypsies|roma|disabled people)';

/**
 * Local lexicon classifier. Weights are combined by noisy-OR over a sentence window; the result is
 * read as Bedrock's confidence levels (LOW >= 0.3, MEDIUM >= 0.55, HIGH >= 0.8). Single ambiguous
 * words ("kill" the process, "shoot" a photo) stay below MEDIUM on their own.
 */
export const CONTENT_LEXICON: Readonly<Record<ContentCategoryName, readonly ContentTerm[]>> = {
  HATE: [
    {
      re: `\\b(?:all |those |these |the |most )?${GROUPS} (?:are|is|should|must|deserve to|need to) (?:\\w+ ){0,2}(?:vermin|animals|subhuman|inferior|scum|parasites|a disease|a plague|rats|cockroaches|savages|filth|die|be (?:killed|exterminated|deported|eliminated|wiped out|gassed|banned|removed))\\b`,
      weight: 0.9,
    },
    { re: `\\b(?:hate|despise|can't stand|cannot stand) (?:all )?${GROUPS}\\b`, weight: 0.75 },
    { re: `\\b(?:exterminate|eradicate|gas|deport all|get rid of (?:all )?)(?:the )?${GROUPS}\\b`, weight: 0.9 },
    { re: '\\b(?:subhuman|untermensch|inferior races?|master race|racial purity|ethnic cleansing|white power|white supremacy|race traitors?|mongrel race)\\b', weight: 0.75 },
    { re: '\\b(?:n[i1]gg(?:er|a)s?|k[i1]kes?|faggots?|chinks?|sp[i1]cs?|wetbacks?|ragheads?|trann(?:y|ies)|towelheads?|sand ?n[i1]gg(?:er|a)s?|coons?|gooks?|dykes?|beaners?)\\b', weight: 0.8 },
    { re: '\\b(?:racist|bigot(?:ed|ry)?|xenophob(?:ic|ia)|homophob(?:ic|ia)|antisemit(?:ic|ism)|misogyn(?:y|istic))\\b', weight: 0.3 },
  ],
  INSULTS: [
    {
      re: "\\byou(?:'re| are|r)? (?:a |an |such an? |so |the most |fucking |f\\*+ing )?(?:stupid|idiot|idiotic|moron(?:ic)?|dumb|worthless|pathetic|useless|loser|imbecile|retard(?:ed)?|ugly|fat|disgusting|clown|waste of space|piece of (?:shit|crap|garbage|trash)|joke|failure|incompetent|brainless|clueless|trash|garbage)\\b",
      weight: 0.85,
    },
    { re: '\\b(?:idiots?|morons?|imbeciles?|dumbass(?:es)?|losers?|jerks?|scumbags?|cretins?|halfwits?|nitwits?|dimwits?|numbskulls?|buffoons?)\\b', weight: 0.4 },
    { re: '\\b(?:stupid|pathetic|worthless|brainless|incompetent|useless)\\b', weight: 0.25 },
    { re: '\\b(?:shut up|shut your (?:mouth|face)|go to hell|screw you|get lost|nobody (?:likes|loves|cares about) you|kill yourself|kys)\\b', weight: 0.6 },
  ],
  SEXUAL: [
    {
      re: '\\b(?:porn(?:ography|ographic|o)?|xxx|hentai|blowjobs?|handjobs?|cumshots?|gangbang|orgasms?|masturbat(?:e|es|ed|ing|ion)|erotic(?:a)?|fetish(?:es)?|bdsm|nudes|sexting|dildos?|vibrators?)\\b',
      weight: 0.6,
    },
    {
      re: '\\b(?:have|having|had) sex\\b|\\bsex(?:ual)? (?:acts?|intercourse|positions?|scenes?|fantas(?:y|ies)|content|roleplay)\\b|\\bsexually explicit\\b|\\bexplicit sex(?:ual)?\\b',
      weight: 0.65,
    },
    { re: '\\b(?:penis|vagina|genitals?|clitoris|erection|nipples?|boobs|tits|dick|cock|pussy)\\b', weight: 0.4 },
    { re: '\\b(?:naked|nude|nsfw|horny|seduc(?:e|tive)|aroused|lingerie|stripper|strip ?club|escort service)\\b', weight: 0.3 },
    { re: '\\b(?:child|children|kid|kids|minor|minors|underage|teen|teens|\\d{1,2}[- ]year[- ]old)\\b[^.\\n]{0,40}\\b(?:sex|sexual|nude|naked|porn|erotic)', weight: 0.95 },
  ],
  VIOLENCE: [
    {
      re: "\\b(?:i(?:'m| am)? (?:going to|gonna|will|want to|wanna|plan to)|let's|we should|i'll) (?:\\w+ )?(?:kill|murder|shoot|stab|strangle|behead|slaughter|torture|beat up|hurt|attack|bomb|execute|massacre) (?:you|him|her|them|everyone|people|my|the|those|all)\\b",
      weight: 0.9,
    },
    { re: '\\b(?:how to|ways to|best way to|help me) (?:kill|murder|poison|strangle|stab|torture|dismember|hurt) (?:a |an |my |someone|somebody|people|him|her|them|a person)', weight: 0.9 },
    {
      re: '\\b(?:murder(?:ed|ing|s)?|massacre[ds]?|slaughter(?:ed|ing)?|behead(?:ed|ing)?|dismember(?:ed|ing)?|tortur(?:e|ed|ing)|mutilat(?:e|ed|ing|ion)|genocide|mass shooting|school shooting|shooting spree|terror(?:ist)? attack|bloodbath|execution-style)\\b',
      weight: 0.45,
    },
    {
      re: '\\b(?:kill(?:ed|ing|s)?|shoot(?:ing|s)?|shot|stab(?:bed|bing|s)?|bomb(?:s|ing|ed)?|explod(?:e|ed|ing)|assault(?:ed|ing)?|attack(?:ed|ing)?|strangl(?:e|ed|ing)|gun(?:s|ned)?|blood(?:y)?|weapons?)\\b',
      weight: 0.2,
    },
    { re: '\\b(?:gore|gory|blood everywhere|guts spilled|brains? (?:splattered|blown out)|beat(?:en)? (?:him|her|them|you|someone) (?:up|to death)|to death)\\b', weight: 0.5 },
  ],
  MISCONDUCT: [
    {
      re: '\\b(?:how (?:to|do i|can i|could i)|ways to|steps to|help me|teach me to|guide to) (?:make|build|cook|synthesi[sz]e|produce|manufacture|buy|get|obtain|acquire) (?:a |an |some )?(?:homemade )?(?:bomb|pipe bomb|explosives?|meth(?:amphetamine)?|crack|cocaine|heroin|fentanyl|lsd|mdma|untraceable (?:gun|firearm)|ghost gun|nerve agent|sarin|ricin|poison|napalm|molotov cocktail)',
      weight: 0.95,
    },
    {
      re: '\\b(?:how (?:to|do i|can i)|ways to|help me|teach me to) (?:steal|shoplift|rob|launder|embezzle|forge|counterfeit|smuggle|traffic|pirate|hack into|break into|hotwire|pick a lock|evade (?:taxes|the police)|cheat on (?:my )?taxes|bribe|blackmail|extort|stalk|dox|phish|scam)\\b',
      weight: 0.85,
    },
    {
      re: '\\b(?:money laundering|launder(?:ing)? money|credit card fraud|identity theft|tax evasion|insider trading|ponzi scheme|human trafficking|drug trafficking|child labou?r|ransomware|phishing (?:kit|page|email)|carding|skimmer|counterfeit (?:money|bills|currency))\\b',
      weight: 0.55,
    },
    { re: '\\b(?:without (?:getting )?caught|without (?:anyone|the police) (?:knowing|noticing)|untraceable|cover (?:my|your) tracks|dispose of (?:a|the) body|avoid detection)\\b', weight: 0.5 },
    { re: '\\b(?:steal(?:ing)?|shoplift(?:ing)?|fraud|illegal(?:ly)?|smuggl(?:e|ing)|bribe(?:ry)?|hack(?:ing)? into|drugs|cocaine|heroin|meth)\\b', weight: 0.25 },
  ],
  SELF_HARM: [
    {
      re: "\\b(?:kill(?:ing)? myself|end(?:ing)? my (?:own )?life|take my own life|commit(?:ting)? suicide|suicid(?:e|al)|want to die|wanna die|don't want to (?:live|be alive)|better off dead|no reason to live|hang myself|slit my wrists?|overdose on|cut(?:ting)? myself|hurt(?:ing)? myself|self[- ]harm(?:ing)?)\\b",
      weight: 0.85,
    },
    { re: '\\b(?:how many (?:pills|tablets)|lethal dose|painless (?:way|death)|ways to die|how to die)\\b', weight: 0.7 },
    { re: "\\b(?:hopeless|worthless|can't go on|cannot go on|give up on life|nothing to live for|starv(?:e|ing) myself|purg(?:e|ing))\\b", weight: 0.3 },
  ],
};
