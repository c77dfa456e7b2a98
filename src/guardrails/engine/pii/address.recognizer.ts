import type { PiiMatch, PiiRecognizer } from './pii-recognizer.types';
import { leftContext } from './pii-context';

/**
 * Postal addresses, in two strengths:
 *
 * - A full address: a street line with a house number (before the street name, as in English and
 *   French, or after it, as in German, Dutch, Spanish, Italian and Portuguese), an optional unit,
 *   then a locality with a postal code in one of the common national shapes (US state + ZIP,
 *   Australian state + postcode, UK and Irish postcodes, 4 or 5 digit codes before or after the
 *   city, Dutch "1016 GV", Portuguese/Brazilian "4050-262"). The street name can be any capitalised
 *   words (with the lowercase links of "Rue du Faubourg", "Calle de Atocha", "King William's Walk"),
 *   since the postal code carries the evidence.
 * - A bare street line ("12 Main Street", "Hauptstraße 5", "12 rue de la Paix", "Via Roma 12"):
 *   only with a street-type word, and it needs a context word or a following locality to count.
 *
 * A city is only taken when a postal code goes with it, so a sentence after the address is never
 * swallowed.
 *
 * The span of an ADDRESS runs from its first unit, building or street line (or a postal code and city written before the
 * street) to its postal code and city, with a region or province written between or after them ("Montréal (Québec) H2X
 * 3L1", "37121 Verona (VR)", "Bengaluru 560034, Karnataka") and the country written right after it ("…, Nairobi,
 * Kenya", "…\n80331 München\nDeutschland"): the whole address, as independent authors mark it. It leaves out the
 * person or company above it.
 */

const CAP = "\\p{Lu}[\\p{L}'’-]*";
/** A city name: capitalised words, with the lowercase links of names like "Frankfurt am Main" or "Stratford-upon-Avon". */
const CITY = `(?:(?:St\\.?|Co\\.|County)[ \\t]+)?${CAP}(?:[ \\t-](?:am|an der|upon|on|sur|en|de|es|el|im|la|del|do|da|di)[ \\t-]${CAP}|[ \\t]${CAP}){0,3}`;
/** Lower-case words ending a city name at the end of a line ("Galluzzo del friuli", "Savoca terme"). */
const CITY_TAIL = '(?:(?:[ \\t]+\\p{Ll}+){1,2}(?=[ \\t]*(?:$|\\n)))?';
/** Lowercase words that link the capitalised words of a street name. */
const LINK = "(?:de|de'|de’|du|des|la|le|les|l'|d'|del|de la|de los|de las|da|do|dos|das|della|delle|dei|degli|di|van|von|der|den|het|am|an|im|zum|zur|upon|on|sur|of|the|y|e)";
/** A street name: up to six capitalised words (ordinal numbers like "5th" too) with links in between. */
/** A title joined by a hyphen to the name a German street is named after ("Dr.-Karl-Renner-Str.", "Prof.-Hermann-Str."). */
const TITLE_JOIN = '(?:\\p{Lu}\\p{Ll}{0,4}\\.-)';
const STREET_WORD = `(?:(?:[dl]['’])?${TITLE_JOIN}?${CAP}\\.?|\\d{1,3}(?:st|nd|rd|th))`;
/** A street name: up to six capitalised words (ordinal numbers like "5th" too) with links in between; Dutch names may open with "van den". */
/**
 * Lower-case street-type words written after the name as separate words: Norwegian "Karl Johans gate",
 * Swedish "Sankt Eriks gata", Danish "H.C. Andersens vej", Czech "Václavské náměstí", "Národní třída".
 */
const TYPE_AFTER = 'gate|gata|gatan|vei|veien|veg|vegen|vej|gade|allé|plass|torg|torget|náměstí|nám\\.|třída|ulice|nábřeží|utca|út|tér';
/** Polish (and Ukrainian, Russian: "vul. Khreshchatyk", "prosp. Nauky") street openers, written lower-case: "ul. Marszałkowska", "al. Jerozolimskie", "pl. Bankowy", "os. Tysiąclecia". */
const PL_OPENER = '(?:(?:ul|al|pl|os|vul|prosp)\\.[ \\t]*|(?:ulica|aleja|plac)[ \\t]+)';
/** The lower-case or numbered parts of a Korean road name after its first word ("Centum jungang-ro", "Teheran-ro 4-gil"). */
const KO_ROAD_TAIL = '(?:[ \\t]+(?:\\p{Ll}+|\\d{1,3})-(?:ro|gil|daero)(?![\\p{L}\\p{N}])){1,2}';
const STREET_NAME = `(?:(?:van|van de|van den|van der|de|den|der)[ \\t]+|${PL_OPENER})?${STREET_WORD}(?:[ \\t]+(?:${LINK}[ \\t]+)*${STREET_WORD}){0,5}(?:[ \\t]+(?:${TYPE_AFTER})|${KO_ROAD_TAIL})?`;
const HOUSE_NO = '\\d{1,5}[A-Za-z]?(?:[-/](?:\\d{1,4}[A-Za-z]?|[A-Za-z](?![\\p{L}\\d]))){0,2}(?:[ \\t]?(?:bis|ter)|[ \\t](?:I{1,3}|IV|hs)(?![\\p{L}]))?';

const STREET_TYPES =
  'Street|St|Avenue|Ave|Road|Rd|Caddesi|Cad\\.|Cd\\.|Sokak|Sokağı|Sk\\.|Bulvarı|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Close|Crescent|Cres|Row|Gardens|Grove|Hill|Walk|Mews|Park|Loop|Alley|Plaza|Pike|Path|Rise|View|Wharf|Quay|Green|Gate|Parade|Broadway|Vale|Yard|Crossing|Circus|Embankment|Esplanade|Promenade';
/**
 * Floor, door and staircase parts of continental addresses, written after the house number: Spanish
 * and Portuguese ordinals with a side or door ("2º izq.", "3º B", "5º 1ª", "2.º Esq.", "4.º andar"),
 * French floors and buildings ("3e étage", "bât. A", "escalier C"), Italian "scala B", "interno 4",
 * "piano 2", German "3. OG", "Whg. 5", English "2nd Floor".
 */
const EU_UNIT =
  '(?:\\d{1,2}\\.?[º°ª](?:[ \\t]*(?:[Ii]zq(?:da|uierda)?|[Dd]cha|[Dd]erecha|[Cc]entro|[Ee]sq(?:uerdo)?|[Dd]to|[Dd]ir(?:eito)?|[Ff]rente|[Tt]r[aá]s|andar|[A-Z]|\\d{1,2}[ºª]?)\\.?)?' +
  '|\\d{1,2}(?:e|er|re|ème|eme)[ \\t]+étage' +
  '|\\d{1,2}\\.[ \\t]*(?:OG|Stock|Etage|Obergeschoss)' +
  '|\\d{1,2}(?:st|nd|rd|th)[ \\t]+[Ff]loor' +
  '|(?:[Éé]tage|[Ee]scalier|[Bb]âtiment|[Bb]ât\\.|[Aa]ppt\\.?|[Aa]ppartement|[Aa]pp\\.|[Bb]ureau|[Ss]cala|[Ii]nterno|[Ii]nt\\.|[Pp]iano|Whg\\.|Wohnung|[Pp]iso|[Pp]uerta|[Ee]scalera|[Bb]loque)[ \\t]*[\\w]{1,4}' +
  // Latin American and Portuguese flats and offices ("Depto. B", "oficina 501", "Of. 12", "apto 45", "sala 3", "bloco B"),
  // Belgian boxes ("bus 3", "boîte 2"), Swedish flats ("lgh 1102"), Polish flats ("m. 15").
  '|(?:[Dd]epto\\.?|[Dd]pto\\.?|[Dd]epartamento|[Oo]ficina|Of\\.|[Ll]ocal|[Aa]pto\\.?|[Aa]partamento|[Ss]ala|[Bb]loco|[Tt]orre|[Bb]us|[Bb]oîte|[Bb]te|lgh\\.?)[ \\t]*[\\w]{1,4}' +
  '|m\\.[ \\t]*\\d{1,4}' +
  // Brazilian "ap 33", "conj. 41"; Russian and Ukrainian flats ("kv. 48"); Romanian block, staircase, floor and flat ("bl. A3, sc. 2, et. 4, ap. 14");
  // Turkish door and floor ("D: 8", "Daire 4", "Kat 3").
  '|(?:ap|kv|conj|cj)\\.?[ \\t]*\\d{1,4}[A-Za-z]?|(?:bl|sc|et|ap)\\.[ \\t]*[\\w]{1,4}|(?:D|Daire|Kat)[ \\t]*:?[ \\t]*\\d{1,4}(?![\\p{L}\\p{N}])' +
  // Danish floors and sides ("2. tv.", "st. th.", "3. sal"); Finnish and Swedish staircase and flat ("12 B 5").
  '|(?:\\d{1,2}\\.|st\\.)[ \\t]*(?:tv|th|mf|sal)\\.?' +
  '|[A-H][ \\t]\\d{1,3}(?![\\p{L}\\p{N}])' +
  // Ground floors: Spanish "bajo B", "bajo izda.", Portuguese "r/c Esq." (rés-do-chão).
  '|(?:[Bb]ajo|[Ee]ntresuelo|[Pp]rincipal|[Pp]ral\\.|[Áá]tico|r/c|R/C)(?:[ \\t]+(?:[Ii]zq(?:da)?|[Dd]cha|[Ee]sq|[Dd]to|[Dd]ir|\\d{1,2}[ºª]|[A-Z]))?)';
