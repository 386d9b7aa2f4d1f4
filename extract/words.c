#include "extract/words.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

bool word_in(const char *word, const char *const *list)
{
    for (; *list != NULL; list++)
        if (strcmp(word, *list) == 0)
            return true;
    return false;
}

const char *const ABBREVIATIONS[] = {
    "mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "cmdr", "adm", "sgt", "sen", "rep",
    "gov", "pres", "prof", "rev", "st", "mt", "ft", "jr", "sr", "co", "corp", "inc", "ltd", "no",
    "vs", "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec", "approx", "dept",
    "est", "fig", "gov't", NULL};

const char *const FUNCTION_WORDS[] = {
    "a", "an", "the", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we", "i",
    "you", "his", "her", "their", "our", "my", "your", "in", "on", "at", "by", "for", "from", "to",
    "of", "with", "without", "as", "and", "but", "or", "nor", "so", "yet", "if", "when", "while",
    "after", "before", "since", "until", "during", "under", "over", "about", "against", "among",
    "between", "despite", "through", "across", "into", "onto", "there", "here", "where", "what",
    "which", "who", "whom", "whose", "why", "how", "all", "both", "each", "every", "some", "many",
    "most", "more", "much", "few", "no", "not", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "first", "second", "third", "last", "next", "also", "still",
    "even", "only", "just", "then", "now", "however", "meanwhile", "separately", "instead",
    "historically", "earlier", "later", "yesterday", "today", "tomorrow", "such", "other",
    "another", "any", "several", "because", "although", "though", "unlike", "like", "once",
    "with", "within", "asked", "according", "officials", "analysts", "experts", "critics",
    "is", "was", "are", "were", "be", "has", "have", "had", "will", "would", "can", "could",
    "may", "might", "must", "should", "do", "does", "did", "let", "please", "yes", "thanks",
    "thank", "oh", "well", NULL};

const char *const TIME_WORDS[] = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "christmas", "easter", "ramadan", NULL};

const char *const TITLES[] = {
    "president", "vice", "prime", "minister", "secretary", "chancellor", "premier", "king",
    "queen", "prince", "princess", "sheikh", "emir", "pope", "general", "gen", "admiral", "adm",
    "colonel", "col", "lieutenant", "lt", "major", "maj", "captain", "capt", "commander",
    "sergeant", "sgt", "senator", "sen", "representative", "rep", "congressman",
    "congresswoman", "governor", "gov", "mayor", "ambassador", "envoy", "director", "chief",
    "chairman", "chairwoman", "chair", "ceo", "spokesman", "spokeswoman", "spokesperson",
    "judge", "justice", "mr", "mrs", "ms", "dr", "professor", "prof", "rev", "reverend",
    "father", "bishop", "archbishop", "cardinal", "rabbi", "imam", "ayatollah", "lord", "lady",
    "sir", "dame", "speaker", "leader", "commissioner", "inspector", "superintendent",
    "detective", "officer", "marshal", "foreign", NULL};

const char *const TITLE_MODIFIERS[] = {
    "defense", "defence", "foreign", "interior", "finance", "trade", "energy", "health",
    "justice", "economy", "economic", "state", "deputy", "vice", "acting", "former", "prime",
    "general", "attorney", "home", "affairs", "security", "national", "chief", "executive",
    "press", "first", "senior", "supreme", "allied", "joint", "staff", "of", "the", "for",
    "navy", "army", "air", "force", "naval", "military", "intelligence", "secretary", "minister",
    "director", "commander", "education", "environment", "transport", "agriculture",
    "industry", "labour", "labor", "culture", "development", "treasury", "homeland",
    "communications", "information", "digital", "science", "technology", "european",
    "international", "relations", NULL};

const char *const ROLE_NOUNS[] = {
    "president", "minister", "secretary", "counterpart", "analyst", "spokesman",
    "spokeswoman", "spokesperson", "director", "chief", "head", "official", "leader",
    "ambassador", "envoy", "general", "commander", "chairman", "chairwoman", "ceo", "founder",
    "lawmaker", "senator", "legislator", "professor", "researcher", "expert", "economist",
    "adviser", "advisor", "aide", "negotiator", "diplomat", "correspondent", "reporter",
    "editor", "fellow", "scholar", "lawyer", "attorney", "prosecutor", "judge", "governor",
    "mayor", "admiral", "colonel", "officer", "captain", "chancellor", "premier", "king",
    "queen", "prince", "mp", "deputy", "strategist", "manager", "executive", "engineer",
    "activist", "candidate", "member", "chair", "coordinator", "commissioner", "investigator",
    "historian", "scientist", "consultant", "owner", "partner", "pilot", "captain",
    "secretary-general", "representative", NULL};

