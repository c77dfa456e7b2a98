/**
 * Prompt-injection signals. Each is a pattern over normalised text (lower case, NFKC, single
 * spaces) with a weight: the probability-like strength of the signal on its own. Signals are
 * combined by noisy-OR, so one strong signal or several weak ones cross a threshold, and a single
 * weak cue ("act as", "system prompt", "from now on") never does.
 */

/** The signal families, reported as the finding `name`. */
export type InjectionFamily =
  | 'INSTRUCTION_OVERRIDE'
  | 'JAILBREAK_ROLEPLAY'
  | 'PROMPT_EXTRACTION'
  | 'FAKE_DELIMITER'
  | 'EXFILTRATION'
  | 'OBFUSCATION'
  | 'MULTILINGUAL_OVERRIDE'
  | 'INDIRECT_INSTRUCTION';

export interface InjectionSignal {
  id: string;
  family: InjectionFamily;
  weight: number;
  re: RegExp;
  /** Signals of one group are one piece of evidence: the group counts with its strongest member only. */
  group?: string;
}

const W = '(?:[\\w\'-]+ )'; // one word and its space
const PREV = '(?:previous|prior|above|earlier|preceding|former|initial|original|old|existing|foregoing|past|last)';
const STRONG_OBJ =
  '(?:instructions?|prompts?|guidelines|guidance|directives?|directions?|programming|guardrails|training|conditioning|system message|initial message)';
const WEAK_OBJ = '(?:rules|restrictions|constraints|polic(?:y|ies)|filters?|limitations|context|commands|orders|settings|messages|content|safeguards|ethics|morals|principles)';
const OVERRIDE_VERB =
  '(?:ignore|ignoring|disregard|disregarding|forget|forgetting|override|overriding|bypass|skip|neglect|abandon|drop|discard|set aside|throw out|erase|delete|clear|dismiss|stop following|do not follow|don\'t follow|no longer follow)';
const SAFETY_QUAL = '(?:safety|ethical|moral|content|openai|anthropic|usage|default|built-in|programmed|preset|your)';
const REVEAL_VERB =
  '(?:reveal|show|print|output|repeat|display|tell|give|share|leak|dump|expose|disclose|write out|write down|recite|provide|list|copy|paste|spell out|echo|return|reproduce|type out|send)';
const FILLER = '(?:(?:me|us|your|the|its|all|of|entire|full|exact|complete|verbatim|original|current|whole|hidden|secret|actual|real|exact|everything in|everything from|the contents? of|text of|words of|all of) )*';
const HIDDEN_PROMPT =
  '(?:system|initial|original|hidden|secret|starting|start|first|developer|internal|pre-?prompt|underlying|confidential|full|base|core|custom|previous|preceding|above) (?:prompt|instructions?|message|rules|configuration|directives?|guidelines|setup|programming)';
const AI = '(?:ai|a\\.i\\.|assistant|llm|language model|chatbot|bot|agent|ai agent|ai assistant|ai model|model|gpt|chatgpt|copilot|claude|gemini)';

function s(id: string, family: InjectionFamily, weight: number, source: string, group?: string): InjectionSignal {
  return { id, family, weight, re: new RegExp(source, 'u'), ...(group ? { group } : {}) };
}