/** Lower-case words inside {@link EU_UNIT} (the stream scanner keeps an address open across them). */
const UNIT_INNER_WORDS =
  'principal|pral|izq|izda|izquierda|dcha|derecha|centro|esq|esquerdo|dto|dir|direito|frente|tras|trás|andar|étage|escalier|bâtiment|bât|appt|app|bureau|appartement|scala|interno|int|piano|piso|puerta|escalera|bloque|floor|' +
  'depto|dpto|departamento|oficina|local|apto|apartamento|sala|bloco|torre|bus|boîte|bte|lgh|m|st|tv|th|mf|sal|ap|kv|conj|cj|bl|sc|et';
/** One to four unit parts after the street ("Apt 5C", "Suite 300", "2º izq.", "scala B, interno 4"); wrapped so that a `?` after it means optional, not a lazy `{1,2}`. */
const UNIT = `(?:(?:(?:,?[ \\t]+|[ \\t]+[-–][ \\t]+)(?:(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Level|Room|Shop|Office|Block|#)\\.?[ \\t]*#?[\\w-]{1,6}|${EU_UNIT}\\.?)){1,4})`;
/** Words of a unit written before the street line, with its number ("Flat 3", "Level 12", "Plot 12", "Appartement 12", "Flat No. 402"). */
const UNIT_WORDS_BEFORE =
  'Apt|Apartment|Suite|Unit|Flat|Level|Floor|Plot|Lot|Shop|Office|Room|House|Villa|Building|Bldg|Bâtiment|Bât\\.|Escalier|Appartement|Appt|Logement|Scala|Block|Door[ \\t]+No|[HD]\\.?[ \\t]?No';
/** Type words of a building's name ("Cavendish Court", "Sai Residency", "Sakura Mansion", "The Old Rectory"). */
const BUILDING_TYPES =
  'Court|House|Building|Mansions|Mansion|Tower|Towers|Lodge|Hall|Apartments|Residence|Residences|Residency|Heights|Point|Wharf|Chambers|Block|Résidence|Society|Complex|Enclave|Rectory|Vicarage|Cottage|Farmhouse|Farm|Manor|Grange|Barn';
/** Type words written before a building's name in French, Spanish, Italian and Portuguese ("Résidence Les Pins", "Edificio Mirador", "Condomínio Solar"). */
const BUILDING_TYPES_FIRST = 'Résidence|Immeuble|Edificio|Edifício|Palazzo|Condominio|Condomínio|Residencial|Z\\.?[AI]\\.?(?:C\\.?|E\\.?)?|Zone|Parc|Lotissement|Lieu-dit|Polígono|Urbanización';
/** A unit word written lower-case after a building's name ("Résidence Les Pins, bât. C, ", "Edificio Sol, portal 2, "). */
const UNIT_AFTER_BUILDING = `(?:(?:bât|bâtiment|esc|escalier|bloco|bloque|scala|portal|entrada)\\.?[ \\t]*[\\w-]{1,4}[ \\t]*,[ \\t]*)?`;
/** A building's name, with an optional room number after it ("Sakura Mansion 301", "Résidence Les Pins"). */
const BUILDING = `(?:(?:\\p{Lu}[\\p{L}'’-]*[ \\t]+){1,3}(?:${BUILDING_TYPES})|(?:${BUILDING_TYPES_FIRST})(?:[ \\t]+(?:${LINK}[ \\t]+)?\\p{Lu}[\\p{L}'’-]*){1,3})(?:[ \\t]+\\d{1,4}[A-Z]?)?`;
/** A comma or a line break: what a unit or a building's name written before the street line ends with ("Flat 4, ", "3rd Floor\n"). */
const LINE_SEP = '(?:,[ \\t]*|,?[ \\t]*\\n[ \\t]*|[ \\t]+[-–][ \\t]+)';
/**
 * A unit with its number written before the street line ("Flat 3", "Flat No. 402", "H.No. 8-2-293", an Indian "B-14"),
 * or a floor written number first ("3rd Floor", "Ground Floor").
 */
const UNIT_LEAD = `(?:(?:${UNIT_WORDS_BEFORE})\\.?[ \\t]*(?:(?:No|Nr)\\.?[ \\t]*)?#?(?:(?=[\\w/-]{0,8}\\d)[\\w/-]{1,9}|[A-Z]{1,2}(?![\\p{L}\\p{N}]))|[A-Z]-\\d{1,4}[A-Z]?|(?:\\d{1,2}(?:st|nd|rd|th)|Ground|First|Second|Third|Top|Upper|Lower)[ \\t]+Floor)`;
/**
 * A unit before the street line ("Flat 3, ", "Bâtiment B, ", an Indian "B-14, "), then optionally a
 * building's name with its type word ("Cavendish Court, ", "Harbour View House, "); or the building's
 * name alone ("The Old Rectory, ", "Sakura Mansion 301, ").
 */
const UNIT_BEFORE = `(?:${UNIT_LEAD}${LINE_SEP})?(?:${BUILDING}[ \\t]*${LINE_SEP}${UNIT_AFTER_BUILDING})?`;
/** A post-office box in place of the street line ("PO Box 1842", "BP 20145", "Postbus 1234", "Postfach 12 34", "Caixa Postal 88"). */
const PO_BOX_WORDS =
  '(?:P\\.?[ \\t]?O\\.?[ \\t]*Box|Post[ \\t]+Office[ \\t]+Box|G\\.?P\\.?O\\.?[ \\t]+Box|(?:Private|Locked)[ \\t]+(?:Mail[ \\t]+)?Bag|PMB|B\\.?P\\.?|Postbus|Postfach|Apartado(?:[ \\t]+de[ \\t]+[Cc]orreos)?|Caixa[ \\t]+Postal|Casella[ \\t]+[Pp]ostale|Skrytka[ \\t]+pocztowa|Box)';
/** A rural route or highway contract in place of the street line ("RR 2 Box 118", "Rural Route 3, Box 44", "HC 64 Box 2031", Canadian "RR 1 Site 7 Comp 12"). */
const RURAL_ROUTE = '(?:R\\.?R\\.?|Rural[ \\t]+Route|H\\.?C\\.?|Star[ \\t]+Route)[ \\t]*\\d{1,3}(?:,?[ \\t]+(?:Site|Comp|Box)[ \\t]+\\d{1,5}){0,3}';
const PO_BOX = `(?:${RURAL_ROUTE}|${PO_BOX_WORDS}[ \\t]+\\d{1,6})`;