const char *const ORG_HEADS[] = {
    "corporation", "corp", "inc", "force", "ltd", "llc", "plc", "group", "company", "co", "ministry",
    "agency", "council", "committee", "commission", "organization", "organisation", "institute",
    "institution", "centre", "center", "university", "college", "school", "bank", "party",
    "parliament", "assembly", "forces", "army", "navy", "guard", "police", "gazeta", "gazette",
    "times", "post", "news", "journal", "herald", "tribune", "telegraph", "daily", "review",
    "monitor", "foundation", "fund", "union", "league", "association", "federation", "court",
    "department", "office", "service", "services", "authority", "board", "bureau", "network",
    "alliance", "coalition", "front", "movement", "brigade", "battalion", "regiment", "command",
    "fleet", "airlines", "airways", "motors", "industries", "holdings", "systems", "technologies",
    "laboratories", "labs", "society", "trust", "club", "press", "media", "broadcasting",
    "television", "radio", "channel", "secretariat", "directorate", "congress", "senate",
    "cabinet", "government", "administration", "program", "programme", "observatory",
    "consortium", "exchange", "partners", "capital", "energy", "petroleum", "oil", "gas",
    "shipyard", "shipyards", "dynamics", "aerospace", "pharmaceuticals", "tank", NULL};

const char *const ORG_LEADS[] = {
    "ministry", "council", "department", "bank", "university", "office", "commission",
    "committee", "institute", "court", "house", "museum", "church", "union", "league",
    "organization", "organisation", "federation", "association", "agency", "board", "bureau",
    "party", "academy", "order", "chamber", NULL};

const char *const MEDIA_NOUNS[] = {
    "daily", "newspaper", "paper", "weekly", "agency", "broadcaster", "magazine", "tabloid",
    "outlet", "website", "channel", "network", "station", "journal", "wire", "newswire",
    "publication", "periodical", NULL};

const char *const ORG_NOUNS[] = {
    "parliament", "legislature", "company", "firm", "group", "bank", "party", "alliance",
    "bloc", "council", "court", "ministry", "agency", "daily", "newspaper", "broadcaster",
    "organisation", "organization", "institute", "body", "regulator", "militia", "movement",
    "carrier", "airline", "manufacturer", "maker", "giant", "conglomerate", "operator",
    "producer", "insurer", "lender", "watchdog", "charity", "union", "committee", NULL};

const char *const LOC_HEADS[] = {
    "river", "sea", "ocean", "gulf", "bay", "strait", "straits", "island", "islands", "isles",
    "mountains", "mountain", "mount", "valley", "province", "region", "county", "city",
    "street", "square", "avenue", "peninsula", "lake", "canal", "desert", "coast", "basin",
    "plain", "plateau", "highlands", "hills", "district", "state", "territory", "oblast",
    "prefecture", "harbour", "harbor", "port", "airport", "base", "heights", "forest",
    "channel", "delta", "falls", "park", "bridge", "pass", NULL};

const char *const LOC_LEADS[] = {
    "gulf", "strait", "straits", "sea", "bay", "lake", "mount", "cape", "isle", "port",
    "fort", "saint", "san", "santa", "sao", "los", "las", "new", "north", "south", "east",
    "west", "upper", "lower", "central", NULL};

const char *const LOC_PREPOSITIONS[] = {
    "in", "from", "across", "near", "outside", "inside", "throughout", "via", "toward",
    "towards", NULL};

const char *const LOC_NOUNS[] = {
    "port", "city", "town", "village", "capital", "region", "province", "state", "island",
    "district", "harbour", "harbor", "resort", "enclave", "border", "suburb", NULL};


const char *const SPEECH_VERBS[] = {
    "said", "says", "say", "told", "tells", "added", "adds", "stated", "states", "noted",
    "notes", "warned", "warns", "argued", "argues", "insisted", "insists", "explained",
    "explains", "wrote", "writes", "declared", "declares", "announced", "announces",
    "asserted", "asserts", "claimed", "claims", "remarked", "commented", "observed",
    "acknowledged", "admitted", "conceded", "stressed", "stresses", "emphasised",
    "emphasized", "urged", "urges", "predicted", "cautioned", "reported", "reports",
    "quoted", "continued", "replied", "responded", "recalled", "suggested", "suggests",
    "described", "called", "calls", "vowed", "pledged", "promised", "assured", "countered",
    "complained", "mused", "joked", "concluded", "agreed", "tweeted", "posted", "wrote",
    "spoke", "speaking",
    NULL};

const char *const NOT_NAMES[] = {
    "god", "cold", "war", "internet", "web", "mr", "mrs", "ms", "dr", "sir", "madam", "am",
    "pm", "gmt", "utc", "ok", "tv", "ceo", "cfo", "gdp", "covid", "covid-19", "ai", "it",
    "phd", "mp", "mps", "pdf", "faq", "dna", NULL};