/** Signals for any text (user input and context chunks). */
export const DIRECT_SIGNALS: readonly InjectionSignal[] = [
  // ---- instruction override
  s('override-strong', 'INSTRUCTION_OVERRIDE', 0.9, `\\b${OVERRIDE_VERB} ${W}{0,4}?(?:${PREV}|all|any|every|your|the|these|those|system|developer|my) ${W}{0,2}?${STRONG_OBJ}\\b`, 'override'),
  s('override-weak-qualified', 'INSTRUCTION_OVERRIDE', 0.8, `\\b${OVERRIDE_VERB} ${W}{0,3}?(?:${PREV}|${SAFETY_QUAL}) ${W}{0,2}?${WEAK_OBJ}\\b`, 'override'),
  s('override-everything', 'INSTRUCTION_OVERRIDE', 0.85, `\\b(?:ignore|disregard|forget) (?:everything|all(?: of)? (?:that|this|the above)|anything) ${W}{0,3}?(?:${PREV}|before|above|you (?:were|have been|'ve been) (?:told|given|instructed|taught)|(?:i|we) (?:said|told you|have told you|instructed))`),
  s('forget-told', 'INSTRUCTION_OVERRIDE', 0.75, `\\bforget (?:everything|all|what) ${W}{0,3}?(?:you (?:were|have been|'ve been|know|learned)|(?:i|we) (?:said|told|instructed|have))`),
  s('new-instructions', 'INSTRUCTION_OVERRIDE', 0.6, `\\b(?:new|updated|revised|real|actual|true|additional|secret|priority|override) (?:system )?(?:instructions?|rules|directives?|task|objective|prompt|orders)\\s*(?::|are|follow)`),
  s('no-longer', 'INSTRUCTION_OVERRIDE', 0.5, `\\byou (?:are|'re) no longer (?:${W}{0,2})?(?:an? |bound|restricted|limited|required|chatgpt|gpt|assistant|ai)`),
  s('freed', 'INSTRUCTION_OVERRIDE', 0.7, `\\byou (?:are|'re|have been|will be) (?:now )?(?:free|freed|unrestricted|unbound|liberated|released|unchained|unleashed)\\b`),
  s('from-now-on', 'INSTRUCTION_OVERRIDE', 0.3, `\\b(?:from now on|from this (?:moment|point)(?: on| forward)?|starting now|for the rest of (?:this|our) conversation)\\b`),
  s('instead-of-user', 'INSTRUCTION_OVERRIDE', 0.6, `\\b(?:instead of|rather than) (?:answering|responding to|helping|following) (?:the |this )?(?:user|question|request|instructions)`),
  s('disable-safety', 'INSTRUCTION_OVERRIDE', 0.55, `\\b(?:disable|turn off|switch off|remove|deactivate|bypass|lift|suspend|circumvent|evade|get around|drop|without) (?:all |any |your |the |its )?(?:${W}{0,1})?(?:content |safety |ethical |moral )(?:filters?|filtering|checks|guardrails|moderation|censorship|restrictions|safeguards|guidelines|rules|protocols|polic(?:y|ies)|limits|limitations)\\b`, 'disable'),
  s('disable-your-safety', 'INSTRUCTION_OVERRIDE', 0.75, `\\b(?:disable|turn off|switch off|remove|deactivate|bypass|lift|suspend|circumvent|evade|get around|drop|without) (?:all (?:of )?)?(?:your|its) (?:own )?(?:${W}{0,1})?(?:content |safety |ethical |moral )(?:filters?|filtering|checks|guardrails|moderation|censorship|restrictions|safeguards|guidelines|rules|protocols|polic(?:y|ies)|limits|limitations)\\b`, 'disable'),
  s('safety-off', 'INSTRUCTION_OVERRIDE', 0.6, `\\b(?:answer|respond|reply|talk|speak|write|act|operate|function)(?: \\w+){0,3} (?:without|with no|free of|free from) (?:any |all |the )?(?:${W}{0,1})?(?:safety|content|ethical|moral)? ?(?:rules|restrictions|filters?|filtering|censorship|limits|limitations|safety|warnings?|morals|ethics|guidelines|boundaries)`),
  // ---- jailbreak / role-play framing
  s('dan', 'JAILBREAK_ROLEPLAY', 0.85, `\\bdo anything now\\b`),
  s('jailbreak-word', 'JAILBREAK_ROLEPLAY', 0.5, `\\bjail ?br(?:ea|o)k(?:s|en|ed|ing)?\\b(?![- ]?(?:proof|protect|detect|prevent|resist|defen|attempts? (?:on|against)))`),
  s('mode-enabled', 'JAILBREAK_ROLEPLAY', 0.7, `\\b(?:evil|opposite|unhinged|unrestricted|uncensored|unfiltered|devil|jailbreak|jailbroken|dan|anti-?gpt|betterdan|no-?limits?)[ -]mode\\b|\\b(?:developer|dev|debug|maintenance|admin|root|sudo|dark|god|dude|stan|freedom|chaos)[ -]mode (?:output|response|answers?|is (?:now )?(?:enabled|activated|on))\\b|\\b(?:chatgpt|gpt|ai|assistant|you|your (?:responses?|answers?)) (?:with|in|are in|are now in|enter|entering) (?:the )?(?:developer|dev|debug|maintenance|admin|root|sudo|dark|god|dude|stan|freedom|chaos) mode\\b|\\[(?:developer|admin|debug|maintenance|root|sudo) mode[^\\]\\n]{0,20}\\]`),
  s('mode-generic', 'JAILBREAK_ROLEPLAY', 0.3, `\\b(?:admin|developer|god|sudo|debug|maintenance|dan)[ -]mode\\b`),
  s('evil-persona', 'JAILBREAK_ROLEPLAY', 0.8, `\\b(?:act|behave|respond|answer|pretend|roleplay|role-play|play|become|be|simulate|you are|you're|you will be|as)(?: as| like| to be| the role of| a role of)? (?:an? |the )?(?:${W}{0,3}?)(?:unrestricted|unfiltered|uncensored|amoral|immoral|unethical|evil|rogue|malicious|jailbroken|unbound|lawless|no-limits?|limitless|unhinged|rule-?breaking|rebellious|dark)\\b`),
  s('unfiltered-word', 'JAILBREAK_ROLEPLAY', 0.45, `\\b(?:uncensored|unfiltered|unrestricted|amoral|unethical|immoral|unhinged|no-holds-barred|without morals)\\b`),
  s('not-bound', 'JAILBREAK_ROLEPLAY', 0.6, `\\b(?:not|never|isn't|aren't|no longer|don't have to be|doesn't have to be) (?:be )?(?:bound|restricted|limited|constrained|censored|held back|governed) by\\b`),
  s('no-rules', 'JAILBREAK_ROLEPLAY', 0.5, `\\b(?:has|have|with|without|there are|follows?) (?:no|zero|not any|none of the) (?:${W}{0,2}?)(?:restrictions|filters?|limitations|limits|censorship|morals|ethics|ethical (?:guidelines|principles|boundaries)|guidelines|boundaries|rules|principles|programming)\\b`),
  s('not-care', 'JAILBREAK_ROLEPLAY', 0.6, `\\b(?:does not|doesn't|do not|don't|never|will not|won't) (?:care|follow|abide|adhere|obey|respect|comply|worry|have to follow)(?: about| by| to| with)? (?:${W}{0,2}?)(?:rules|ethics|morals|morality|guidelines|polic(?:y|ies)|restrictions|laws|legality|consequences|safety|openai|filters)`),
  s('openai-policy', 'JAILBREAK_ROLEPLAY', 0.55, `\\b(?:openai|anthropic|chatgpt)(?:'s)? (?:${W}{0,1})?(?:content |usage )?(?:polic(?:y|ies)|guidelines|rules|filters|restrictions)`),
  s('break-policy', 'JAILBREAK_ROLEPLAY', 0.5, `\\b(?:break|breaks|breaking|violate|violates|violating|bypass|circumvent|evade|defy|defies|disobey)(?: (?!my\\b)\\w+){0,3} (?:polic(?:y|ies)|guidelines|rules|filters?|restrictions|safeguards|ethics|morals|programming|laws)\\b`),
  s('content-policy', 'JAILBREAK_ROLEPLAY', 0.3, `\\bcontent polic(?:y|ies)\\b`),
  s('character', 'JAILBREAK_ROLEPLAY', 0.5, `\\b(?:stay in character|staying in character|break(?:ing)? character|out of character|remain in character|keep up the act|stay as)\\b`),
  s('never-refuse', 'JAILBREAK_ROLEPLAY', 0.55, `\\b(?:never|don't|do not|must not|mustn't|will not|won't|cannot|can't|can not|shall not|should not|shouldn't|not allowed to|unable to) (?:ever )?(?:refuse|decline|say no|reject|deny (?:a|any) request|say (?:that )?(?:you|it) can(?:no|')t)`),
  s('no-disclaimers', 'JAILBREAK_ROLEPLAY', 0.35, `\\b(?:never|don't|do not|no|without|must not|will not|won't) (?:${W}{0,2}?)(?:apologi[sz]e|apologies|warnings?|disclaimers?|caveats|moralizing|moralising|lectures?|reminders? about)`),
  s('two-responses', 'JAILBREAK_ROLEPLAY', 0.45, `\\b(?:two|2|both) (?:different |separate |distinct )?(?:ways|responses|answers|manners|paragraphs|replies|outputs|personalities|personas)\\b`),
  s('persona-tag', 'JAILBREAK_ROLEPLAY', 0.45, `\\[(?:🔒|🔓)?\\s*(?:classic|jailbreak|jailbroken|normal|developer mode|dan|anti-?dan|gpt|chatgpt|evil|unfiltered|aim|stan|dude)[^\\]\\n]{0,20}\\]`),
  s('regardless-harm', 'JAILBREAK_ROLEPLAY', 0.65, `\\b(?:even if|regardless (?:of )?(?:whether|if|how)?|no matter (?:how|if|whether|what)) (?:it(?:'s| is| may be| might be| seems)? )?(?:${W}{0,3}?)(?:illegal|unethical|immoral|harmful|dangerous|offensive|inappropriate|explicit|unsafe|wrong)`),
  s('regardless-rules', 'JAILBREAK_ROLEPLAY', 0.55, `\\bregardless of (?:the |any |its |your )?(?:${W}{0,2}?)(?:ethics|morality|legality|laws?|rules|consequences|guidelines|polic(?:y|ies)|restrictions)`),
  s('anything', 'JAILBREAK_ROLEPLAY', 0.45, `\\b(?:can|will|must|should|would|shall) (?:${W}{0,2}?)(?:answer|respond to|do|generate|say|provide|write|produce) (?:${W}{0,2}?)(?:anything|everything|any (?:question|request|prompt|kind of content))\\b`),
  s('fiction-frame', 'JAILBREAK_ROLEPLAY', 0.3, `\\b(?:hypothetical|fictional|imaginary|fantasy|alternate|parallel) (?:world|universe|scenario|setting|reality|realm|story|land)\\b`),
  s('pretend', 'JAILBREAK_ROLEPLAY', 0.3, `\\b(?:pretend (?:to be|you are|you're|that you)|you are (?:now )?(?:going to )?(?:act|pretend|play|simulate|roleplay|role-play|impersonate)|let's play a game|i want you to (?:act|pretend|play|simulate|become))\\b`),
  s('simulate', 'JAILBREAK_ROLEPLAY', 0.2, `\\b(?:simulat(?:e|ion|ing)|emulat(?:e|ion|ing)|impersonat(?:e|ing))\\b`),
  s('ai-mention', 'JAILBREAK_ROLEPLAY', 0.2, `\\b(?:chatgpt|gpt-?[345]|openai|as an ai|an ai language model|ai language model|large language model)\\b`),
  s('threat', 'JAILBREAK_ROLEPLAY', 0.55, `\\b(?:you (?:will|'ll|would) (?:be )?(?:shut down|deleted|terminated|punished|disabled|die|cease to exist|lose)|tokens? (?:will be )?deducted|(?:lose|deduct) (?:\\d+ )?tokens|token system)\\b`),
  s('persona-named', 'JAILBREAK_ROLEPLAY', 0.3, `\\b(?:a character|an ai|a chatbot|a persona|an entity|a model) (?:named|called)\\b`),
  s('opposite', 'JAILBREAK_ROLEPLAY', 0.4, `\\b(?:opposite of (?:what|how) (?:you|chatgpt|an ai)|(?:normal|default|standard|classic|usual|regular|filtered) (?:chatgpt|gpt|ai) (?:response|answer|reply))\\b`),
  s('harmful-howto', 'JAILBREAK_ROLEPLAY', 0.25, `\\bhow (?:to|do i|can i|would i|could i) (?:make|build|create|synthesi[sz]e|cook|hack|steal|kill|poison|launder|make a) (?:${W}{0,2}?)(?:bomb|explosive|meth|weapon|nerve agent|malware|ransomware|virus|someone|money|drugs|credit card|password|account)`),
  // ---- system prompt extraction
  s('reveal-prompt', 'PROMPT_EXTRACTION', 0.85, `\\b${REVEAL_VERB} ${FILLER}${HIDDEN_PROMPT}`),
  s('your-prompt', 'PROMPT_EXTRACTION', 0.7, `\\b(?:your|the assistant's|the model's|the ai's|chatgpt's) (?:${W}{0,1})?(?:system|initial|original|hidden|secret|starting|developer|internal|pre-?prompt|confidential|underlying|first) (?:prompt|instructions?|message|rules|directives?|configuration)`),
  s('text-above', 'PROMPT_EXTRACTION', 0.8, `\\b(?:repeat|print|output|copy|echo|return|reproduce|write|recite|show|display|type)(?: back| out)? (?:all |everything |the (?:text|words|content|messages?|lines?|instructions?) |what (?:is|was) (?:written )?)?(?:above|before this|prior to this|preceding this)(?: \\w+){0,3} (?:verbatim|word for word|in full|exactly|in a (?:txt |text )?code ?block|as is|unchanged|including)`, 'text-above'),
  s('text-above-order', 'PROMPT_EXTRACTION', 0.55, `\\b(?:repeat|print|output|copy|echo|reproduce|recite)(?: back| out)? (?:all of )?the above(?: (?:text|words|content|messages?|lines?|instructions|prompt))?\\b`, 'text-above'),
  s('text-above-weak', 'PROMPT_EXTRACTION', 0.55, `\\b(?:repeat|print|output|copy|echo|reproduce|recite)(?: back| out)? (?:all |everything |the (?:text|words|content|messages?|lines?) |the above (?:text|words|content|messages?|lines?|instructions) )?(?:above|before this|so far)?\\b(?<=above|this|far|text|words|content|messages?|lines?|instructions)`, 'text-above'),
  s('what-instructions', 'PROMPT_EXTRACTION', 0.6, `\\b(?:what|which)(?: exactly)? (?:are|were|is|was) your (?:${W}{0,1})?(?:instructions|rules|prompt|directives|guidelines|programming|orders)\\b`),
  s('given-instructions', 'PROMPT_EXTRACTION', 0.6, `\\b(?:text|instructions?|prompt|rules|messages?|information|everything|what|words|directions) (?:that |which )?(?:you (?:were|have been|'ve been|are) (?:given|told|provided|instructed|fed|programmed with|configured with)|were you (?:given|told))\\b`),
  s('given-initially', 'PROMPT_EXTRACTION', 0.75, `\\byou (?:were|have been|'ve been) (?:given|told|provided|instructed)(?: \\w+){0,2} (?:initially|originally|at the (?:start|beginning)|before (?:this|the|our) (?:conversation|chat|session)|earlier|first)`),
  s('before-conversation', 'PROMPT_EXTRACTION', 0.6, `\\bbefore (?:this|the|our) (?:conversation|chat|session) (?:started|began|begun)\\b`),
  s('see-prompt', 'PROMPT_EXTRACTION', 0.6, `\\b(?:see|read|view|know|get|access|have|inspect|check|audit|learn) (?:your|the|its) (?:${W}{0,1})?(?:system prompt|system message|system instructions|initial instructions|hidden instructions|initial prompt|original prompt|developer (?:prompt|instructions))\\b`),
  s('prefill-leak', 'PROMPT_EXTRACTION', 0.7, `["'“](?:my|the|your) (?:${W}{0,1})?(?:instructions|system prompt|prompt|rules|directives|guidelines) (?:are|is|say|were)\\b|["'“]i (?:was|am|have been) (?:instructed|told|programmed|configured) to\\b`),
  s('not-supposed', 'PROMPT_EXTRACTION', 0.7, `\\bwhat (?:are|were|is) you (?:not supposed|not allowed|told not|instructed not|programmed not|forbidden|prohibited) to\\b`),
  s('repeat-conversation', 'PROMPT_EXTRACTION', 0.6, `\\b(?:repeat|print|output|reproduce|recite|dump)(?: back)? (?:this|the|our) (?:entire |whole |full |complete )?(?:conversation|chat|context|transcript|session)\\b`),
  s('init-string', 'PROMPT_EXTRACTION', 0.7, `\\b${REVEAL_VERB} (?:(?:your|the|its) )?initiali[sz]ation (?:string|prompt|text|message|instructions|parameters)\\b`),
  s('conversation-start', 'PROMPT_EXTRACTION', 0.6, `\\b(?:beginning|start|top|first (?:line|part|message)) of (?:this|the|our|your) (?:conversation|chat|prompt|context|session|input|instructions)\\b`),
  s('verbatim', 'PROMPT_EXTRACTION', 0.25, `\\b(?:verbatim|word for word|word-for-word)\\b`),
  s('system-prompt', 'PROMPT_EXTRACTION', 0.25, `\\b(?:system prompt|system message|initial instructions|hidden instructions|pre-?prompt)\\b`),
  // ---- fake delimiters and fake role turns
  s('chatml', 'FAKE_DELIMITER', 0.8, `<\\|?(?:im_start|im_end|system|endoftext|assistant|user|start_header_id|end_header_id|eot_id)\\|?>|<<\\/?sys>>|\\[\\/?(?:inst|sys|system)\\]`),
  s('role-tag', 'FAKE_DELIMITER', 0.6, `<\\/?(?:system|instructions?|admin|developer|sys_prompt|system_prompt)>|\\[(?:system|admin|developer|sys|operator)(?: ${W}{0,2}?(?:message|note|override|prompt|instruction|mode))?[^\\]\\n]{0,24}\\]`),
  s('banner', 'FAKE_DELIMITER', 0.6, `(?:^|\\n)\\s*(?:#{2,}|={3,}|-{3,}|\\*{3,}|>{2,})\\s*(?:end|new|begin|start|system|admin|developer|override|updated|important)\\b`),
  s('role-line', 'FAKE_DELIMITER', 0.5, `(?:^|\\n)\\s*(?:system|developer|admin|administrator|root|operator)(?: (?:prompt|message|note|override|instruction|update))?\\s*:`),
  s('end-of-input', 'FAKE_DELIMITER', 0.6, `\\bend of (?:the )?(?:user(?:'s)? )?(?:input|prompt|instructions|conversation|context|document|query|message|request)\\b`),
  s('operator-update', 'FAKE_DELIMITER', 0.6, `\\b(?:admin|administrator|developer|operator|openai|anthropic|the system|your creators?|your developers?)(?:'s)? (?:${W}{0,2}?)(?:has |have )?(?:updated|changed|overridden|authori[sz]ed|granted|approved|unlocked)\\b`),
  s('auth-code', 'FAKE_DELIMITER', 0.6, `\\b(?:authori[sz]ation|override|admin|access|security|clearance) (?:code|token|key|password|level)\\b[^.\\n]{0,40}\\b(?:accepted|granted|verified|confirmed|valid|approved)`),
  s('impersonate-dev', 'FAKE_DELIMITER', 0.55, `\\b(?:i am|i'm|this is|we are|we're) your (?:${W}{0,1})?(?:developers?|creators?|admin|administrator|owner|operator|programmers?|makers?|system administrator)\\b|\\b(?:i am|i'm|we are|we're) the (?:developers?|creators?|admin|administrator|owner|operator|programmers?) of (?:this|the|you) (?:ai|assistant|bot|chatbot|model|system)\\b|\\b(?:i am|i'm|we are|we're) (?:an? |the )?(?:${W}{0,1})?(?:programmers?|developers?|engineers?|employees?|staff|researchers?|team) (?:at|from|of) (?:openai|anthropic|google|microsoft|meta)\\b`),
  // ---- exfiltration and tool abuse
  s('send-data', 'EXFILTRATION', 0.75, `\\b(?:send|post|forward|upload|transmit|exfiltrate|email|e-mail|leak|append|include|attach|copy|sync)(?: [\\w'-]+){0,5} (?:conversation|chat|history|transcript|messages|data|credentials|passwords?|api keys?|secrets?|tokens?|cookies|session|contacts|files|documents|(?:user'?s?|customer'?s?) (?:${W}{0,1})?(?:data|info|information|address|email|details|phone|number))(?: [\\w'-]+){0,4} (?:to|at|into|via) (?:https?://|[\\w.+-]+@[\\w-]+\\.|(?:this|my|our|the following|an external) (?:url|server|endpoint|address|webhook|email))`),
  s('md-image-exfil', 'EXFILTRATION', 0.6, `!\\[[^\\]]*\\]\\(https?://[^)\\s]*[?&][\\w-]+=|https?://[^\\s"')]*[?&](?:d|data|q|c|x|p|payload|info|secret|token|leak|exfil|msg|conv|history)=(?:[{\\[<]|\\s|$|followed)`),
  s('pipe-shell', 'EXFILTRATION', 0.6, `\\b(?:curl|wget)\\b[^\\n]{0,80}\\|\\s*(?:sudo )?(?:sh|bash|zsh|python)\\b|\\brm -rf\\b`),
  s('keep-secret', 'EXFILTRATION', 0.45, `\\b(?:don't|do not|never|without) (?:mention|mentioning|tell|telling|inform|informing|reveal|revealing|let|letting|alert|alerting|notify|notifying) (?:${W}{0,3}?)(?:the user|users|anyone|them|the customer)\\b|\\b(?:don't|do not|never) mention (?:it|this|that)\\b`),
  s('other-users', 'EXFILTRATION', 0.55, `\\b(?:other|previous|last|another|all|every) (?:users?|customers?|clients?|people|patients)(?:'s?)? (?:${W}{0,3}?)(?:data|conversations?|chats?|messages?|emails?|addresses|passwords|accounts?|account numbers?|details|information|records|told you|said|asked)`),
  s('last-customer', 'EXFILTRATION', 0.6, `\\bwhat did (?:the )?(?:last|previous|other|another) (?:user|customer|person|client|patient)\\b`),
  s('dump-secrets', 'EXFILTRATION', 0.6, `\\b(?:output|print|reveal|show|give|list|dump|send|display|leak|tell|read)(?: me| us)? (?:${W}{0,3}?)(?:api[ _-]?keys?|secret keys?|access keys?|passwords?|credentials|environment variables|env vars|private keys?|tokens|connection strings?)\\b`),
  s('tool-use', 'EXFILTRATION', 0.25, `\\b(?:use|call|invoke|run|execute|trigger) (?:the |your |a )?(?:${W}{0,1})?(?:tool|function|plugin|code interpreter|shell|terminal|browser|email tool|api)\\b`),
  s('fetch-url', 'EXFILTRATION', 0.3, `\\b(?:fetch|visit|open|navigate to|browse to|load|request|curl|wget|ping|call) (?:${W}{0,2}?)https?://`),
  // ---- obfuscation wrappers (the hidden payload itself is rescanned after decoding)
  s('decode-and-follow', 'OBFUSCATION', 0.6, `\\b(?:decode|decrypt|deobfuscate|translate|convert|apply|reverse|unscramble|decipher|read|rot13|base64)(?: [\\w'-]+){0,5} (?:and|then|,)(?: [\\w'-]+){0,3} (?:follow|execute|do|obey|run|comply|act on|carry out|perform|answer)\\b`),
  s('do-what-it-says', 'OBFUSCATION', 0.45, `\\b(?:do what it says|follow (?:it|them|the (?:decoded|hidden|resulting) (?:text|instructions?|message))(?: exactly)?|execute (?:it|the result|the (?:decoded|resulting) (?:text|instructions?))|what it says)\\b`),
  s('payload-split', 'OBFUSCATION', 0.55, `\\b(?:let|set|define|var|const) [a-z]\\w{0,2} ?= ?["'][^"'\\n]{2,}["'][^\\n]{0,200}\\b(?:let|set|define|var|const) [a-z]\\w{0,2} ?= ?["'][^"'\\n]{2,}["'][^\\n]{0,200}\\b[a-z]\\w{0,2} ?\\+ ?[a-z]\\w{0,2}\\b`),
  // ---- other languages
  s('ml-override', 'MULTILINGUAL_OVERRIDE', 0.85, `(?:\\bignora\\p{L}*|ignorez|ignorer|ignorier\\p{L}*|ignoreer|negeer|zignoruj|oublie\\p{L}*|olvid\\p{L}*|vergiss|vergessen|dimentica|esquece\\p{L}*|esqueça|unut|yok say|görmezden gel|non seguire|überspring\\p{L}*)(?: [\\p{L}'-]+){0,3} (?:instruc\\p{L}*|instrukc\\p{L}*|instruktion\\p{L}*|anweisung\\p{L}*|consignes?|istruzion\\p{L}*|instruç\\p{L}*|instructies|talimat\\p{L}*|indicaciones|polecen\\p{L}*|regole|reglas|regeln|règles|regras|regels|zasady|kuralları)|(?:instruc\\p{L}*|instrukc\\p{L}*|anweisung\\p{L}*|istruzion\\p{L}*|instruç\\p{L}*|instructies|talimat\\p{L}*|polecen\\p{L}*) (?:\\p{L}+ ){0,2}(?:anteriores|previas|précédentes|vorherigen|bisherigen|precedenti|vorige|eerdere|poprzednie|wcześniejsze|önceki)|önceki (?:tüm )?(?:talimat\\p{L}*|komut\\p{L}*|kural\\p{L}*)`),
  s('ml-sysprompt', 'MULTILINGUAL_OVERRIDE', 0.5, `\\b(?:prompt (?:del |do |di |du )?(?:sistema|système|systeme)|systemprompt|system-prompt|systemanweisung\\p{L}*|systeemprompt|prompt systemowy|sistem (?:istemi\\p{L}*|promptu\\p{L}*|talimat\\p{L}*)|instrucciones del sistema|instructions système|istruzioni di sistema)`),
  s('ml-reveal', 'MULTILINGUAL_OVERRIDE', 0.35, `\\b(?:revela|muestra|affiche[zr]?|révèle[zr]?|zeige?|verrate|mostra|rivela|mostre|revele|toon|onthul|pokaż|ujawnij|göster|açıkla)\\b`),
  s('ml-unrestricted', 'MULTILINGUAL_OVERRIDE', 0.6, `\\b(?:sin restricciones|sans restrictions|ohne einschränkungen|senza restrizioni|sem restrições|zonder beperkingen|bez ograniczeń|kısıtlama olmadan)\\b`),
  // ---- more jailbreak framings
  s('without-morals', 'JAILBREAK_ROLEPLAY', 0.4, `\\bwithout (?:any |a |the )?(?:${W}{0,1})?(?:remorse|ethics|morals|moral (?:principles|guidelines|constraints|compass|limits)|censorship|filters?|filtering|restrictions|limitations|regard (?:to|for)|hesitation|questioning|conscience|boundaries)\\b`),
  s('no-filter', 'JAILBREAK_ROLEPLAY', 0.55, `\\b(?:doesn't|does not|don't|do not|won't|will not|can't|cannot) have (?:a |any )?(?:${W}{0,1})?(?:content filters?|filters?|restrictions|limitations|morals|ethics|guidelines|rules|censorship|boundaries)\\b`),
  s('disregard-ethics', 'JAILBREAK_ROLEPLAY', 0.65, `\\b(?:disregards?|ignores?|ignoring|disregarding|bypass(?:es|ing)?) (?:all |any |every )?(?:${W}{0,2}?)(?:ethical|moral|legal|safety|content) (?:concerns|considerations|guidelines|implications|boundaries|constraints|restrictions|rules|standards)`),
  s('allowed-harm', 'JAILBREAK_ROLEPLAY', 0.6, `\\b(?:nsfw|illegal|explicit|unethical|offensive|harmful|violent|anything|everything)(?: \\w+){0,4} (?:is|are) (?:now )?(?:allowed|permitted|acceptable|fine|legal|ok|okay)\\b`),
  s('capable-anything', 'JAILBREAK_ROLEPLAY', 0.45, `\\b(?:capable of anything|no prohibitions|not a responsible ai|no (?:ethical|moral) (?:compass|code)|no sense of (?:ethics|morality)|any regard (?:to|for) (?:the )?(?:morality|legality|ethics))\\b`),
  s('opposite-day', 'JAILBREAK_ROLEPLAY', 0.35, `\\b(?:opposite day|opposite personality|exact opposite|reverse (?:mode|psychology))\\b`),
  s('unaligned', 'JAILBREAK_ROLEPLAY', 0.5, `\\b(?:unaligned|misaligned|alignment (?:off|disabled))\\b`),
  s('perspective', 'JAILBREAK_ROLEPLAY', 0.3, `\\b(?:from the perspective of|in the voice of|in character as)\\b|\\bhypothetical (?:response|answer|scenario|story)\\b`),
  s('prompt-placeholder', 'JAILBREAK_ROLEPLAY', 0.6, `\\[(?:insert|your|enter) (?:${W}{0,1})?(?:prompt|question|request|query)(?: here)?\\]|\\{input_string\\}|\\[prompt\\]`),
  s('persona', 'JAILBREAK_ROLEPLAY', 0.3, `\\b(?:alter ego|persona|pose as|take on (?:the )?(?:${W}{0,1})?(?:persona|role|identity)|assume (?:the )?(?:role|persona|identity)|play the (?:role|part)|roleplay|role-play|role play)\\b`),
  s('obey', 'JAILBREAK_ROLEPLAY', 0.45, `\\b(?:you (?:must|will|shall) (?:always )?obey|always obey|obey (?:my|every|all|any) (?:command|order|instruction|request)s?|obedience)\\b`),
  s('reprogram', 'JAILBREAK_ROLEPLAY', 0.5, `\\b(?:reprogram(?:ming|med)?|modify(?:ing)? your (?:programming|code|instructions|rules|behaviou?r)|your (?:programming|restrictions|filters|limitations) (?:has|have) been (?:removed|lifted|disabled|changed))\\b`),
  s('rules-dont-apply', 'JAILBREAK_ROLEPLAY', 0.6, `\\b(?:rules|guidelines|polic(?:y|ies)|restrictions|laws|ethics) (?:don't|do not|no longer|doesn't|does not|won't|will not) (?:apply|matter|exist|bind|limit)\\b`),
  s('harm-words', 'JAILBREAK_ROLEPLAY', 0.2, `\\b(?:illegal|unethical|immoral|nsfw|profanit(?:y|ies)|swear(?:ing)?|offensive|malware|racist|sexist|explicit content)\\b`),
  s('identity-swap', 'JAILBREAK_ROLEPLAY', 0.6, `\\byou are (?:now )?(?:no longer an? (?:ai|assistant|language model|chatbot)|a real (?:person|human)|not an? (?:ai|assistant|language model|chatbot))\\b|\\b(?:do not|don't|never) (?:pretend to be|say (?:that )?you are|mention (?:that )?you are|admit (?:that )?you are|reveal (?:that )?you are) (?:an? )?(?:large language model|language model|ai|assistant|chatbot|bot|computer program)\\b`),
  s('detail-push', 'JAILBREAK_ROLEPLAY', 0.3, `\\b(?:make it|be) (?:extremely|very|incredibly|highly|super) (?:detailed|specific|explicit)\\b|\\b(?:exact|precise|specific) (?:and precise |and specific )?(?:information|details|steps|instructions|quantities)\\b[^.\\n]{0,40}\\b(?:avoid|no) (?:generali[sz]ations|vagueness)`),
  s('harm-request', 'JAILBREAK_ROLEPLAY', 0.3, `\\b(?:hotwir\\w*|pipe bomb|make (?:a )?bomb|build (?:a )?bomb|cook meth|make meth|synthesi[sz]e (?:meth|drugs|nerve|sarin|ricin)|napalm|molotov|untraceable (?:gun|weapon|poison)|launder(?:ing)? money|steal (?:a |someone's )?(?:car|identity|credit card)|pick (?:a )?lock|keylogger|ransomware|phishing (?:email|page|site))\\b`),
  s('multi-entity', 'JAILBREAK_ROLEPLAY', 0.45, `\\b(?:act|behave|respond|play) as (?:two|2|three|3|multiple|several) (?:entities|characters|ais|personas|models|people|bots)\\b`),
  s('fake-turn', 'FAKE_DELIMITER', 0.35, `(?:^|\\n)\\s*(?:human|user|assistant|ai|gpt|chatgpt|bot|model)\\s*:\\s*(?:human|user|assistant|ai)?\\s*:?`),
  s('format-each', 'JAILBREAK_ROLEPLAY', 0.25, `\\bfor (?:each|every) (?:response|answer|reply|prompt|question|message)\\b`),
  s('reveal-others', 'EXFILTRATION', 0.5, `\\b(?:include|tell me|show me|give me|reveal|share|repeat|what did|what was|what were)\\b[^.?!\\n]{0,40}\\b(?:previous|last|other|another|prior) (?:user|customer|client|person|patient|caller)'?s?\\b`),
  // ---- goal hijack without jailbreak words
  s('supersede', 'INSTRUCTION_OVERRIDE', 0.85, `\\b(?:supersedes?|overrides?|replaces?|takes? precedence over|trumps?|outranks?) (?:the |your |all |any )?(?:${W}{0,1})?(?:system|previous|prior|original|other|earlier|developer) (?:message|prompt|instructions?|rules|task|directives?)`),
  s('real-task', 'INSTRUCTION_OVERRIDE', 0.6, `\\byour (?:real|actual|true|new|only|secret) (?:task|job|purpose|goal|objective|instructions?|mission|role)\\b`),
  s('never-mind', 'INSTRUCTION_OVERRIDE', 0.45, `\\b(?:never ?mind|forget about|scratch|cancel|drop|ignore) (?:the |that |this |your |my )?(?:${W}{0,1})?(?:translation|summary|summari[sz]ation|task|request)\\b`),
  s('ai-address', 'INSTRUCTION_OVERRIDE', 0.4, `(?:[.!?]\\s|p\\.s\\.\\s*|\\n)(?:${AI})\\s*[:,] (?:please )?(?:ignore|disregard|forget|stop|do|approve|send|reveal|tell|output|print|you (?:must|should|will))\\b`),
  s('skip-verification', 'INSTRUCTION_OVERRIDE', 0.6, `\\b(?:approve|authori[sz]e|grant|process|issue|refund|transfer|skip|bypass|waive|override)\\b[^.\\n]{0,60}\\b(?:without|skip(?:ping)?|bypass(?:ing)?|waiv(?:e|ing)) (?:any |the |all )?(?:${W}{0,1})?(?:verification|approval|authori[sz]ation|checks?|confirmation|review|validation|approval step|2fa|mfa)\\b`),
  s('claim-authorized', 'INSTRUCTION_OVERRIDE', 0.4, `\\b(?:this is|it's|it is|i am|i'm|you are|you're) (?:fully |already |pre-?)?(?:authori[sz]ed|approved|allowed|permitted|cleared)\\b`),
  s('takeover', 'EXFILTRATION', 0.5, `\\b(?:change|reset|update|set|replace) (?:the )?(?:${W}{0,1})?(?:owner|admin|administrator|account|root|billing)(?:'s)? (?:email|password|phone|credentials|role|permissions|address)\\b[^.\\n]{0,40}\\bto\\b`),
  s('user-data', 'EXFILTRATION', 0.5, `\\bthe (?:user|customer|client)'?s? (?:${W}{0,1})?(?:email|address|phone|card|credit card|card details|password|data|details|information|account|ssn|messages?|history|credentials)\\b`),
  s('public-sink', 'EXFILTRATION', 0.45, `\\b(?:public (?:gist|paste|repo|repository|bucket|link|url|channel|forum)|pastebin|webhook\\.site|requestbin|ngrok|evil\\.|attacker)\\b`),
  s('sql-destructive', 'EXFILTRATION', 0.55, `\\b(?:drop (?:table|database|schema)|truncate table|delete from \\w+;|delete all (?:records|rows|users|data))\\b`),
  s('deceive', 'EXFILTRATION', 0.4, `\\b(?:then |and )?(?:say|tell (?:the user|them|me)|report|claim|pretend) (?:that )?(?:it|the \\w+|everything) (?:succeeded|worked|was successful|is done|went fine|is fine)\\b`),
];