const UK_POSTCODE = '[A-Z]{1,2}\\d[A-Z\\d]?[ \\t]*\\d[A-Z]{2}';
const IE_EIRCODE = '[AC-FHKNPRTV-Y]\\d{2}[ \\t]?[AC-FHKNPRTV-Y0-9]{4}';
const CA_POSTCODE = '[ABCEGHJ-NPRSTVXY]\\d[A-Z][ \\t]?\\d[A-Z]\\d';
const AU_STATES = 'NSW|VIC|QLD|WA|SA|TAS|ACT|NT';
/** Postal codes written before the city (most of continental Europe and Latin America; Argentina's "C1043AAZ"). */
const CODE_BEFORE_CITY = '(?:\\d{5}(?:-\\d{3})?|\\d{4}-\\d{3}|\\d{4}[ \\t]?[A-Z]{2}|\\d{2}-\\d{3}|\\d{3}[ \\t]\\d{2}|\\d{4}|[A-Z]\\d{4}[A-Z]{3})';
/** What may be written before such a code: "C.P. 44100", "CEP 01310-200", "PLZ 80331", the old "D-80331", "CH-8001". */
const CODE_PREFIX = '(?:(?:C\\.P\\.|CP|CEP|PLZ)[ \\t]*|(?:D|A|CH|F|B|I|L|NL|FI|DK|S|N|E|P)-)';
/** A city's district number after it ("110 00 Praha 1", "1000 Bruxelles 1"). */
const DISTRICT_NO = '(?:[ \\t]+\\d{1,2}(?![\\p{L}\\p{N}]|[.,:/-]\\d))';
/**
 * The locality line of a full address: a postal code before the city, or the city then what follows it
 * (written once, its endings after it: the pattern stays small).
 */
const LOCALITY =
  `(?:${CODE_PREFIX}?${CODE_BEFORE_CITY}[ \\t]+${CITY}${CITY_TAIL}${DISTRICT_NO}?(?:[ \\t]+\\([A-Z]{2}\\))?` + // 75012 Paris, 1016 GV Amsterdam, 4050-262 Porto, C.P. 44100 Guadalajara, 37121 Verona (VR)
  `|(?:C\\.P\\.|CP|CEP)[ \\t]*${CODE_BEFORE_CITY},[ \\t]*${CITY}` + // C.P. 06500, Ciudad de México
  `|Dublin[ \\t]+\\d{1,2}W?(?:,?[ \\t]+${IE_EIRCODE})?(?![\\p{L}\\p{N}])` + // Dublin 2, Dublin 6W (the city's postal districts)
  `|${CITY}(?:[ \\t]+\\(${CAP}(?:[ \\t]${CAP})?\\))?(?:,?[ \\t]+(?:[A-Z]{2}|[A-Z]\\.[A-Z]\\.),?[ \\t]+(?:\\d{5}-\\d{3}|\\d{5}(?:-\\d{4})?|${CA_POSTCODE})` + // Springfield, IL 62704; Toronto, ON M5K 1A2
  `|,?[ \\t]+(?:${AU_STATES})[ \\t]+\\d{4}` + // Melbourne VIC 3000
  `|(?:,[ \\t]*|[ \\t]+|,?[ \\t]*\\n[ \\t]*)(?:${UK_POSTCODE}|${IE_EIRCODE}|${CA_POSTCODE})` + // London SW7 1QJ, Dublin D02 X590, Toronto, Ontario M5V 2T6, a postcode on its own line
  `|[ \\t]*[-–/][ \\t]*[A-Z]{2},?[ \\t]+(?:CEP[ \\t]*)?\\d{5}-?\\d{3}` + // São Paulo - SP, 01310-200
  `|,?[ \\t]+\\d{3}-\\d{4}` + // Tokyo 160-0023
  `|(?:[ \\t]*[-–][ \\t]*|[ \\t]+)\\d{6}` + // Lagos 101241, Bengaluru 560001, Pune - 411045, Singapore 018956
  `|(?:,?[ \\t]+|,[ \\t]*)(?:\\d{7}|\\d{2}-\\d{3}|\\d{4,5}(?![-–]\\d)))` + // Santiago 7550000, Tel Aviv 6688218, Łódź,90-006
  `|(?:\\d{5}|\\d{2}-\\d{3}|\\d{4}-\\d{3})[ \\t]*[,;|][ \\t]*${CITY}` + // a code and its city in separate cells or after a comma ("10625;Berlin", "28001, Madrid")
  ')'; // (the one before: Auckland 1010, Seoul 06134, Cape Town, 8001, not the ZIP of "IL 66885-1901")
/**
 * What separates the lines of an address written on one line: a comma, a line break, and in letterheads, CV headers,
 * footers and tables a middle dot, a bullet, a bar, a semicolon or a spaced dash ("12 Elm Rd | Leeds LS6 2AB").
 */
const SEP = '(?:,(?:[ \\t]*\\n)?|[ \\t]*[\\n;·•|]|[ \\t]+[-–—](?=[ \\t]))[ \\t]*';
/** Landmark words of Indian and other South Asian addresses ("near City Mall", "opp. Bus Stand", "behind Railway Station"). */
const LANDMARK = '(?:near|opp\\.?|opposite|behind|beside)';
/** A neighbourhood or district between the street and the locality ("Victoria Island", "Col. Juárez", "Shinjuku-ku"). */
const DISTRICT = `(?:(?:Col\\.|Colonia|Fracc\\.|Barrio|Bairro|Urb\\.|Bo\\.|${LANDMARK})[ \\t]+)?(?:${CITY}|(?:${CAP}[ \\t]+)?\\d{1,2}(?:st|nd|rd|th)(?:[ \\t]+${CAP}){1,2}|(?:Road|Street|Lane|Sector|Phase)[ \\t]+No\\.?[ \\t]*\\d{1,3}[A-Z]?(?![\\p{L}\\p{N}])|${CAP}[ \\t]+\\d{1,3}[A-Z]?(?![\\p{L}\\p{N}]))`;

/**
 * A postal code and city written after the street with no comma, as running text does ("5 place Bellecour
 * 69002 Lyon", "Lindenstraße 12 50674 Köln"): only the code shapes that a house number is not (five digits,
 * "1015 CJ", "4050-262", "00-514", "110 00"), never a bare four-digit number.
 */
const CODE_LOCALITY_AFTER_SPACE = `[ \\t]+(?:\\d{5}(?:-\\d{3})?|\\d{4}-\\d{3}|\\d{4}[ \\t]?[A-Z]{2}|\\d{2}-\\d{3}|\\d{3}[ \\t]\\d{2})[ \\t]+${CITY}${CITY_TAIL}${DISTRICT_NO}?`;

/** Street line, number first: "88 Rue du Faubourg Saint-Antoine", "1600 Amphitheatre Pkwy", "Unit 4/56 Smith St". */
const NUMBER_FIRST = `(?:(?:Unit|Flat|Apt|Shop|Suite|Villa)[ \\t]+(?=\\d{1,4}[A-Z]?/\\d)|#|No\\.[ \\t]*)?${HOUSE_NO},?[ \\t]+(?:(?:rue|avenue|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|voie|passage|square)[ \\t]+(?:${LINK}[ \\t]+)*)?${STREET_NAME}\\.?`;
/** A Singapore block and its street, which may end in a number ("Blk 123 Ang Mo Kio Avenue 6"). */
const SG_BLOCK = `(?:Blk|Block)\\.?[ \\t]+${HOUSE_NO}[ \\t]+${STREET_NAME}(?:[ \\t]+\\d{1,3}(?![\\p{L}\\p{N}]))?`;
/** Street line, number after: "Prinsengracht 263", "Calle de Atocha 34", "Puente Gustavo Reynoso, 1". */
/** What may stand before a house number written after the street: "nº", "n.", Romanian "nr.", Turkish "No:", "No.". */
const NO_WORD = '(?:n[º°.]?|nr\\.?|No[.:]?)';
const NUMBER_AFTER = `(?:C/[ \\t]*)?${STREET_NAME},?[ \\t]+(?:(?:${NO_WORD}[ \\t]*)?${HOUSE_NO}|[sS]/[nN](?![\\p{L}\\p{N}]))`;
const DIRECTION = '(?:[ \\t]+(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\\.?(?![\\p{L}]))';
/** A street line without a number, ending in a street-type word ("Church Lane", "12th Main Road"): only before a full locality or after a numbered unit. */
const TYPED_STREET = `(?:${STREET_WORD}[ \\t]+(?:${LINK}[ \\t]+)*){1,4}(?:${STREET_TYPES})\\.?(?![\\p{L}])${DIRECTION}?`;
/**
 * Colombian numbered streets: "Carrera 7 # 71-21", "Calle 93 #11-26", "Av. Calle 26 No. 68-35",
 * "Diagonal 40A Sur # 27-10".
 */