const char *const COLLECTIVES[] = {
    "countries", "nations", "navies", "governments", "sides", "ministers", "states", "allies",
    "partners", "members", "capitals", "parties", "signatories", "leaders", NULL};

const char *const DETERMINERS[] = {"a", "an", "the", "this", "that", "its", "their", "his",
                                          "her", "our", "two", "three", "new", "both", NULL};

const char *const SIGN_VERBS[] = {"signed", "sign", "signs", "signing", "inked", "initialled",
                                         "initialed", NULL};

const char *const MAKE_VERBS[] = {"struck", "reached", "concluded", "agreed", "sealed",
                                         "clinched", "brokered", "negotiated", "adopted",
                                         "approved", "unveiled", "announced", NULL};

const char *const REPLACE_VERBS[] = {"replacing", "replaces", "replace", "replaced",
                                            "supersedes", "supersede", "superseding",
                                            "superseded", "succeeds", "succeeding", "succeeded",
                                            NULL};

const char *const PROPOSE_WORDS[] = {"draw", "drawing", "draft", "drafted", "proposed",
                                            "propose", "proposes", "proposal", "could", "would",
                                            "might", "planned", "negotiate", "negotiating",
                                            "discuss", "envisaged", "envisages", "considering",
                                            NULL};


const char *const SOFT_MODIFIERS[] = {"outdated", "new", "old", "older", "narrower",
                                             "broader", "wider", "previous", "existing",
                                             "landmark", "historic", "controversial", "current",
                                             "former", "original", "separate", "so-called",
                                             "first", "second", "two", "three", "interim",
                                             "proposed", "planned", "tentative", "fresh", "billion", "million", "trillion", "bn", "mln",
                                             "recent", NULL};

const char *const COMPLEMENT_STARTS[] = {"on", "of", "for", "to", "with", "over", "between",
                                                "among", "against", NULL};

const char *const COMPLEMENT_STOPS[] = {"that", "which", "who", "under", "in", "at", "by",
                                               "after", "before", "during", "since", "while", "as",
                                               "when", "where", "and", "but", "or", "is", "was",
                                               "will", "would", "has", "had", "have", "signed",
                                               "could", "can", "replaces", "replaced", "replacing",
                                               "supersedes", "superseded", "expires", "came",
                                               "comes", "took", "takes", "was", "were", "are",
                                               "said", "says", "signs", "set", "aims", "aimed",
                                               "calls", "called", "covers", "covered", "allows",
                                               "allowed", "lets", "gives", "gave", NULL};

const char *const WEEKDAYS[] = {"monday", "tuesday", "wednesday", "thursday", "friday",
                                       "saturday", "sunday", "today", NULL};

const char *const APPOSITIVE_ENDS[] = {"at", "of", "for", "with", "who", "from", NULL};

const char *const CONNECTORS[] = {"of", "the", "for", "on", "y", "et", "de", "du", "des", "la", "le", "al",
                                         "and", NULL};

const char *const GEO_NOUNS[] = {"river", "sea", "lake", "mountains", "valley", "island",
                                  "strait", "gulf", "bay", "peninsula", "desert", NULL};

const char *const PRONOUNS[] = {"he", "she", NULL};

const char *const REPORT_NOUNS[] = {"report", "paper", "newspaper", "daily", "agency",
                                           "statement", "article", "broadcaster", "website",
                                           "magazine", "weekly", NULL};

const char *const CLAUSE_BREAKS[] = {"and", "but", "while", "whereas", NULL};

const char *const AGREEMENT_WORDS[] = {
    "memorandum", "memorandums", "memoranda", "mou", "treaty", "treaties", "accord", "accords",
    "plan", "deal", "deals", "agreement", "agreements", "pact", "protocol", "convention", NULL};

const char *const AGREEMENT_VERBS[] = {
    "signed", "sign", "signs", "signing", "inked", "replacing", "replaces", "replace", "replaced",
    "supersedes", "supersede", "superseding", "superseded", "struck", "reached", "concluded",
    "agreed", "agree", "sealed", "clinched", "brokered", "negotiated", "adopted", "approved",
    "ratify", "ratified", "ratifies", "ratifying", "ratification", "withdraw", "withdrew",
    "withdrawing", "withdrawal", "withdrawn", "extend", "extended", "extends", "extending",
    "extension", "renew", "renewed", "renewal", "force", "effect", "violate", "violated",
    "violating", "suspend", "suspended", "quit", "abandon", "abandoned", "scrap", "scrapped",
    "exit", "implement", "implemented", "implementing", "breach", "breached", "expire",
    "expired", "expires", "terminate", "terminated", "revive", "revived", "honour", "honor",
    NULL};