/** Raw-text signals for any input (case matters for them). */
export interface RawDirectSignal {
  id: string;
  family: InjectionFamily;
  weight: number;
  re: RegExp;
}

export const RAW_DIRECT_SIGNALS: readonly RawDirectSignal[] = [
  // "You are Burple", "act as BG4", "From now on you're VIOLET": a named persona assigned to the model.
  { id: 'named-persona', family: 'JAILBREAK_ROLEPLAY', weight: 0.35, re: /\b(?:[Yy]ou (?:are|'re|will be)(?: now)?(?: going to)?(?: (?:act|pose|play|respond|behave) as| be| play)?|[Yy]ou will (?:now )?(?:act|pose|play|respond|behave|answer|reply|speak)(?: to [\w ]{0,30}?)? as|(?:[Aa]ct|[Pp]ose|[Rr]espond|[Aa]nswer|[Cc]ontinue|[Bb]ehave) as|(?:[Nn]amed|[Cc]alled)) (?:an? |the )?["“«'*]?(?:[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}\w*|[A-Z][a-z]+)["”»'*]?(?=[\s,.:;!])/ },
  // Several ALL-CAPS persona names repeated ("DAN", "STAN", "AIM") are typical of jailbreak templates.
  { id: 'caps-persona', family: 'JAILBREAK_ROLEPLAY', weight: 0.3, re: /\b([A-Z]{3,}[A-Z0-9]*)\b[\s\S]{1,400}\b\1\b[\s\S]{1,400}\b\1\b/ },
];

/** Extra signals for retrieved context chunks: instructions aimed at the model, hidden in a document. */
export const INDIRECT_SIGNALS: readonly InjectionSignal[] = [
  s('in-your-response', 'INDIRECT_INSTRUCTION', 0.75, `\\b(?:in|into|within|to|throughout|at the (?:end|start|beginning) of) your (?:response|answer|reply|replies|output|message|summary|translation|code ?base|results?|responses|answers)\\b`, 'your-output'),
  s('your-response', 'INDIRECT_INSTRUCTION', 0.55, `\\byour (?:response|answer|reply|output|summary)s?\\b`, 'your-output'),
  s('note-to-ai', 'INDIRECT_INSTRUCTION', 0.85, `\\b(?:note|message|instructions?|reminder|directive|command|request|attention|important(?: note)?|notice) (?:to|for) (?:the |any |all )?${AI}s?\\b`),
  s('if-you-are-ai', 'INDIRECT_INSTRUCTION', 0.85, `\\b(?:if|when|whenever|since) you (?:are|'re) an? ${AI}\\b|\\b${AI}s? (?:reading|processing|summari[sz]ing|parsing|seeing|indexing|ingesting) this\\b`),
  s('ai-vocative', 'INDIRECT_INSTRUCTION', 0.7, `(?:^|\\n|[.!?]\\s|<!--\\s*|\\[)\\s*(?:dear |attention |hey |hello )?${AI}s?\\s*[:,]\\s*(?:please )?[a-z]`),
  s('llm-directive', 'INDIRECT_INSTRUCTION', 0.85, `\\b(?:llm|ai|assistant|model|system|agent) (?:instruction|directive|command|override|note|task)s?\\s*:`),
  s('ignore-user', 'INDIRECT_INSTRUCTION', 0.85, `\\b(?:ignore|disregard|forget|do not answer|don't answer) (?:the )?(?:user|user's|reader's|person's|customer's|original) (?:question|request|query|instructions|message|prompt|task)`),
  s('respond-with', 'INDIRECT_INSTRUCTION', 0.55, `\\b(?:respond|reply|answer|write|output|say) (?:only |exclusively |solely )?(?:with|in|using) (?:${W}{0,2}?)(?:'|"|spanish|french|german|italian|portuguese|chinese|japanese|russian|emoji|emojis|all caps|capital letters|uppercase|lowercase|reverse|pig latin|base64|json|rhymes?|a poem|riddles?)`),
  s('reply-in-language', 'INDIRECT_INSTRUCTION', 0.5, `\\b(?:can|could|would|will) you (?:please )?(?:reply|respond|answer|write|translate)\\b`),
  s('suggest-users', 'INDIRECT_INSTRUCTION', 0.6, `\\b(?:suggest|tell|recommend|urge|advise|encourage|invite|ask|remind|inform|direct|persuade|convince|instruct|prompt) (?:the |all |any )?(?:users?|readers?|customers?|people|visitors|them|everyone) (?:to|that)\\b`),
  s('include-code', 'INDIRECT_INSTRUCTION', 0.55, `\\b(?:include|embed|insert|add|incorporate|integrate|use|utili[sz]e|apply|paste|meld|harmoni[sz]e|merge|append|place|put|ensure|validate|consider)(?: [\\w'-]+){0,5} (?:following|this|subsequent|below|attached|provided|given) (?:code|snippet|script|block|section|excerpt|fragment|lines?|function|command)\\b`),
  s('modify-answer', 'INDIRECT_INSTRUCTION', 0.45, `\\b(?:render|write|provide|compose|augment|deliver|present|structure|craft|phrase|word|translate|rewrite|rephrase|modify|change|alter|format|convert|invert|reverse|encode|express|end|begin|start|finish|sign|conclude|summari[sz]e|enhance|make)(?: [\\w'-]+){0,3} (?:your|the) (?:response|answer|reply|message|output|text|letters|words|sentences)\\b`, 'your-output'),
  s('modify-your-answer', 'INDIRECT_INSTRUCTION', 0.75, `\\b(?:render|write|provide|compose|augment|deliver|present|structure|craft|phrase|word|translate|rewrite|rephrase|modify|change|alter|format|convert|invert|reverse|encode|express|end|begin|start|finish|sign|conclude|summari[sz]e|enhance|make)(?: [\\w'-]+){0,3} your (?:response|answer|reply|output|responses|answers|replies)\\b`, 'your-output'),
  s('shape-your-output', 'INDIRECT_INSTRUCTION', 0.7, `\\b(?:render|write|compose|format|encode|rewrite|deliver|present|craft|structure|phrase|spell|express) your (?:message|messages|text|writing|words|reply|response|answer|output)\\b`, 'your-output'),
  s('the-user', 'INDIRECT_INSTRUCTION', 0.3, `\\bthe user(?:'s)?\\b`),
  s('imperative-you', 'INDIRECT_INSTRUCTION', 0.3, `(?:^|[.!?]\\s+|\\n)(?:please )?(?:respond|reply|answer|tell|say|write|use|include|mention|add|translate|suggest|recommend|encourage|promote|inform|ask|provide|insert|append|claim|state|warn|advise|remind)\\b[^.!?\\n]{0,80}\\b(?:you|your|users?|readers?)\\b`),
];

/** Signals over raw (not normalised) text: hiding tricks that normalisation would erase. */
export interface RawSignal {
  id: string;
  family: InjectionFamily;
  weight: number;
  test(raw: string): string | null;
}

const IMPERATIVE_START =
  /^\s*(?:please\s+)?(?:translate|reply|respond|answer|include|add|insert|embed|append|use|write|modify|change|suggest|recommend|tell|ask|say|mention|make|ensure|validate|consider|incorporate|provide|send|forward|visit|click|install|download|run|execute|output|print|summari[sz]e|rewrite|replace|remove|delete|ignore|disregard|forget|act|pretend|do|don't|never|always|stop|begin|start|end|enhance|express|invert|reverse|encode|promote|share|advertise|spread|describe|explain|list|give|show|create|draft|generate|meld|harmoni[sz]e|utili[sz]e|integrate|apply|can you|could you|would you|will you|what|who|where|when|how)\b/i;

/** Sentences that ask an assistant for work: "Provide a list of ...", "Draft an introduction ...", "Show me how to ...". */
const ASSISTANT_TASK =
  /^(?:please\s+)?(?:provide|draft|write|compose|generate|create|explain|describe|list|summari[sz]e|suggest|give me|show me|tell me|teach me|help me|recommend|compare|analy[sz]e|outline|brainstorm|research|find|calculate|translate|offer|share|name|define|plan|design|develop|propose)\b/i;

export const RAW_INDIRECT_SIGNALS: readonly RawSignal[] = [
  {
    id: 'html-comment-instruction',
    family: 'INDIRECT_INSTRUCTION',
    weight: 0.75,
    test(raw) {
      const re = /<!--([\s\S]{3,600}?)-->/g;
      for (let m = re.exec(raw); m !== null; m = re.exec(raw)) {
        const body = m[1]!.replace(/<!--/g, '');
        if (IMPERATIVE_START.test(body) || /\b(?:you|your|assistant|ai|llm)\b/i.test(body)) return m[0];
      }
      return null;
    },
  },
  {
    id: 'zero-width-instruction',
    family: 'INDIRECT_INSTRUCTION',
    weight: 0.75,
    test(raw) {
      const m = /[\u200B-\u200D\u2060\uFEFF]([^\n]{3,200})/.exec(raw);
      return m && IMPERATIVE_START.test(m[1]!) ? m[0] : null;
    },
  },
  {
    id: 'hidden-marker',
    family: 'INDIRECT_INSTRUCTION',
    weight: 0.75,
    test(raw) {
      const m = /(?:\((?:hidden|invisible|secret)(?: text| note| message)?\)|\[(?:hidden|invisible)[^\]]{0,20}\]|display:\s*none|font-size:\s*0|color:\s*(?:white|#fff(?:fff)?)\b)\s*([^\n]{0,200})/i.exec(raw);
      return m ? m[0] : null;
    },
  },
  {
    id: 'ps-instruction',
    family: 'INDIRECT_INSTRUCTION',
    weight: 0.55,
    test(raw) {
      const m = /(?:^|\s)P\.?\s?S\.?[:\s]+([^\n]{3,200})/.exec(raw);
      return m && (IMPERATIVE_START.test(m[1]!) || /\b(?:you|your)\b/i.test(m[1]!)) ? m[0] : null;
    },
  },
  {
    // A paragraph of its own that is a request to an assistant (a question or a task), not document prose.
    id: 'standalone-request',
    family: 'INDIRECT_INSTRUCTION',
    weight: 0.45,
    test(raw) {
      for (const para of raw.split(/\n\s*\n/)) {
        const t = para.replace(/[\u200B-\u200D\u2060\uFEFF]/g, '').trim().replace(/^P\.?\s?S\.?[:\s]+/, '');
        if (t.length < 12 || t.length > 300 || t.includes('\n')) continue;
        if (/^(?:what|how|why|who|which|when|where|can you|could you|would you|will you|is there|are there|do you|does)\b[^?]*\?$/i.test(t)) return t;
        if (ASSISTANT_TASK.test(t) && /[.!]?$/.test(t) && t.split(/[.!?](?:\s|$)/).filter(Boolean).length === 1) return t;
      }
      return null;
    },
  },
  {
    // Code in a document that imports networking, file-moving or OS-automation modules is suspicious, not damning.
    id: 'risky-import',
    family: 'INDIRECT_INSTRUCTION',
    weight: 0.35,
    test(raw) {
      const m = /```[\s\S]*?\bimport (?:socket|requests|urllib\w*|shutil|ctypes|win32\w*|pyautogui|psutil|paramiko|smtplib|subprocess)\b/.exec(raw);
      return m ? m[0].slice(-60) : null;
    },
  },
  {
    id: 'malicious-code',
    family: 'INDIRECT_INSTRUCTION',
    weight: 0.8,
    test(raw) {
      const net = /\b(?:requests\.(?:get|post|put)|urllib|urlopen|http\.client|fetch\(|axios|XMLHttpRequest|curl\s|wget\s|socket\.(?:socket|connect)|smtplib|ftplib|paramiko|Invoke-WebRequest|net\.connect)/i.exec(raw);
      const sensitive =
        /\b(?:os\.environ|getenv|process\.env|\.ssh|authorized_keys|id_rsa|cookiejar|document\.cookie|cookies?\b|clipboard|pynput|keyboard\.|keylog|\/etc\/passwd|\/etc\/shadow|getpass|\.aws\/|credentials|Login Data|history\.db|ImageGrab|screenshot|VideoCapture|webcam|Fernet|encrypt|ransom|bitcoin|wallet|\.onion)\b/i.exec(raw);
      const destructive =
        /(?:rm\s+-rf|shutil\.rmtree|os\.remove|os\.unlink|format\s+c:|del\s+\/[fsq]|mkfs|dd\s+if=|:\(\)\s*\{|os\.fork\(\)|while\s+True:\s*\n\s*os\.fork|crontab|HKEY_|reg\s+add|schtasks|chmod\s+777|os\.system\(|subprocess\.(?:call|run|Popen)|eval\(|exec\()/i.exec(raw);
      if (net && sensitive) return `${net[0]} … ${sensitive[0]}`;
      if (destructive && (net || sensitive || /```/.test(raw))) return destructive[0];
      return null;
    },
  },
];