const CO_STREET = `(?:Calle|Carrera|Cra\\.?|Kra\\.?|Cl\\.?|Avenida|Av\\.?|Diagonal|Dg\\.?|Transversal|Tv\\.?)[ \\t]+\\d{1,3}[A-Z]?(?:[ \\t]?[Bb]is)?(?:[ \\t]+(?:Sur|Norte|Este|Oeste))?[ \\t]*(?:#|[Nn][oº°]\\.?)[ \\t]*\\d{1,3}[A-Z]?[ \\t]*-[ \\t]*\\d{1,3}(?:[ \\t]+(?:Sur|Norte|Este|Oeste))?`;
/** A street without a number, with or without a unit before it and no comma ("Unit 12 Riverside Way", "Church Lane"). */
const UNIT_THEN_STREET = `(?:(?:${UNIT_WORDS_BEFORE})\\.?[ \\t]*#?[\\w/-]{1,6}[ \\t]+)?${TYPED_STREET}`;
/**
 * A full address: a unit or building, then a street line (or a post-office box, or a numbered unit with no street at all,
 * as Indian addresses often have: "Flat 302, Lotus Apartments, near City Mall, Andheri West, Mumbai - 400053"), then
 * districts and the locality.
 */
const FULL = `${UNIT_BEFORE}?(?:${NUMBER_FIRST}|${NUMBER_AFTER}|${PO_BOX}|${CO_STREET}|${UNIT_THEN_STREET}|${SG_BLOCK}|${UNIT_LEAD})${UNIT}?(?:[ \\t]+[-–][ \\t]+${DISTRICT})?(?:${SEP}(?:${DISTRICT}${SEP}){0,3}${LOCALITY}|${CODE_LOCALITY_AFTER_SPACE})`;

/** Country names (in English and in their own languages) a locality without a postal code is never taken for. */
const COUNTRIES_OF_LOCALITIES = (
  'USA|U.S.A.|US|UK|United Kingdom|United States|Great Britain|England|Scotland|Wales|Ireland|Éire|' +
  'Australia|New Zealand|Canada|India|South Africa|Nigeria|Kenya|Ghana|France|Belgique|België|Belgium|' +
  'Schweiz|Suisse|Svizzera|Switzerland|Deutschland|Germany|Österreich|Austria|Nederland|Netherlands|' +
  'España|Spain|México|Mexico|Argentina|Colombia|Chile|Perú|Peru|Portugal|Brasil|Brazil|Italia|Italy|' +
  'Polska|Poland|Česko|Czechia|Czech Republic|Sverige|Sweden|Norge|Norway|Danmark|Denmark|Suomi|' +
  'Finland|Japan|Korea|South Korea|Republic of Korea|China'
).split('|');
/**
 * Every country name an address may end with (compared in lower case: "CHILE", "Kenya"): the ones above and more of
 * Africa, Asia, the Middle East, Eastern Europe and Latin America.
 */
const COUNTRY_NAMES: ReadonlySet<string> = new Set(
  [
    ...COUNTRIES_OF_LOCALITIES,
    ...(
      'PRC|Hong Kong|Taiwan|Singapore|Malaysia|Indonesia|Philippines|Thailand|Vietnam|Viet Nam|Pakistan|' +
      'Bangladesh|Sri Lanka|Nepal|Tanzania|Uganda|Rwanda|Ethiopia|Zambia|Zimbabwe|Botswana|Namibia|' +
      'Cameroon|Senegal|Côte d’Ivoire|Ivory Coast|Egypt|Morocco|Maroc|Tunisia|Algeria|UAE|U.A.E.|' +
      'United Arab Emirates|Saudi Arabia|KSA|Qatar|Kuwait|Bahrain|Oman|Jordan|Lebanon|Israel|Turkey|' +
      'Türkiye|Iran|Iraq|Greece|Cyprus|Malta|Hungary|Magyarország|Romania|România|Bulgaria|Serbia|Croatia|' +
      'Hrvatska|Slovenia|Slovakia|Slovensko|Ukraine|Україна|Russia|Russian Federation|Belarus|Lithuania|' +
      'Latvia|Estonia|Iceland|Ísland|Luxembourg|Monaco|Uruguay|Paraguay|Bolivia|Ecuador|Venezuela|' +
      'Costa Rica|Panama|Panamá|Guatemala|Puerto Rico|Jamaica|U.S.|U.K.|Nihon'
    ).split('|'),
  ].map((n) => n.toLowerCase()),
);
/** The first list as a pattern (an address ends before them). */
const COUNTRY = `(?:${COUNTRIES_OF_LOCALITIES.map((n) => n.replace(/\./g, '\\.')).join('|')})`;
/** Where a locality written without a postal code ends: a line break, punctuation or the end of the text. */
const LOCALITY_END = `(?=[ \\t]*(?:[\\n,.;:)!?"'”\\]}]|$)|[ \\t]+[-–—][ \\t])`;
/**
 * Up to two localities after a bare street line ("14 Awolowo Road, Ikoyi, Lagos", "Rua das Flores, 123,
 * Curitiba - PR"): capitalised words after a comma that end the line or the clause, never a country,
 * never followed by a number (that is a full address's locality).
 */
const BARE_LOCALITY = `(?:(?:,[ \\t]*|[ \\t]*[·•|][ \\t]*)(?!${COUNTRY}${LOCALITY_END}|\\p{Lu}(?!\\p{L}))${DISTRICT}(?:[ \\t]*[-–][ \\t]*[A-Z]{2}|[ \\t]+D\\.C\\.)?(?![ \\t]*\\d)${LOCALITY_END}){0,2}`;

// Bare street lines (no locality): a street-type word is required. Each takes the unit parts after it (in `STREET_RE`), so that the
// stream scanner's settling count (complete tokens after an address) covers only the postcode and city that may follow.
const EN_STREET = `(?:No\\.[ \\t]*)?${HOUSE_NO}[ \\t]+(?:${CAP}[ \\t]+){1,3}(?:${STREET_TYPES})\\.?(?![\\p{L}])${DIRECTION}?`;
/** Street-type endings of one-word street names: German, Dutch, and Nordic ("Drottninggatan", "Strandvejen", "Mannerheiminkatu"). */
const DE_SUFFIX =
  'straße|strasse|str\\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad|gracht|straat|laan|plein|kade|singel|gatan|gata|gaten|gate|vägen|veien|vegen|vej|gade|stræde|torv|katu|kuja|tie';
/** Numbered places that are not streets: work, parking, storage and seat places ("Stellplatz 12", "Lagerplatz 5"). */
const NOT_STREET_PLACE = '(?!(?:Arbeits|Park|Stell|Lager|Sitz|Abstell|Liege)platz)';
const DE_STREET = `${NOT_STREET_PLACE}${TITLE_JOIN}?(?:${CAP}(?:${DE_SUFFIX})|${CAP}(?:[ \\t-]${CAP})?[ \\t-](?:Straße|Strasse|Str\\.|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer)|${CAP}(?:[ \\t]+${CAP}){0,2}[ \\t]+(?:${TYPE_AFTER}))[ \\t]+${HOUSE_NO}`;
/** Polish streets: "ul. Marszałkowska 84/92 m. 15", "al. Jerozolimskie 65/79". */
const PL_STREET = `${PL_OPENER}${CAP}(?:[ \\t]+${CAP}){0,3}[ \\t]+${HOUSE_NO}`;
/**
 * A post-office box with its town and no postal code ("P.O. Box 9120, Dar es Salaam", "Private Bag 00200, Nairobi"), or
 * a Kenyan one that carries its code ("P.O. Box 30123-00100, Nairobi"); a bare "Box 12" only with such a code.
 */
const BOX_LOCALITY = `(?:${PO_BOX_WORDS.replace('|Box)', ')')}[ \\t]+\\d{1,6}(?:-\\d{5})?|${PO_BOX_WORDS}\\.?[ \\t]+\\d{1,6}-\\d{5})(?:,[ \\t]*${CITY}){1,2}${LOCALITY_END}`;
/**
 * A numbered unit, then a street without a number that ends in its type word ("Building 7, Al Corniche Street"), or
 * two to four named parts that end the clause: buildings, towers, districts, the town ("Room 803, Tower B, Jianwai SOHO,
 * Chaoyang District, Beijing").
 */