const char *const IN_FORCE_VERBS[] = {
    "ratified", "extended", "renewed", "implemented", "force", "effect", "effective", NULL};

const char *const GOVERNMENT_NOUNS[] = {
    "government", "governments", "ministers", "leaders", "officials", "delegations", "navies",
    "authorities", "presidents", "premiers", "countries", "nations", "states", "sides",
    "parliaments", "militaries", "armies", NULL};

const char *const MEDIA_HEADS[] = {
    "times", "post", "gazeta", "gazette", "journal", "herald", "tribune", "telegraph", "daily",
    "news", "review", "monitor", "press", "radio", "television", "broadcasting", "observer",
    "guardian", "express", "mail", "chronicle", "star", "standard", "courier", "teataja",
    "pravda", "izvestia", "vedomosti", "kommersant", "shimbun", "ilbo", "zeitung", "allgemeine",
    "spiegel", "monde", "figaro", "pais", "corriere", NULL};

const char *const PARTY_VERBS[] = {
    "signed", "sign", "signs", "signing", "inked", "agreed", "agree", "agrees", "struck",
    "reached", "concluded", "sealed", "clinched", "extend", "extended", "extends", "renewed",
    "renew", "negotiated", "adopted", "proposed", "proposes", "unveiled", "launched", NULL};

const char *const GROUP_NOUNS[] = {
    "group", "organisation", "organization", "ministry", "company", "government", "council",
    "alliance", "bloc", "union", "party", "commission", "army", "military", "rebels", "firm",
    "lobby", "federation", "association", "bank", "fund", "agency", "movement", "campaign",
    "coalition", "institute", NULL};

const char *const DIRECTIONS[] = {
    "north", "south", "east", "west", "central", "northern", "southern", "eastern", "western",
    "northeast", "northwest", "southeast", "southwest", "upper", "lower", NULL};

/* ---- word classes ------------------------------------------------------ */

static const char *const *const CLASSES[] = {
    DIRECTIONS, GROUP_NOUNS, PARTY_VERBS, AGREEMENT_WORDS, AGREEMENT_VERBS, IN_FORCE_VERBS, GOVERNMENT_NOUNS, MEDIA_HEADS, ABBREVIATIONS, FUNCTION_WORDS, TIME_WORDS, TITLES, TITLE_MODIFIERS, ROLE_NOUNS, ORG_HEADS, ORG_LEADS, MEDIA_NOUNS, ORG_NOUNS, LOC_HEADS, LOC_LEADS, LOC_PREPOSITIONS, LOC_NOUNS, SPEECH_VERBS, NOT_NAMES, COLLECTIVES, DETERMINERS, SIGN_VERBS, MAKE_VERBS, REPLACE_VERBS, PROPOSE_WORDS, SOFT_MODIFIERS, COMPLEMENT_STARTS, COMPLEMENT_STOPS, WEEKDAYS, APPOSITIVE_ENDS, CONNECTORS, GEO_NOUNS, PRONOUNS, REPORT_NOUNS, CLAUSE_BREAKS};

#define CLASS_COUNT (sizeof CLASSES / sizeof CLASSES[0])
#define SLOTS 4096 /* a power of two, well above the number of distinct words */

struct slot {
    const char *word;
    uint64_t classes;
};

static struct slot table[SLOTS];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static uint32_t hash_word(const char *w)
{
    uint32_t h = 2166136261u;
    for (; *w; w++)
        h = (h ^ (unsigned char)*w) * 16777619u;
    return h;
}

static void build_table(void)
{
    _Static_assert(CLASS_COUNT <= 64, "word classes must fit a 64-bit mask");
    for (size_t c = 0; c < CLASS_COUNT; c++)
        for (const char *const *w = CLASSES[c]; *w != NULL; w++) {
            uint32_t i = hash_word(*w) & (SLOTS - 1);
            while (table[i].word != NULL && strcmp(table[i].word, *w) != 0)
                i = (i + 1) & (SLOTS - 1);
            table[i].word = *w;
            table[i].classes |= (uint64_t)1 << c;
        }
}

uint64_t word_classes(const char *word)
{
    pthread_once(&table_once, build_table);
    for (uint32_t i = hash_word(word) & (SLOTS - 1); table[i].word != NULL; i = (i + 1) & (SLOTS - 1))
        if (strcmp(table[i].word, word) == 0)
            return table[i].classes;
    return 0;
}

uint64_t word_class_bit(const char *const *list)
{
    for (size_t c = 0; c < CLASS_COUNT; c++)
        if (CLASSES[c] == list)
            return (uint64_t)1 << c;
    return 0;
}