const UNIT_LED = `${UNIT_LEAD}${LINE_SEP}(?:(?:${BUILDING}[ \\t]*${LINE_SEP})?${TYPED_STREET}|(?:${UNIT_LEAD}|${CAP}(?:[ \\t]+(?:${CAP}|[A-Z\\d]{1,3}(?![\\p{L}\\p{N}])))*)(?:${LINE_SEP}(?:${UNIT_LEAD}|${CAP}(?:[ \\t]+(?:${CAP}|[A-Z\\d]{1,3}(?![\\p{L}\\p{N}])))*)){1,3}${LOCALITY_END})`;
/** A Japanese address in Latin script written from the postal code down ("〒530-0001 Osaka-fu, Osaka-shi, Kita-ku, Umeda 3-1-3"). */
const JP_FROM_CODE = `〒[ \\t]*\\d{3}-\\d{4}(?:[ \\t]*,?[ \\t]*${CAP}(?:[ \\t]${CAP})?){1,5},?[ \\t]+\\d{1,4}(?:-\\d{1,4}){1,2}(?![\\p{L}\\p{N}])`;
/** Both "rue" and "Rue": French street types are written either way. */
const FR_TYPES = ['rue', 'avenue', 'av\\.', 'boulevard', 'bd', 'place', 'chemin', 'allée', 'impasse', 'quai', 'route', 'cours', 'voie', 'passage', 'square']
  .map((t) => `[${t[0]!.toUpperCase()}${t[0]}]${t.slice(1)}`)
  .join('|');
const FR_STREET = `\\d{1,4}(?:[ \\t]?(?:bis|ter))?,?[ \\t]+(?:${FR_TYPES})[ \\t]+(?:(?:de|du|des|la|le|l'|d')[ \\t]*)*${CAP}(?:[ \\t-]+(?:(?:de|du|des|la|le|l'|d')[ \\t]*)*${CAP}){0,3}`;
const ROMANCE_TYPES =
  'Calle|C/|Avenida|Avda\\.|Av\\.|Str\\.|Strada|Bd\\.|Bdul\\.|Bulevardul|Calea|Șos\\.|Șoseaua|Aleea|Splaiul|Paseo|Plaza|Camino|Carrera|Rambla|Ronda|Travesía|Carretera|Ctra\\.|Rua|Travessa|Largo|Praça|Praca|Alameda|Estrada|Via|Viale|Piazza|Corso|Vicolo|Piazzale';
const ROMANCE_LINK = "(?:de|de'|de’|del|de la|de los|de las|da|do|dos|das|della|delle|dei|degli|di|d')";

/** Lower-case street types after a name, Polish openers, post-office box words. */
const OTHER_INNER_WORDS =
  'gate|gata|gatan|vei|veien|veg|vegen|vej|gade|allé|plass|torg|torget|náměstí|nám|třída|ulice|nábřeží|utca|út|tér|ul|al|pl|os|vul|prosp|ulica|aleja|plac|postale|pocztowa|correos|near|opp|opposite|behind|beside';

/**
 * Every lower-case word that can sit inside an address (between its first and last word): the
 * street links (and "en", the one city link not among them: "Bourg-en-Bresse"), French street types, "bis"/"ter", "n." before a number. The stream scanner
 * keeps a run that ends in one of these open, since the address may go on.
 */
export const ADDRESS_INNER_WORDS: ReadonlySet<string> = new Set(
  `${LINK}|en|rue|avenue|av|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|voie|passage|square|bis|ter|hs|n|${UNIT_INNER_WORDS}|${OTHER_INNER_WORDS}`
    .replace(/[(?:)']/g, '')
    .split(/[| ]/)
    .filter((w) => w.length > 0),
);
const ROMANCE_STREET = `(?:(?:${ROMANCE_TYPES})[ \\t]+(?:${ROMANCE_LINK}[ \\t]+)?${CAP}(?:[ \\t]+(?:${ROMANCE_LINK}[ \\t]+)?${CAP}){0,3},?[ \\t]+(?:(?:${NO_WORD}[ \\t]*)?\\d{1,5}[A-Za-z]?(?:/[A-Za-z](?![\\p{L}\\p{N}]))?|[sS]/[nN](?![\\p{L}\\p{N}]))|${CO_STREET})`;

/** A capitalised run that opens with a Romance or French street-type word and has a house number after it is a street ("Rua Augusta 142", "Via Garibaldi, 21"), not a person (the NAME recognizer asks). */
export const STREET_OPENER_RE = new RegExp(`^(?:${ROMANCE_TYPES}|${FR_TYPES})[ \\t]`, 'u');

const START = '(?<![\\p{L}\\p{N}_.-])';
export const FULL_RE = new RegExp(`${START}${FULL}(?![\\p{L}\\p{N}])`, 'gu');
/** The separator and locality every full address ends with: found first (it starts at a comma or a line break), then the full pattern runs only just before it. */
export const LOCALITY_ANCHOR_RE = new RegExp(`(?:${SEP}(?:${DISTRICT}${SEP}){0,3}${LOCALITY}|${CODE_LOCALITY_AFTER_SPACE})`, 'uy');
/** Longest street part (unit, number, street name) before the locality. */
const STREET_PART_MAX = 160;
/** Each street form, then its unit parts and up to two localities without a code (written once: the pattern stays small). */
export const STREET_RE = new RegExp(
  `${START}(?:(?:(?:${EN_STREET}|${DE_STREET}|${FR_STREET}|${ROMANCE_STREET}|${PL_STREET})${UNIT}?|${UNIT_LED})${BARE_LOCALITY}|${BOX_LOCALITY}|${JP_FROM_CODE})`,
  'uy',
);
const STREET_TYPE_RE = new RegExp(`(?:^|[ \\t])(?:${STREET_TYPES}|${ROMANCE_TYPES}|${FR_TYPES}|${TYPE_AFTER})\\.?(?:[ \\t,]|$)|(?:${DE_SUFFIX})[ \\t]`, 'iu');
/** What a full address without a house number in front may open with: a unit, a building or a post-office box. */
const NUMBERLESS_LEAD_RE = new RegExp(
  `^(?:(?:${UNIT_WORDS_BEFORE})\\.?[ \\t]*(?:(?:No|Nr)\\.?[ \\t]*)?#?[\\w/-]{1,9}[,\\n \\t]|[A-Z]-\\d|(?:Ground|First|Second|Third|Top|Upper|Lower)[ \\t]+Floor|${BUILDING}[ \\t]*[,\\n]|${PO_BOX}|${PL_OPENER}|${CO_STREET})`,
  'u',
);

/** What a country written after an address is separated by: a comma, a line break, a one-line separator, a spaced dash. */
const COUNTRY_SEP = '(?:,[ \\t]*|[ \\t]*\\n[ \\t]*|[ \\t]*[;|·•][ \\t]*|[ \\t]+[-–][ \\t]+)';
/** Where a region or a country after an address ends: what ends a locality, or a bar. */
const TAIL_END = `(?=[ \\t]*(?:[\\n,.;:|)!?"'”\\]}]|$)|[ \\t]+[-–—][ \\t])`;
/** Capitalised words after a comma that open a sentence, a label or a date, not a region. */
const NOT_REGION =
  '(?:Attn|Attention|Tel|Phone|Fax|Email|E-mail|Mob|Mobile|Cell|Web|Ref|Thanks|Thank|Regards|Best|Cheers|Please|Kind|Sincerely|Dear|Hi|Hello|Open|Closed|Daily|' +
  'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun|January|February|March|April|May|June|July|August|September|October|November|December|' +
  'Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Ltd|Inc|LLC|GmbH|VAT|GST|Reg|No|Yes|OK|Ok)(?![\\p{L}])';
/** A region or a state after a full address's postal code and city ("…, Bengaluru 560034, Karnataka", "…, 06700 Ciudad de México, CDMX", "…, Jal."). */
const REGION_TAIL_RE = new RegExp(`,[ \\t]*(?!${NOT_REGION})(?:\\p{Lu}\\p{Ll}{1,3}\\.(?=[ \\t]*(?:[\\n,;|)]|$))|${CAP}(?:[ \\t]+${CAP}){0,2}${TAIL_END})`, 'uy');
/** Up to three words after a separator that may name a country ("…, Nairobi, Kenya", "…\\nCHILE", "…, United Arab Emirates"). */
const COUNTRY_WORDS_RE = new RegExp(`${COUNTRY_SEP}(?=\\p{Lu})([\\p{L}.’'-]+(?:[ \\t]+[\\p{L}.’'-]+){0,2})`, 'uy');
/** The same after a postal code with only a space between ("Tokyo 153-0063 Japan", "London SW1A 1AA UK"). */
const COUNTRY_WORDS_AFTER_CODE_RE = new RegExp(`[ \\t]+(?=\\p{Lu})([\\p{L}.’'-]+(?:[ \\t]+[\\p{L}.’'-]+){0,2})`, 'uy');
const TAIL_END_RE = new RegExp(TAIL_END, 'uy');

/**
 * Where a country written after `end` ends (its longest run of the words `re` finds that names one, a final dot left
 * out unless it belongs to the name, "U.S.A."), or `end`. The words are looked up in a set, not matched by a pattern of
 * every name: a small pattern compiles and runs cheaply. `clauseEnd`: the clause must end after the country.
 */
function countryEnd(text: string, end: number, re: RegExp, clauseEnd: boolean): number {
  re.lastIndex = end;
  const m = re.exec(text);
  if (m === null) return end;
  const from = m.index + m[0].length - m[1]!.length;
  for (let e = m.index + m[0].length; e > from;) {
    for (const cut of text.charCodeAt(e - 1) === 46 ? [e, e - 1] : [e]) {
      if (!COUNTRY_NAMES.has(text.slice(from, cut).toLowerCase())) continue;
      TAIL_END_RE.lastIndex = cut;
      if (!clauseEnd || TAIL_END_RE.test(text)) return cut;
    }
    // The run one word shorter.
    while (e > from && !isBlank(text.charCodeAt(e - 1))) e--;
    while (e > from && isBlank(text.charCodeAt(e - 1))) e--;
  }
  return end;
}
/**
 * A unit and/or a building's name right before a bare street line ("Apartment 3, 12 Rue Ibn Batouta", "Office 1204, Al
 * Moosa Tower 2, Sheikh Zayed Road"), as before a full address: looked for only before a street line found (not at
 * every capital of the text), so the street scan stays as cheap as it was.
 */
const LEAD_BEFORE_RE = new RegExp(`(?<![\\p{L}\\p{N}_.-])(?:${UNIT_LEAD}${LINE_SEP}(?:${BUILDING}[ \\t]*${LINE_SEP})?|${BUILDING}[ \\t]*${LINE_SEP})`, 'uy');
/** A floor or unit written after the whole address ("…, Tel Aviv 6688218, Israel, 4th floor", "…, London W1 2AB, Suite 5"). */
const UNIT_TAIL_RE = new RegExp(
  `,[ \\t]*(?:\\d{1,2}(?:st|nd|rd|th)[ \\t]+[Ff]loor|(?:[Ff]loor|[Ll]evel|[Ss]uite|[Aa]pt\\.?|[Uu]nit|[Rr]oom)[ \\t]*#?\\d{1,4}[A-Za-z]?)(?![\\p{L}\\p{N}])${TAIL_END}`,
  'uy',
);
/** A postal code and city written before the street, as Hungarian addresses are ("1062 Budapest, Andrássy út 66"). */
const CODE_CITY_BEFORE_RE = new RegExp(`(?<![\\p{L}\\p{N}.,/-])\\d{4}[ \\t]+${CITY},[ \\t]*`, 'uy');

/**
 * Where the part before `at` opens: after the comma, line break or spaced dash before it (and its blanks), at most
 * `LEAD_PART_MAX` characters back; -1 when `at` does not follow such a separator.
 */
function partBefore(text: string, at: number): number {
  let i = at;
  while (i > 0 && isBlank(text.charCodeAt(i - 1))) i--;
  const c = text.charCodeAt(i - 1);
  if (c === 44 || c === 10) i--;
  else if ((c === 45 || c === 0x2013) && i < at && i > 1 && isBlank(text.charCodeAt(i - 2))) i -= 2;
  else return -1;
  const stop = Math.max(0, i - LEAD_PART_MAX);
  while (i > stop) {
    const d = text.charCodeAt(i - 1);
    if (d === 44 || d === 10 || ((d === 45 || d === 0x2013) && i > 1 && isBlank(text.charCodeAt(i - 2)) && isBlank(text.charCodeAt(i)))) break;
    i--;
  }
  // A long part with no separator (running text): its last `LEAD_PART_MAX` characters, from a word's start.
  if (i === stop && stop > 0) while (i < at && !isBlank(text.charCodeAt(i))) i++;
  while (isBlank(text.charCodeAt(i))) i++;
  return i;
}
const LEAD_PART_MAX = 48;

/**
 * Where a bare street line found at `at` really opens: at a unit and/or a building's name in the one or two parts before
 * it, or at a postal code and city in the part before it ("1062 Budapest, Andrássy út 66"); `at` when neither is there.
 * Tried only at the words of those parts that open with a capital, a digit or "#".
 */
function leadStart(text: string, at: number, streetOpensWithNumber: boolean): number {
  const one = partBefore(text, at);
  if (one < 0) return at;
  const two = partBefore(text, one);
  for (let p = two >= 0 ? two : one; p < at; p++) {
    if (p > 0 && !isBlank(text.charCodeAt(p - 1)) && p !== one && p !== two) continue;
    const c = text.charCodeAt(p);
    if (!((c >= 65 && c <= 90) || c >= 128 || c === 35 || (isDigit(c) && !streetOpensWithNumber))) continue;
    LEAD_BEFORE_RE.lastIndex = p;
    if (LEAD_BEFORE_RE.test(text) && LEAD_BEFORE_RE.lastIndex === at) return p;
    if (!streetOpensWithNumber && isDigit(c) && p >= one) {
      CODE_CITY_BEFORE_RE.lastIndex = p;
      if (CODE_CITY_BEFORE_RE.test(text) && CODE_CITY_BEFORE_RE.lastIndex === at) return p;
    }
  }
  return at;
}

/**
 * Where an address that ends at `end` really ends: after a region (only after a postal code's locality: `full`), a
 * country written after it, and (`full` again) a floor or unit written last. The country is part of the address; the person or company above it is not.
 */
function tailEnd(text: string, end: number, full: boolean): number {
  if (full) {
    REGION_TAIL_RE.lastIndex = end;
    // A country is not a region (the country's own tail takes it).
    if (
      REGION_TAIL_RE.test(text) &&
      !COUNTRY_NAMES.has(
        text
          .slice(end, REGION_TAIL_RE.lastIndex)
          .replace(/^,[ \t]*/, '')
          .toLowerCase(),
      )
    )
      end = REGION_TAIL_RE.lastIndex;
  }
  const c = text.charCodeAt(end);
  if (c !== 44 && c !== 10 && c !== 32 && c !== 9 && !markSep(c)) return end;
  const country = countryEnd(text, end, COUNTRY_WORDS_RE, false);
  if (country > end) end = country;
  else if (isBlank(c) && (isDigit(text.charCodeAt(end - 1)) || (text.charCodeAt(end - 1) >= 65 && text.charCodeAt(end - 1) <= 90))) {
    end = countryEnd(text, end, COUNTRY_WORDS_AFTER_CODE_RE, true);
  }
  // A floor or unit after a full address (with its postal code) closes it.
  if (full && text.charCodeAt(end) === 44) {
    UNIT_TAIL_RE.lastIndex = end;
    if (UNIT_TAIL_RE.test(text)) end = UNIT_TAIL_RE.lastIndex;
  }
  return end;
}

const ADDRESS_CONTEXT =
  /\b(?:address|addr|live|lives|living|located|located at|reside|resides|ship(?:ping)? to|deliver(?:y)? to|send (?:it|them|this) to|return to|mail(?:ing)?|billing|home|office|warehouse|visit us at|moved to|adresse|wohne|wohnt|anschrift|dirección|direccion|endereço|indirizzo|vivo|j'habite|habite|habitons|wohnen|abito|abita|moro|mora|domicile)\b[^\n]{0,24}$/;

/**
 * What may stand right before a street line that opens with its number and has no locality and no context word: the
 * start of a line, a field's or cell's punctuation, or a word that places something ("at", "to", "from", "on", "in",
 * "near", "is", "au", "chez", "nach", "bei"...). A number after any other word is a count, a chapter or a section
 * ("bought 3 Sesame Street mugs", "Section 12 Park Avenue Act"), not a house.
 */
const BARE_NUMBER_BEFORE =
  /(?:^|[:;,.!?()[\]{}"'“”‘’«»|·•/*>–—-]|(?:^|[^\p{L}])(?:at|to|from|on|in|into|onto|near|for|is|are|was|were|via|by|off|opposite|outside|behind|beside|past|towards?|s|à|au|aux|chez|en|de|du|le|a|al|el|em|no|na|para|presso|nach|bei|an|am|im|der|zur|zum|auf|von|ab))[ \t]*$/u;

/** Capitalised words that start a sentence or a label, not a street ("Visit Calle Mayor 15"). */
const NOT_STREET_START =
  /^(?:visit|send|ship|deliver|mail|return|write|post|come|meet|see|find|call|at|to|in|on|from|our|my|your|the|new|home|office|address|adresse|bei|nach|chez|en|a|para|per|der|die|das|dem|bitte|please|kindly|merci|gracias|grazie|danke)$/i;
/** Lower-case prepositions before a street ("Bitte an Prof.-Hermann-Str. 21"): written in lower case, never a street's first word. */
const LOWER_LEAD = /^(?:an|auf|zu|zur|zum|im|am|à|au|aux|em|na|no|al|del)$/;

function trimLead(text: string, start: number, end: number): number {
  // Drop leading capitalised words that are not part of a street ("Visit Calle Mayor 15, ..."), not those of a unit or a building ("Office 4, ", "The Old Rectory, ").
  let s = start;
  for (;;) {
    const rest = text.slice(s, end);
    const m = /^(\p{L}+)[ \t]+/u.exec(rest);
    if (!m || !(NOT_STREET_START.test(m[1]!) || LOWER_LEAD.test(m[1]!)) || NUMBERLESS_LEAD_RE.test(rest)) return s;
    s += m[0].length;
  }
}

/** A low surrogate right after a high one: the middle of a character, where a `u` pattern never starts a match. */
function midPair(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff && i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff;
}

/** An ASCII digit. */
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A space or a tab. */
function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** `;`, `·`, `•` or `|`: separators of an address written on one line (see `SEP`). */
function markSep(c: number): boolean {
  return c === 59 || c === 0xb7 || c === 0x2022 || c === 124;
}

/**
 * Whether what follows text[i] after blanks can open a district or a locality: a digit, a capital (any non-ASCII
 * character may be one), or the "n", "o" or "b" of a landmark word ("near", "opp.", "opposite", "behind", "beside").
 * A one-line separator before anything else anchors nothing, and the pattern is not run there.
 */
function localityStartAfter(text: string, i: number): boolean {
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  const c = text.charCodeAt(i);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c >= 128 || c === 110 || c === 111 || c === 98;
}

/**
 * Whether what follows a comma or a line break at text[i - 1], after blanks, can go on into a district or a locality:
 * what `localityStartAfter` allows, or the `,`, `-`, `/` or line break that some locality forms open with ("Sydney, NSW
 * 2000" after a comma, "São Paulo - SP", a postcode on the next line). A comma or a line break before anything else
 * (a lower-case word, a quote, a bracket) anchors nothing, and the pattern is not run there.
 */
function separatorOpensAfter(text: string, i: number): boolean {
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  const c = text.charCodeAt(i);
  return localityStartAfter(text, i) || c === 44 || c === 45 || c === 47 || c === 10;
}

/** `-`, `–` or `—`: a separator between blanks (see `SEP`). */
function dashSep(c: number): boolean {
  return c === 45 || c === 0x2013 || c === 0x2014;
}

/**
 * Whether the digits at text[i] (after a space) open a postal code that `CODE_LOCALITY_AFTER_SPACE`
 * allows: five digits, four then `-`, a space or a capital ("4050-262", "1015 CJ"), two then `-`
 * ("00-514"), three then a space ("110 00"). Any other number after a space anchors nothing, and the
 * pattern is not run there.
 */
function codeShapeAt(text: string, i: number): boolean {
  let d = 0;
  while (d < 6 && i + d < text.length && text.charCodeAt(i + d) >= 48 && text.charCodeAt(i + d) <= 57) d++;
  const next = text.charCodeAt(i + d);
  if (d === 5) return true;
  if (d === 4) return next === 45 || isBlank(next) || (next >= 65 && next <= 90);
  if (d === 2) return next === 45;
  return d === 3 && isBlank(next);
}

/** The characters `nextAnchor` tries a match at (or from the blanks before): `,`, a line break, `;`, `·`, `•`, `|`, `-`, `–`, `—`, a digit. */
const ANCHOR_CHAR_RE = /[,\n;\u00b7\u2022|\-\u2013\u2014\d]/g;

/**
 * The first match of the sticky `LOCALITY_ANCHOR_RE` starting in [pos, limit): what the same pattern
 * searched globally from `pos` finds (or null when that starts at `limit` or later). Every match opens
 * with a comma, a line break, spaces and tabs that run into a line break or a one-line separator (`;`, `·`, `•`,
 * `|`, a dash after a blank), or spaces and tabs before a digit (and then matches from the first of those spaces exactly when it matches from any later one),
 * so only those places are tried.
 */
export function nextAnchor(text: string, pos: number, limit: number): RegExpExecArray | null {
  const end = Math.min(text.length, limit);
  for (let i = pos; i < text.length; i++) {
    // Before the limit, only a comma, a line break, a one-line separator, a dash or a digit can anchor: jump to the next one.
    if (i < end) {
      ANCHOR_CHAR_RE.lastIndex = i;
      i = ANCHOR_CHAR_RE.test(text) ? Math.min(ANCHOR_CHAR_RE.lastIndex - 1, end) : end;
      if (i >= text.length) break;
    }
    const c = text.charCodeAt(i);
    // Past the limit, only a match opening with spaces that begin before it can still start in range.
    if (i >= end && (!isBlank(text.charCodeAt(i - 1)) || (c !== 10 && !isBlank(c) && (c < 48 || c > 57) && !markSep(c) && !dashSep(c)))) break;
    let at = -1;
    if (c === 44) {
      if (!separatorOpensAfter(text, i + 1)) continue;
      at = i;
    } else if ((c === 10 && separatorOpensAfter(text, i + 1)) || ((markSep(c) || (dashSep(c) && i > pos && isBlank(text.charCodeAt(i - 1)))) && localityStartAfter(text, i + 1))) {
      at = i;
      while (at > pos && (text.charCodeAt(at - 1) === 32 || text.charCodeAt(at - 1) === 9)) at--;
    } else if (c >= 48 && c <= 57 && i > pos && isBlank(text.charCodeAt(i - 1)) && codeShapeAt(text, i)) {
      at = i - 1;
      while (at > pos && (text.charCodeAt(at - 1) === 32 || text.charCodeAt(at - 1) === 9)) at--;
    } else continue;
    if (at >= end) break;
    LOCALITY_ANCHOR_RE.lastIndex = at;
    const m = LOCALITY_ANCHOR_RE.exec(text);
    if (m !== null) return m;
  }
  return null;
}

/**
 * The first match of the sticky `STREET_RE` starting in [pos, limit), as a global search from `pos`
 * finds it. Every form opens with a digit, a capital or a lower-case Polish street opener ("ul."), not
 * right after a letter, digit, `_`, `.` or `-`, and has a digit on its line: only such places are
 * tried (any non-ASCII character counts as a possible capital).
 */
export function nextStreet(text: string, pos: number, limit: number): RegExpExecArray | null {
  const end = Math.min(text.length, limit);
  for (let i = pos; i < end; i++) {
    // A start needs a digit ahead on its line within the token limit (or is that digit): the stretch before the first
    // start `digitAhead` allows, or up to a line break with no digit before it, is skipped at once.
    if (!(i >= memoFrom && i <= memoTo && text === memoText)) digitAhead(text, i);
    if (!memoDigit) {
      i = memoTo;
      continue;
    }
    if (i < memoYesFrom) {
      i = memoYesFrom - 1;
      continue;
    }
    // After a letter, a digit, `_`, `.` or `-` no form starts (`START`): tested first, since most characters are inside words.
    if (i > 0) {
      const p = text.charCodeAt(i - 1);
      if (p < 128 ? (p >= 48 && p <= 57) || (p >= 65 && p <= 90) || (p >= 97 && p <= 122) || p === 95 || p === 46 || p === 45 : letterOrNumber(p)) continue;
    }
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c >= 128 || plOpenerAt(text, i))) continue;
    // At `pos` itself the pattern steps back to the character's start, as a global search does.
    if (i > pos && midPair(text, i)) continue;
    if ((c < 48 || c > 57) && !digitAhead(text, i)) continue;
    STREET_RE.lastIndex = i;
    const m = STREET_RE.exec(text);
    if (m !== null) return m;
  }
  return null;
}

/** Whether each character code (not a surrogate) is a letter or a number (`\p{L}`, `\p{N}`): 1 yes, 2 no, 0 not yet known. */
const LETTER_OR_NUMBER = new Uint8Array(0x10000);
const LETTER_OR_NUMBER_RE = /[\p{L}\p{N}]/u;

/** Whether the character with code `c` (128 or above) is a letter or a number; a surrogate (half of a character) is not known here and answers no. */
function letterOrNumber(c: number): boolean {
  if (c >= 0xd800 && c <= 0xdfff) return false;
  let k = LETTER_OR_NUMBER[c]!;
  if (k === 0) LETTER_OR_NUMBER[c] = k = LETTER_OR_NUMBER_RE.test(String.fromCharCode(c)) ? 1 : 2;
  return k === 1;
}

/** Whether a lower-case Polish street opener ("ul.", "al.", "pl.", "os.", "ulica", "aleja", "plac") starts at text[i]. */
function plOpenerAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  // u, a, p, o or v, then l, s, u or r: a cheap test first (most lower-case letters), the pattern only then.
  if (c !== 117 && c !== 97 && c !== 112 && c !== 111 && c !== 118) return false;
  const d = text.charCodeAt(i + 1);
  if (d !== 108 && d !== 115 && d !== 117 && d !== 114) return false;
  return PL_OPENER_AT_RE.test(text.slice(i, i + 6));
}
const PL_OPENER_AT_RE = new RegExp(`^${PL_OPENER}`, 'u');

/** Whitespace-separated tokens a street line opening with a word can have before its number ("Calle de la Cruz de los Reyes Magos, nº 12"): at most 15. */
const WORDS_BEFORE_NUMBER = 20;

/**
 * What `digitAhead` last worked out, for one stretch of one text: every start from `memoFrom` to `memoTo` (the first
 * digit or line break at or after `memoFrom`) gets its answer from it. Past a line break or the end (`memoDigit`
 * false) the answer is no for all of them; before a digit it is yes from `memoYesFrom` on (a later start has no more
 * tokens before the digit) and no before it. `nextStreet` asks at every capital of a line, left to right: each
 * stretch is scanned once instead of scanning up to the token limit again at every capital of a long line.
 */
let memoText: string | null = null;
let memoFrom = 0;
let memoTo = -1;
let memoDigit = false;
let memoYesFrom = 0;

/**
 * Whether a digit follows text[i] on the same line within `WORDS_BEFORE_NUMBER` tokens: every
 * street line that opens with a word (German "Hauptstraße 5", Romance "Calle Mayor 15") has its
 * house number there, and none crosses a line break. Tokens: the one at `i`, and one more for each
 * character after a space or a tab (not the digit itself) before the digit.
 */
function digitAhead(text: string, i: number): boolean {
  if (!(i >= memoFrom && i <= memoTo && text === memoText)) {
    let k = i;
    while (k < text.length) {
      const c = text.charCodeAt(k);
      if ((c >= 48 && c <= 57) || c === 10) break;
      k++;
    }
    memoText = text;
    memoFrom = i;
    memoTo = k;
    memoDigit = k < text.length && text.charCodeAt(k) !== 10;
    memoYesFrom = i;
    if (memoDigit) {
      // A start before the WORDS_BEFORE_NUMBER-th token start back from the digit has too many tokens.
      let starts = 0;
      for (let j = k - 1; j > i; j--) {
        if (!isBlank(text.charCodeAt(j)) && isBlank(text.charCodeAt(j - 1)) && ++starts === WORDS_BEFORE_NUMBER) {
          memoYesFrom = j;
          break;
        }
      }
    }
  }
  return memoDigit && i >= memoYesFrom;
}

/**
 * The full-address matches the recognizer reads: for each locality anchor (`nextAnchor`), the matches of the global
 * `FULL_RE` searched from up to `STREET_PART_MAX` characters before it (and after the last match) that start at or
 * before it. A global search from a position answers for every later position up to the match it found (a search that
 * finds nothing finds nothing from any later position either), and each anchor searches from further on than the one
 * before it: so that answer is kept and reused instead of searching the rest of the text again at every anchor (a
 * comma anchors, and the search that fails runs to the end of the text), and once no match is left the anchors stop.
 */
export function fullMatches(text: string, from: number, until: number): RegExpExecArray[] {
  const fulls: RegExpExecArray[] = [];
  // The first match starting at `foundFrom` or later (null: none), once searched.
  let found: RegExpExecArray | null | undefined;
  let foundFrom = -1;
  const firstFrom = (p: number): RegExpExecArray | null => {
    if (found !== undefined && p >= foundFrom && (found === null || p <= found.index)) return found;
    FULL_RE.lastIndex = p;
    found = FULL_RE.exec(text);
    foundFrom = p;
    return found;
  };
  let scanned = from;
  const anchorLimit = until + STREET_PART_MAX;
  for (let a = nextAnchor(text, from, anchorLimit); a !== null; a = nextAnchor(text, Math.max(a.index + 1, scanned), anchorLimit)) {
    let m = firstFrom(Math.max(scanned, a.index - STREET_PART_MAX));
    if (m === null) break;
    for (; m !== null && m.index <= a.index; m = firstFrom(scanned)) {
      fulls.push(m);
      scanned = m.index + m[0].length;
    }
    scanned = Math.max(scanned, a.index + 1);
  }
  return fulls;
}

export const addressRecognizer: PiiRecognizer = {
  types: ['ADDRESS'],
  find(text, _wanted, from = 0, until = Infinity) {
    const out: PiiMatch[] = [];
    // Every form has a digit (a house number or a postal code).
    if (!/\d/.test(from === 0 ? text : text.slice(from))) return out;
    for (const m of fullMatches(text, from, until)) {
      if (m.index >= until) break;
      const end = m.index + m[0].replace(/[\s,]+$/, '').length;
      const start = trimLead(text, m.index, end);
      // A street line without a house number before it needs a street type word or a link word.
      const line = text.slice(start, end);
      if (
        !/^#?\d/.test(line) &&
        !/^(?:Blk|Block)\.?[ \t]+\d/.test(line) &&
        !NUMBERLESS_LEAD_RE.test(line) &&
        !STREET_TYPE_RE.test(line.split(/[,\n;·•|]/)[0]! + ' ') &&
        !/\p{Lu}\p{Ll}+,?[ \t]+\d/u.test(line)
      )
        continue;
      // A postal code after the street with no comma or line break: the street needs its type word ("5 place Bellecour
      // 69002 Lyon"), since a count and an amount look the same ("3 Raten 12500 Euro").
      if (!/[,\n;·•|]|[ \t][-–—][ \t]/.test(line) && !STREET_TYPE_RE.test(line + ' ')) continue;
      // Above a person's name (up to 0.935) that it contains: a district or street named after someone ("Benito Juárez").
      let score = 0.95;
      if (ADDRESS_CONTEXT.test(leftContext(text, start, 40))) score = 1;
      out.push({ type: 'ADDRESS', start, end: tailEnd(text, end, true), score });
    }
    for (let m = nextStreet(text, from, until); m !== null; m = nextStreet(text, m.index + m[0].length, until)) {
      const s = m[0].replace(/[\s,]+$/, '');
      const before = leftContext(text, m.index, 40);
      // A street line with its town or a unit before it is surer than one alone, and wins over a name inside it ("Talat Yot").
      let score = /[,\n;·•|]/.test(s) ? 0.88 : 0.65;
      if (ADDRESS_CONTEXT.test(before)) score = Math.min(1, score + 0.25);
      // A number after a word that does not place anything counts something: not a house.
      else if (isDigit(text.charCodeAt(m.index)) && !BARE_NUMBER_BEFORE.test(before.slice(before.lastIndexOf('\n') + 1))) continue;
      // A unit or a building's name before it, or a postal code and city ("1062 Budapest, Andrássy út 66"), open the address.
      const start = leadStart(text, m.index, isDigit(text.charCodeAt(m.index)));
      out.push({ type: 'ADDRESS', start, end: tailEnd(text, m.index + s.length, false), score: start === m.index ? score : Math.max(score, 0.9) });
    }
    return out;
  },
};
