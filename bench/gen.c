/* bench/gen: a deterministic, seedable generator of realistic stores.
 *
 *   bench/gen --db PATH [--articles N] [--entities N] [--seed S]
 *
 * Makes a new database through the store (store_open) and fills it through
 * the store's own import path (db_import_records, as a new store), so every
 * record passes the same validation as a client's import. A writer thread
 * generates the records (entities, articles with mentions, quotes,
 * agreements) into a short queue while the main thread imports them:
 * generation and SQLite run on both cores, and memory stays bounded
 * whatever N is. --print writes the same records as NDJSON lines.
 *
 * The output depends only on the options: one small PRNG (splitmix64), no
 * clock, no addresses. Each article draws from streams keyed by (seed,
 * article index), so a later pass (quotes, agreements) can regenerate the
 * title, slug and mentions of article i without keeping them. */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "db/transfer.h"

/* ---- options ------------------------------------------------------------ */

struct options {
    const char *db_path;
    uint64_t articles;
    uint64_t entities;
    uint64_t seed;
    bool print; /* write the NDJSON to stdout instead of importing it */
};

static const char usage[] =
    "usage: gen --db PATH [--articles N (1000000)] [--entities N (20000)] [--seed S (1)]\n"
    "       gen --print [--articles N] [--entities N] [--seed S] > FILE.ndjson\n"
    "  creates PATH (which must not exist yet) and fills it with a generated store;\n"
    "  --print writes the same records as NDJSON (for `wirebase import`) instead\n";

static bool parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* 0 when parsed; else the exit code (-1 for --help, which exits 0). */
static int parse_options(int argc, char **argv, struct options *opt)
{
    *opt = (struct options){.articles = 1000000, .entities = 20000, .seed = 1};
    for (int a = 1; a < argc; a++) {
        const char *name = argv[a];
        if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
            fputs(usage, stdout);
            return -1;
        }
        if (strcmp(name, "--print") == 0) {
            opt->print = true;
            continue;
        }
        if (a + 1 >= argc) {
            fprintf(stderr, "gen: %s needs a value\n%s", name, usage);
            return 2;
        }
        const char *value = argv[++a];
        bool ok;
        if (strcmp(name, "--db") == 0) {
            opt->db_path = value;
            ok = value[0] != '\0';
        } else if (strcmp(name, "--articles") == 0) {
            /* The importer counts in int. */
            ok = parse_count(value, 1, 100000000, &opt->articles);
        } else if (strcmp(name, "--entities") == 0) {
            /* Agreements need at least a few parties and speakers to draw from. */
            ok = parse_count(value, 20, 10000000, &opt->entities);
        } else if (strcmp(name, "--seed") == 0) {
            ok = parse_count(value, 0, UINT64_MAX, &opt->seed);
        } else {
            fprintf(stderr, "gen: unknown option %s\n%s", name, usage);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "gen: bad value for %s: %s\n%s", name, value, usage);
            return 2;
        }
    }
    if ((opt->db_path == NULL) == !opt->print) {
        fprintf(stderr, "gen: give either --db or --print\n%s", usage);
        return 2;
    }
    return 0;
}

/* ---- small helpers ------------------------------------------------------ */

static void die(const char *what)
{
    fprintf(stderr, "gen: %s\n", what);
    exit(1);
}

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size);
    if (p == NULL)
        die("out of memory");
    return p;
}

static char *xstrdup(const char *s)
{
    char *copy = strdup(s);
    if (copy == NULL)
        die("out of memory");
    return copy;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- the PRNG ----------------------------------------------------------- */

/* splitmix64: tiny, fast, passes BigCrush, and any 64-bit state is a good
 * one, so streams can be made by mixing (seed, stream, index). */
struct rng {
    uint64_t s;
};

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rng_next(struct rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return mix64(r->s);
}

/* Uniform in [0, n) (Lemire's multiply; the bias is below 2^-32). */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static bool rng_chance(struct rng *r, double p)
{
    return rng_unit(r) < p;
}

/* Independent streams: what article i looks like does not depend on how
 * many numbers article i-1 drew. */
enum stream {
    STREAM_VOCAB = 1,
    STREAM_ENTITIES,
    STREAM_RANKS,
    STREAM_HEAD,
    STREAM_BODY,
    STREAM_QUOTE,
    STREAM_AGREEMENT,
    STREAM_AGREEMENT_TEXT
};

static struct rng rng_for(uint64_t seed, enum stream stream, uint64_t index)
{
    uint64_t base = mix64(seed ^ 0x6a09e667f3bcc909ULL) + (uint64_t)stream * 0x9e3779b97f4a7c15ULL;
    return (struct rng){mix64(base) ^ mix64(index + 0x243f6a8885a308d3ULL)};
}

/* ---- text buffers ------------------------------------------------------- */

struct buf {
    char *p;
    size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
    if (b->len + more <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

static void buf_put(struct buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void buf_puts(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

static void buf_putc(struct buf *b, char c)
{
    buf_reserve(b, 1);
    b->p[b->len++] = c;
}

/* A string member. Generated text is printable ASCII (and newlines), so
 * jansson's UTF-8 check is skipped; the store checks every text anyway. */
static void set_text(json_t *o, const char *key, const char *value, size_t len)
{
    json_object_set_new_nocheck(o, key, json_stringn_nocheck(value, len));
}

static void set_str(json_t *o, const char *key, const char *value)
{
    set_text(o, key, value, strlen(value));
}

static void append_str(json_t *array, const char *value)
{
    json_array_append_new(array, json_stringn_nocheck(value, strlen(value)));
}

/* A record as an import line has it: {"type": ..., ...}. */
static json_t *new_record(const char *type)
{
    json_t *o = json_object();
    if (o == NULL)
        die("out of memory");
    set_str(o, "type", type);
    return o;
}

/* dst = a then b, cut to cap - 1 bytes. */
static void join(char *dst, size_t cap, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > cap - 1)
        na = cap - 1;
    if (nb > cap - 1 - na)
        nb = cap - 1 - na;
    memmove(dst, a, na);
    memmove(dst + na, b, nb);
    dst[na + nb] = '\0';
}

static void copy_capitalized(char *dst, const char *src, size_t cap)
{
    join(dst, cap, src, "");
    if (dst[0] >= 'a' && dst[0] <= 'z')
        dst[0] = (char)(dst[0] - 'a' + 'A');
}

/* A slug of at most max bytes: lower-case ASCII letters and digits joined by
 * single hyphens, cut at a hyphen. */
static void slugify(const char *in, char *out, size_t max)
{
    size_t n = 0;
    bool hyphen = false;
    for (const char *p = in; *p != '\0' && n < max; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == '\'')
            continue;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            hyphen = n > 0;
            continue;
        }
        if (hyphen) {
            if (n + 2 > max)
                break;
            out[n++] = '-';
            hyphen = false;
        }
        out[n++] = c;
    }
    if (n == max) {
        char *cut = memrchr(out, '-', n);
        if (cut != NULL && cut > out)
            n = (size_t)(cut - out);
    }
    out[n] = '\0';
}

/* ---- string sets -------------------------------------------------------- */

/* Open addressing over folded strings; only grows. Keeps generated names
 * and slugs unique. */
struct strset {
    char **slots;
    size_t cap, count;
};

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s != '\0'; s++) {
        char c = *s;
        h ^= (unsigned char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
        h *= 1099511628211ULL;
    }
    return h;
}

/* Adds s (compared without case); false if it was there already. */
static bool strset_add(struct strset *set, const char *s)
{
    if (2 * (set->count + 1) > set->cap) {
        struct strset grown = {.cap = set->cap ? set->cap * 2 : 1024};
        grown.slots = xrealloc(NULL, grown.cap * sizeof *grown.slots);
        memset(grown.slots, 0, grown.cap * sizeof *grown.slots);
        for (size_t i = 0; i < set->cap; i++) {
            if (set->slots[i] == NULL)
                continue;
            size_t j = str_hash(set->slots[i]) & (grown.cap - 1);
            while (grown.slots[j] != NULL)
                j = (j + 1) & (grown.cap - 1);
            grown.slots[j] = set->slots[i];
        }
        grown.count = set->count;
        free(set->slots);
        *set = grown;
    }
    size_t j = str_hash(s) & (set->cap - 1);
    for (; set->slots[j] != NULL; j = (j + 1) & (set->cap - 1))
        if (strcasecmp(set->slots[j], s) == 0)
            return false;
    set->slots[j] = xstrdup(s);
    set->count++;
    return true;
}

static void strset_free(struct strset *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free(set->slots[i]);
    free(set->slots);
    *set = (struct strset){0};
}

/* ---- fixed word lists --------------------------------------------------- */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The word lists are formatted by hand: clang-format would put each word
 * on a line of its own. */
/* clang-format off */
/* Real words lead the vocabulary and so take the high Zipf ranks, as
 * function words do in English; the rest is made of English-looking stems
 * and suffixes (see build_vocabulary). */
static const char *const base_words[] = {
    "the", "of", "and", "to", "a", "in", "that", "is", "was", "for", "on", "it", "with", "as",
    "by", "at", "from", "his", "her", "said", "an", "be", "has", "have", "which", "this",
    "are", "not", "but", "had", "its", "were", "they", "been", "their", "who", "will",
    "would", "after", "new", "also", "more", "one", "two", "three", "first", "last", "year",
    "years", "than", "over", "about", "into", "between", "against", "under", "while", "both",
    "other", "some", "could", "should", "may", "since", "during", "before", "when", "where",
    "there", "if", "or", "no", "all", "any", "most", "such", "only", "our", "we", "he",
    "she", "them", "those", "these", "what", "can", "did", "do", "does", "week", "month",
    "day", "today", "yesterday", "minister", "ministers", "defense", "memorandum", "treaty",
    "accord", "agreement", "agreements", "signed", "sign", "signing", "talks", "officials",
    "government", "governments", "president", "secretary", "cooperation", "security",
    "military", "forces", "trade", "energy", "deal", "plan", "summit", "meeting", "visit",
    "delegation", "ratification", "parliament", "senate", "vote", "votes", "election",
    "campaign", "policy", "foreign", "domestic", "economic", "economy", "market", "markets",
    "bank", "central", "rates", "inflation", "budget", "tax", "taxes", "growth", "prices",
    "oil", "gas", "pipeline", "nuclear", "missile", "arms", "control", "border", "region",
    "regional", "national", "international", "global", "local", "state", "states", "country",
    "countries", "nation", "nations", "capital", "city", "cities", "province", "coast",
    "port", "ships", "navy", "army", "troops", "exercise", "exercises", "joint", "working",
    "group", "groups", "committee", "council", "commission", "union", "alliance", "partners",
    "partnership", "relations", "ties", "dialogue", "negotiations", "negotiators", "envoy",
    "ambassador", "embassy", "spokesman", "spokeswoman", "statement", "announced",
    "announcement", "report", "reported", "reports", "according", "sources", "analysts",
    "analyst", "expert", "experts", "warned", "told", "reporters", "press", "conference",
    "interview", "added", "stressed", "noted", "insisted", "denied", "confirmed", "expected",
    "likely", "possible", "former", "current", "future", "previous", "recent", "early",
    "late", "long", "short", "high", "low", "major", "key", "senior", "deputy", "chief",
    "head", "leader", "leaders", "company", "companies", "firm", "industry", "industrial",
    "workers", "jobs", "production", "exports", "imports", "investment", "investors",
    "shares", "profit", "losses", "revenue", "contract", "contracts", "supply", "demand",
    "technology", "systems", "software", "network", "data", "research", "university",
    "study", "health", "hospital", "water", "climate", "emissions", "environment", "court",
    "judge", "law", "laws", "legal", "rights", "police", "investigation", "crisis",
    "conflict", "peace", "war", "ceasefire", "sanctions", "aid", "support", "opposition",
    "reform", "reforms", "program", "project", "projects", "framework", "terms", "clause",
    "provisions", "protocol", "implementation", "compliance", "review", "extension",
    "withdrawal", "talks", "proposal", "draft", "text", "document", "documents", "pact",
    "framework", "mutual", "bilateral", "multilateral", "strategic", "reduction", "limits",
    "inspection", "verification", "transparency", "commitment", "obligations", "partner",
    "replace", "replaces", "replaced", "earlier", "previous", "original", "revised",
    "expanded", "broader", "deeper", "closer", "stronger", "weaker", "despite", "amid",
    "following", "ahead", "toward", "within", "across", "without", "through", "because",
    "however", "although", "further", "still", "already", "again", "now", "then", "soon",
    "later", "even", "just", "very", "well", "much", "many", "few", "several", "each",
    "every", "own", "same", "different", "public", "private", "official", "formal",
    "informal", "historic", "significant", "important", "difficult", "clear", "open",
    "closed", "final", "initial", "annual", "yearly", "quarterly", "monthly", "percent",
    "million", "billion", "dollars", "euros", "costs", "funding", "spending", "debt",
    "loan", "loans", "credit", "bonds", "currency", "exchange", "financial", "fiscal",
    "monetary", "unemployment", "strike", "protest", "protesters", "crowd", "rally",
    "residents", "citizens", "voters", "families", "children", "schools", "students",
    "teachers", "doctors", "patients", "farmers", "crops", "harvest", "food", "weather",
    "storm", "flood", "drought", "fire", "earthquake", "damage", "rescue", "relief",
    "recovery", "rebuild", "infrastructure", "roads", "rail", "airport", "flights",
    "airline", "shipping", "cargo", "container", "fleet", "vessel", "satellite", "launch",
    "space", "mission", "science", "scientists", "discovery", "vaccine", "disease",
    "outbreak", "cases", "testing", "measures", "restrictions", "rules", "regulators",
    "regulation", "approval", "license", "merger", "acquisition", "bid", "offer", "stake",
    "board", "executive", "executives", "chairman", "director", "manager", "staff",
    "employees", "union", "wages", "pension", "benefits", "insurance", "housing", "rent"
};

/* English-looking pieces for the rest of the vocabulary and for names. */
static const char *const stem_onsets[] = {
    "b", "bl", "br", "c", "ch", "cl", "cr", "d", "dr", "f", "fl", "fr", "g", "gl", "gr", "h",
    "j", "k", "l", "m", "n", "p", "pl", "pr", "qu", "r", "s", "sc", "sh", "sl", "sp", "st",
    "str", "t", "th", "tr", "v", "w", "wh", "z"
};
static const char *const stem_vowels[] = {
    "a", "e", "i", "o", "u", "ea", "ai", "ou", "ee", "oa", "io", "y"
};
static const char *const stem_codas[] = {
    "", "", "b", "ck", "d", "ft", "g", "l", "ld", "lt", "m", "mp", "n", "nd", "ng", "nt",
    "p", "r", "rd", "rn", "rt", "s", "sk", "st", "t", "x"
};
static const char *const word_prefixes[] = {
    "", "", "", "", "re", "un", "in", "con", "pro", "pre", "dis", "de", "ex", "sub", "inter",
    "over", "trans"
};
static const char *const word_suffixes[] = {
    "", "", "", "s", "ed", "ing", "er", "ers", "ly", "tion", "ment", "ments", "ity", "al",
    "ive", "ous", "ness", "able", "ance", "ist"
};

static const char *const first_names[] = {
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Margaret",
    "Mark", "Sandra", "Steven", "Ashley", "Paul", "Emily", "Andrew", "Donna", "Joshua",
    "Michelle", "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George",
    "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca", "Edward", "Laura", "Anatoly",
    "Olga", "Sergei", "Natalia", "Dmitri", "Irina", "Viktor", "Elena", "Mikhail", "Anna",
    "Pierre", "Claire", "Jean", "Sophie", "Luc", "Camille", "Hans", "Greta", "Klaus",
    "Ingrid", "Lars", "Astrid", "Marco", "Giulia", "Paolo", "Chiara", "Carlos", "Lucia",
    "Javier", "Carmen", "Miguel", "Isabel", "Ahmed", "Fatima", "Omar", "Layla", "Yusuf",
    "Amina", "Hiroshi", "Yuki", "Kenji", "Aiko", "Wei", "Mei", "Jun", "Lin", "Raj", "Priya",
    "Arjun", "Ananya", "Kwame", "Ama", "Chidi", "Ngozi", "Tomasz", "Agnieszka", "Pavel",
    "Jana", "Mehmet", "Ayse", "Nikos", "Eleni", "Jens", "Sigrid", "Robert", "Hillary",
    "Angela", "Boris", "Emmanuel", "Justin", "Jacinda", "Recep", "Narendra", "Cyril"
};
static const char *const last_names[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen",
    "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams",
    "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Gates", "Serdyukov", "Oliker", "Ivanov", "Petrov", "Sokolov", "Volkov", "Morozov",
    "Kuznetsov", "Popov", "Lebedev", "Novikov", "Dubois", "Lefebvre", "Moreau", "Laurent",
    "Fournier", "Girard", "Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer",
    "Wagner", "Becker", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano",
    "Colombo", "Fernandez", "Gomez", "Diaz", "Alvarez", "Moreno", "Navarro", "Castillo",
    "Haddad", "Khalil", "Nasser", "Mansour", "Tanaka", "Suzuki", "Takahashi", "Watanabe",
    "Yamamoto", "Nakamura", "Kobayashi", "Wang", "Zhang", "Liu", "Chen", "Yang", "Huang",
    "Zhao", "Wu", "Zhou", "Sharma", "Patel", "Singh", "Kumar", "Gupta", "Mehta", "Iyer",
    "Mensah", "Owusu", "Okafor", "Adeyemi", "Nowak", "Kowalski", "Wisniewski", "Novak",
    "Svoboda", "Yilmaz", "Kaya", "Demir", "Papadopoulos", "Georgiou", "Hansen", "Johansen",
    "Larsen", "Andersen", "Nielsen", "Lindqvist", "Berg", "Eriksson", "Karlsson", "Virtanen",
    "Korhonen", "Murphy", "Kelly", "O'Brien", "Byrne", "Walsh", "Ryan", "Stoltenberg",
    "Fogh", "Solana", "Rutte", "Barroso", "Juncker", "Draghi", "Lagarde", "Merkel"
};
static const char *const org_industries[] = {
    "Steel", "Energy", "Petroleum", "Aerospace", "Defense", "Shipping", "Logistics",
    "Telecom", "Software", "Systems", "Motors", "Pharmaceuticals", "Mining", "Textiles",
    "Chemicals", "Foods", "Insurance", "Capital", "Holdings", "Analytics", "Robotics",
    "Semiconductors", "Railways", "Airlines", "Media", "Power", "Water", "Agriculture"
};
static const char *const org_suffixes[] = {
    "Group", "Corporation", "Industries", "Company", "Partners", "International", "Holdings",
    "Ltd", "Inc", "Consortium", "Trust"
};
static const char *const org_bodies[] = {
    "Ministry of Defense", "Ministry of Foreign Affairs", "Ministry of Finance",
    "Ministry of Energy", "Ministry of Trade", "National Bank", "Central Bank",
    "Armed Forces", "Navy", "Air Force", "Parliament", "Senate", "Supreme Court",
    "Chamber of Commerce", "Institute for Strategic Studies", "Energy Agency",
    "Space Agency", "Health Service", "Border Guard", "Coast Guard", "Statistics Office",
    "Election Commission", "Workers Union", "Academy of Sciences", "University"
};
static const char *const place_prefixes[] = {
    "", "", "", "", "", "New ", "Port ", "San ", "North ", "South ", "East ", "West ",
    "Upper ", "Lower ", "Fort ", "Saint ", "Lake ", "Mount "
};
static const char *const place_suffixes[] = {
    "", "", "", "ia", "ia", "land", "stan", "burg", "ton", "ville", "field", "ford",
    "haven", "mouth", "grad", "polis", "ovo", "era"
};
static const char *const product_lines[] = {
    "Pro", "Max", "One", "Air", "Prime", "Ultra", "Lite", "X", "S", "Neo", "Core", "Edge"
};
static const char *const roles[] = {
    "Defense minister", "Foreign minister", "Finance minister", "Prime minister",
    "President", "Ambassador", "Spokesperson", "Chief executive", "Chairman", "Senator",
    "General", "Admiral", "Analyst", "Economist", "Professor", "Deputy minister",
    "Secretary general", "Governor", "Mayor", "Director"
};
static const char *const outlets[] = {
    "Wire Daily", "The Meridian Post", "Harbor Herald", "Capital Courier", "Northern Ledger",
    "Evening Standard Wire", "Global Dispatch", "The Continental", "Atlas News",
    "Frontier Times", "Coastal Gazette", "The Observer Wire", "Summit Report",
    "Metro Chronicle", "Pacific Tribune", "Atlantic Review", "Eastern Bulletin",
    "Western Sentinel", "The Daily Compass", "Union Journal", "Civic Record",
    "Market Watchman", "Trade Weekly", "Energy Monitor", "Defense Today", "Policy Brief",
    "The Diplomat Wire", "Border Press", "Republic Herald", "Federal Times",
    "Independent Wire", "The Lantern", "Morning Call", "Night Desk", "Newsline",
    "The Register", "Provincial Post", "Riverside Echo", "Highland Voice", "Valley Times",
    "Expatica news", "Continental Wire", "The Straits Report", "Gulf Dispatch",
    "Baltic Times Wire", "Danube Daily", "Andes Observer", "Sahel Reporter",
    "Pacific Rim Review", "Polar Post"
};
static const char *const agreement_kinds[] = {"memorandum", "treaty", "accord", "plan", "deal",
                                              "agreement"};
static const char *const topics[] = {
    "defense cooperation", "arms reduction", "trade", "energy", "fisheries", "border",
    "water sharing", "climate", "nuclear safety", "cyber security", "investment",
    "maritime security", "space research", "pipeline", "free trade", "tax", "aviation",
    "health research", "student exchange", "customs", "counterterrorism", "grain export"
};
static const char *const title_verbs[] = {
    "says", "warns", "backs", "rejects", "signs", "plans", "seeks", "faces", "wins",
    "loses", "meets", "visits", "urges", "weighs", "opens", "ends", "delays", "approves"
};

/* clang-format on */

/* ---- the vocabulary ----------------------------------------------------- */

#define VOCAB_SIZE      3000
#define WORD_TABLE_BITS 16

struct vocab {
    char *words[VOCAB_SIZE];
    uint8_t lens[VOCAB_SIZE];
    /* Zipf (s = 1) as a lookup table: a uniform 16-bit draw picks a word in
     * one step. Every word gets at least two slots at this size. */
    uint16_t table[1u << WORD_TABLE_BITS];
    /* Words before this one are function words ("the", "of"): common in
     * prose, never a headline's words. */
    uint32_t first_content;
    uint32_t nreal; /* words [0, nreal) are real English words */
};

static void make_stem(struct rng *r, char *out, size_t cap, int syllables)
{
    size_t n = 0;
    out[0] = '\0';
    for (int s = 0; s < syllables; s++) {
        const char *parts[] = {stem_onsets[rng_below(r, COUNT(stem_onsets))],
                               stem_vowels[rng_below(r, COUNT(stem_vowels))],
                               stem_codas[rng_below(r, COUNT(stem_codas))]};
        for (int p = 0; p < 3; p++)
            n += (size_t)snprintf(out + n, cap - n, "%s", parts[p]);
    }
}

/* The same words for every seed: only what is said about whom changes. */
static void build_vocabulary(struct vocab *v)
{
    struct strset seen = {0};
    struct rng r = rng_for(0, STREAM_VOCAB, 0);
    size_t n = 0;

    for (size_t i = 0; i < COUNT(base_words) && n < VOCAB_SIZE; i++)
        if (strset_add(&seen, base_words[i]))
            v->words[n++] = xstrdup(base_words[i]);
    v->nreal = (uint32_t)n;
    while (n < VOCAB_SIZE) {
        char stem[48], word[96];
        make_stem(&r, stem, sizeof stem, rng_chance(&r, 0.75) ? 1 : 2);
        snprintf(word, sizeof word, "%s%s%s", word_prefixes[rng_below(&r, COUNT(word_prefixes))],
                 stem, word_suffixes[rng_below(&r, COUNT(word_suffixes))]);
        if (strlen(word) < 3 || strlen(word) > 14 || !strset_add(&seen, word))
            continue;
        v->words[n++] = xstrdup(word);
    }
    strset_free(&seen);
    for (v->first_content = 0; strcmp(v->words[v->first_content], "today") != 0;)
        v->first_content++;

    double total = 0;
    for (size_t i = 0; i < VOCAB_SIZE; i++) {
        v->lens[i] = (uint8_t)strlen(v->words[i]);
        total += 1.0 / (double)(i + 1);
    }
    double cum = 0;
    size_t w = 0;
    for (size_t slot = 0; slot < (1u << WORD_TABLE_BITS); slot++) {
        double u = ((double)slot + 0.5) / (double)(1u << WORD_TABLE_BITS) * total;
        while (w + 1 < VOCAB_SIZE && cum + 1.0 / (double)(w + 1) < u)
            cum += 1.0 / (double)(++w);
        v->table[slot] = (uint16_t)w;
    }
}

static uint32_t vocab_draw(const struct vocab *v, struct rng *r)
{
    return v->table[rng_next(r) >> (64 - WORD_TABLE_BITS)];
}

/* A real word that is not a function word: headline material. */
static uint32_t vocab_draw_headline(const struct vocab *v, struct rng *r)
{
    uint32_t word;
    do
        word = vocab_draw(v, r);
    while (word < v->first_content || word >= v->nreal);
    return word;
}

/* ---- entities ----------------------------------------------------------- */

enum entity_type { PERSON, ORGANIZATION, LOCATION, PRODUCT };
static const char *const entity_type_names[] = {"person", "organization", "location", "product"};

struct entity {
    char *name;
    char *slug;
    char *aliases[2];
    char *description;
    const char *short_name; /* name or first alias: what a headline says */
    uint8_t type;
};

struct world {
    struct options opt;
    struct vocab vocab;
    struct entity *entities;
    size_t nentities;
    /* Zipf (s = 1.1) over entities: rank r is entity by_rank[r], with
     * cumulative weight rank_cdf[r]. */
    uint32_t *by_rank;
    double *rank_cdf;
};

static void make_place_name(struct rng *r, char *out, size_t cap)
{
    char stem[48];
    make_stem(r, stem, sizeof stem, (int)rng_range(r, 1, 2));
    const char *suffix = place_suffixes[rng_below(r, COUNT(place_suffixes))];
    /* "Valdia", not "Valdaia": a vowel suffix after a vowel reads badly. */
    size_t len = strlen(stem);
    if (len > 0 && strchr("aeiouy", stem[len - 1]) != NULL && strchr("aeio", suffix[0]) != NULL &&
        suffix[0] != '\0')
        stem[len - 1] = '\0';
    char word[96];
    snprintf(word, sizeof word, "%s%s", stem, suffix);
    copy_capitalized(stem, word, sizeof stem);
    snprintf(out, cap, "%s%s", place_prefixes[rng_below(r, COUNT(place_prefixes))], stem);
}

static void make_surname(struct rng *r, char *out, size_t cap)
{
    if (rng_chance(r, 0.6)) {
        snprintf(out, cap, "%s", last_names[rng_below(r, COUNT(last_names))]);
        return;
    }
    static const char *const endings[] = {"",   "son", "ov",  "ova",  "ez",   "ski",
                                          "er", "man", "ini", "ello", "berg", "ides"};
    char stem[48], word[96];
    make_stem(r, stem, sizeof stem, (int)rng_range(r, 1, 2));
    snprintf(word, sizeof word, "%s%s", stem, endings[rng_below(r, COUNT(endings))]);
    copy_capitalized(out, word, cap);
}

/* Initials of the capitalized words: "Northern Steel Group" -> "NSG". */
static void acronym(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    bool start = true;
    for (const char *p = name; *p != '\0' && n + 1 < cap; p++) {
        if (start && *p >= 'A' && *p <= 'Z')
            out[n++] = *p;
        start = *p == ' ';
    }
    out[n] = '\0';
}

/* A name of at most four words, and its aliases: the ones a reader would
 * know it by. */
static void make_entity(struct rng *r, enum entity_type type, const char *place, char *name,
                        char aliases[2][128], size_t *naliases)
{
    char a[64], b[64];
    *naliases = 0;
    switch (type) {
    case PERSON:
        make_surname(r, b, sizeof b);
        if (rng_chance(r, 0.12))
            snprintf(name, 128, "%s %c. %s", first_names[rng_below(r, COUNT(first_names))],
                     (char)('A' + rng_below(r, 26)), b);
        else
            snprintf(name, 128, "%s %s", first_names[rng_below(r, COUNT(first_names))], b);
        snprintf(aliases[(*naliases)++], 128, "%s", b);
        snprintf(aliases[(*naliases)++], 128, "%c. %s", name[0], b);
        break;
    case ORGANIZATION: {
        uint32_t form = rng_below(r, 4);
        if (form == 0) {
            make_place_name(r, a, sizeof a);
            snprintf(name, 128, "%s %s %s", a, org_industries[rng_below(r, COUNT(org_industries))],
                     org_suffixes[rng_below(r, COUNT(org_suffixes))]);
        } else if (form == 1 && place != NULL) {
            snprintf(name, 128, "%s %s", place, org_bodies[rng_below(r, COUNT(org_bodies))]);
        } else if (form == 2) {
            make_surname(r, a, sizeof a);
            make_surname(r, b, sizeof b);
            snprintf(name, 128, "%s & %s", a, b);
        } else {
            make_stem(r, b, sizeof b, 2);
            copy_capitalized(a, b, sizeof a);
            snprintf(name, 128, "%s %s", a, org_industries[rng_below(r, COUNT(org_industries))]);
        }
        acronym(name, a, sizeof a);
        if (strlen(a) >= 2 && strchr(name, '&') == NULL)
            snprintf(aliases[(*naliases)++], 128, "%s", a);
        break;
    }
    case LOCATION:
        make_place_name(r, name, 128);
        if (rng_chance(r, 0.3))
            join(aliases[(*naliases)++], 128, "Republic of ", name);
        break;
    case PRODUCT:
        make_stem(r, b, sizeof b, (int)rng_range(r, 1, 2));
        copy_capitalized(a, b, sizeof a);
        snprintf(name, 128, "%s %s %u", a, product_lines[rng_below(r, COUNT(product_lines))],
                 rng_range(r, 2, 99) * (rng_chance(r, 0.3) ? 100 : 1));
        snprintf(aliases[(*naliases)++], 128, "%s", a);
        break;
    }
    /* 0-2 aliases, most entities one. */
    uint32_t keep = rng_below(r, 10);
    keep = keep < 3 ? 0 : keep < 8 ? 1 : 2;
    if (*naliases > keep)
        *naliases = keep;
}

static char *make_description(struct rng *r, const struct entity *e, const struct world *w,
                              size_t made)
{
    char text[256];
    /* Someone works for an organization or in a place; an organization
     * sits in a place. Look back at what was made for one. */
    unsigned wanted = e->type == PERSON ? 1u << ORGANIZATION | 1u << LOCATION : 1u << LOCATION;
    const char *where = "the region";
    for (int attempt = 0; attempt < 20 && made > 0; attempt++) {
        const struct entity *other = &w->entities[rng_below(r, (uint32_t)made)];
        if (wanted & (1u << other->type)) {
            where = other->name;
            break;
        }
    }
    switch (e->type) {
    case PERSON:
        snprintf(text, sizeof text, "%s, %s.", roles[rng_below(r, COUNT(roles))], where);
        break;
    case ORGANIZATION:
        snprintf(text, sizeof text, "Organization with offices in %s.", where);
        break;
    case LOCATION:
        snprintf(text, sizeof text, "%s of about %u thousand people.",
                 rng_chance(r, 0.5) ? "City" : "Region", rng_range(r, 20, 9000));
        break;
    case PRODUCT:
        snprintf(text, sizeof text, "Product line first shown in %u.", rng_range(r, 1995, 2024));
        break;
    }
    return xstrdup(text);
}

static void build_entities(struct world *w)
{
    struct strset names = {0}, slugs = {0};
    size_t n = w->opt.entities;
    w->entities = xrealloc(NULL, n * sizeof *w->entities);
    w->nentities = n;

    /* One-word places made so far, so organizations can be named after
     * them ("Valdia Ministry of Defense"). */
    uint32_t *places = xrealloc(NULL, n * sizeof *places);
    size_t nplaces = 0;
    for (size_t i = 0; i < n; i++) {
        struct rng r = rng_for(w->opt.seed, STREAM_ENTITIES, i);
        uint32_t t = rng_below(&r, 100);
        enum entity_type type = t < 45   ? PERSON
                                : t < 75 ? ORGANIZATION
                                : t < 90 ? LOCATION
                                         : PRODUCT;
        char name[128], aliases[2][128];
        size_t naliases;
        const char *place =
            nplaces > 0 ? w->entities[places[rng_below(&r, (uint32_t)nplaces)]].name : NULL;
        for (int attempt = 0;; attempt++) {
            make_entity(&r, type, place, name, aliases, &naliases);
            if (attempt >= 50) {
                /* Every combination taken: a numeral keeps it unique. */
                size_t len = strlen(name);
                snprintf(name + len, sizeof name - len, " %d", attempt);
            }
            if (strset_add(&names, name))
                break;
        }
        struct entity *e = &w->entities[i];
        *e = (struct entity){.name = xstrdup(name), .type = (uint8_t)type};
        for (size_t a = 0; a < naliases; a++)
            e->aliases[a] = strcasecmp(aliases[a], name) != 0 ? xstrdup(aliases[a]) : NULL;
        if (e->aliases[0] == NULL && e->aliases[1] != NULL) {
            e->aliases[0] = e->aliases[1];
            e->aliases[1] = NULL;
        }
        if (e->aliases[1] != NULL && strcasecmp(e->aliases[0], e->aliases[1]) == 0) {
            free(e->aliases[1]);
            e->aliases[1] = NULL;
        }
        e->short_name = type == PERSON || e->aliases[0] == NULL ? e->name : e->aliases[0];
        if (rng_chance(&r, 0.6))
            e->description = make_description(&r, e, w, i);

        char slug[128], base[100];
        slugify(name, base, 90);
        if (base[0] == '\0')
            snprintf(base, sizeof base, "entity");
        snprintf(slug, sizeof slug, "%s", base);
        for (int k = 2; !strset_add(&slugs, slug); k++)
            snprintf(slug, sizeof slug, "%s-%d", base, k);
        e->slug = xstrdup(slug);
        if (type == LOCATION && strchr(name, ' ') == NULL)
            places[nplaces++] = (uint32_t)i;
    }
    free(places);
    strset_free(&names);
    strset_free(&slugs);

    /* Ranks: a seeded shuffle, so the most-mentioned entity is anyone. */
    w->by_rank = xrealloc(NULL, n * sizeof *w->by_rank);
    w->rank_cdf = xrealloc(NULL, n * sizeof *w->rank_cdf);
    for (size_t i = 0; i < n; i++)
        w->by_rank[i] = (uint32_t)i;
    struct rng r = rng_for(w->opt.seed, STREAM_RANKS, 0);
    for (size_t i = n - 1; i > 0; i--) {
        uint32_t j = rng_below(&r, (uint32_t)(i + 1));
        uint32_t tmp = w->by_rank[i];
        w->by_rank[i] = w->by_rank[j];
        w->by_rank[j] = tmp;
    }
    double cum = 0;
    for (size_t i = 0; i < n; i++) {
        cum += pow((double)(i + 1), -1.1);
        w->rank_cdf[i] = cum;
    }
}

/* An entity from the Zipf distribution over ranks. */
static uint32_t draw_entity(const struct world *w, struct rng *r)
{
    double u = rng_unit(r) * w->rank_cdf[w->nentities - 1];
    size_t lo = 0, hi = w->nentities - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->rank_cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return w->by_rank[lo];
}

/* An entity of one of the types in `mask` (bits of enum entity_type), still
 * Zipf-distributed among them; any entity if the store has none. */
static uint32_t draw_entity_of(const struct world *w, struct rng *r, unsigned mask)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        uint32_t e = draw_entity(w, r);
        if (mask & (1u << w->entities[e].type))
            return e;
    }
    uint32_t start = rng_below(r, (uint32_t)w->nentities);
    for (size_t k = 0; k < w->nentities; k++) {
        uint32_t e = (uint32_t)((start + k) % w->nentities);
        if (mask & (1u << w->entities[e].type))
            return e;
    }
    return start;
}

static bool contains(const uint32_t *ids, int n, uint32_t id)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* ---- dates -------------------------------------------------------------- */

#define FIRST_YEAR 2000
#define DAYS_SPAN  9497 /* 2000-01-01 .. 2025-12-31 */

/* Days since 2000-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil_date(uint32_t day, int *y, int *m, int *d)
{
    long z = (long)day + 10957 + 719468; /* 2000-01-01 is day 10957 of the Unix epoch */
    long era = z / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* ---- articles ----------------------------------------------------------- */

#define MENTIONS_MAX      15
#define PARTIES_MAX       4
#define ARTICLE_SLUG_BASE 80

/* What the later passes need to know about article i: all of it comes from
 * the (seed, STREAM_HEAD, i) stream, so it is cheap to make again. */
struct article_head {
    uint64_t index;
    uint32_t source;
    uint32_t day, second;
    int nmentions;
    uint32_t entity[MENTIONS_MAX];
    uint8_t count[MENTIONS_MAX];
    bool reports_agreement;
    uint8_t kind, topic;
    int nparties;
    uint32_t party[PARTIES_MAX];
    char title[512];
    char slug[128];
};

/* A title grows a word (or a name of several) at a time; headline case. */
struct title {
    char *text;
    size_t cap, len;
    int words;
};

static int count_words(const char *s)
{
    int n = 1;
    for (; *s != '\0'; s++)
        n += *s == ' ';
    return n;
}

static void title_add(struct title *t, const char *words, bool capitalize)
{
    static const char *const small[] = {"a",  "an", "and", "as", "at",  "by", "for", "from",
                                        "in", "of", "on",  "or", "the", "to", "with"};
    bool is_small = false;
    for (size_t i = 0; i < COUNT(small) && t->words > 0; i++)
        is_small = is_small || strcmp(small[i], words) == 0;
    int n = snprintf(t->text + t->len, t->cap - t->len, "%s%s", t->len ? " " : "", words);
    if (n < 0 || (size_t)n >= t->cap - t->len)
        return;
    char *first = t->text + t->len + (t->len ? 1 : 0);
    if (capitalize && !is_small && *first >= 'a' && *first <= 'z')
        *first = (char)(*first - 'a' + 'A');
    t->len += (size_t)n;
    t->words += count_words(words);
}

static void make_title(const struct world *w, struct rng *r, struct article_head *h)
{
    struct title t = {.text = h->title, .cap = sizeof h->title};
    int target = (int)rng_range(r, 6, 12);
    h->title[0] = '\0';
    if (h->reports_agreement) {
        const struct entity *a = &w->entities[h->party[0]], *b = &w->entities[h->party[1]];
        int need = count_words(a->short_name) + count_words(b->short_name) + 3 +
                   count_words(topics[h->topic]);
        title_add(&t, a->short_name, false);
        if (need <= 12) {
            title_add(&t, "and", true);
            title_add(&t, b->short_name, false);
            title_add(&t, "Sign", true);
        } else {
            title_add(&t, "Signs", true);
        }
        title_add(&t, topics[h->topic], true);
        title_add(&t, agreement_kinds[h->kind], true);
        if (t.words < 6)
            title_add(&t, "amid", true);
    } else if (rng_chance(r, 0.6)) {
        title_add(&t, w->entities[h->entity[0]].short_name, false);
        title_add(&t, title_verbs[rng_below(r, COUNT(title_verbs))], true);
    }
    uint32_t used[16];
    int nused = 0;
    while (t.words < target || t.words < 6) {
        uint32_t word = vocab_draw_headline(&w->vocab, r);
        if (contains(used, nused, word))
            continue;
        used[nused++ % 16] = word;
        title_add(&t, w->vocab.words[word], true);
    }
}

static void make_head(const struct world *w, uint64_t index, struct article_head *h)
{
    struct rng r = rng_for(w->opt.seed, STREAM_HEAD, index);

    h->index = index;
    /* Big outlets publish more: the smaller of two draws favours low ones. */
    uint32_t s1 = rng_below(&r, COUNT(outlets)), s2 = rng_below(&r, COUNT(outlets));
    h->source = s1 < s2 ? s1 : s2;
    h->day = rng_below(&r, DAYS_SPAN);
    h->second = rng_below(&r, 86400);

    /* 3-15 entities, most stories few, some many (7 on average); the first
     * is what the story is about. */
    uint32_t m1 = rng_below(&r, 13), m2 = rng_below(&r, 13);
    h->nmentions = 3 + (int)(m1 < m2 ? m1 : m2);
    if ((uint64_t)h->nmentions > w->nentities)
        h->nmentions = (int)w->nentities;
    for (int k = 0; k < h->nmentions; k++) {
        uint32_t e;
        do
            e = draw_entity(w, &r);
        while (contains(h->entity, k, e));
        h->entity[k] = e;
        uint32_t c = 1 + rng_below(&r, rng_range(&r, 1, 6));
        h->count[k] = (uint8_t)(k == 0 && c < 3 ? c + 2 : c);
    }

    /* About one article in 50 reports an agreement between 2-4 parties,
     * who are then among its mentions. */
    h->reports_agreement = rng_below(&r, 50) == 0;
    h->nparties = 0;
    if (h->reports_agreement) {
        const unsigned party_types = 1u << ORGANIZATION | 1u << LOCATION;
        h->kind = (uint8_t)rng_below(&r, COUNT(agreement_kinds));
        h->topic = (uint8_t)rng_below(&r, COUNT(topics));
        int want = (int)rng_range(&r, 2, PARTIES_MAX);
        /* From a random place in the list, so the most-mentioned entity is
         * not party to everything. */
        int start = (int)rng_below(&r, (uint32_t)h->nmentions);
        for (int k = 0; k < h->nmentions && h->nparties < want; k++) {
            uint32_t e = h->entity[(start + k) % h->nmentions];
            if (party_types & (1u << w->entities[e].type))
                h->party[h->nparties++] = e;
        }
        for (int attempt = 0; h->nparties < want && attempt < 100; attempt++) {
            uint32_t e = draw_entity_of(w, &r, party_types);
            if (contains(h->entity, h->nmentions, e))
                continue;
            int slot = h->nmentions;
            if (slot == MENTIONS_MAX) {
                /* Full: replace the last mention that is not a party. */
                while (--slot > 0 && contains(h->party, h->nparties, h->entity[slot]))
                    ;
            } else {
                h->nmentions++;
            }
            h->entity[slot] = e;
            h->count[slot] = (uint8_t)rng_range(&r, 1, 3);
            h->party[h->nparties++] = e;
        }
        if (h->nparties < 2)
            h->reports_agreement = false;
    }
    make_title(w, &r, h);

    char base[ARTICLE_SLUG_BASE + 1];
    slugify(h->title, base, ARTICLE_SLUG_BASE);
    /* The index makes the slug unique without asking the store. */
    snprintf(h->slug, sizeof h->slug, "%s-%" PRIu64, base[0] ? base : "article", index + 1);
}

/* How an article refers to an entity: full name, or the alias a reader
 * knows it by. */
static const char *name_in_text(const struct entity *e, struct rng *r)
{
    if (e->aliases[0] != NULL && rng_chance(r, 0.4))
        return e->aliases[0];
    return e->name;
}

/* Sentences of vocabulary words, with `names` (entity ids, in order)
 * spread over them; written as JSON string content (no quotes). */
static void put_prose(const struct world *w, struct rng *r, struct buf *b, int words,
                      const uint32_t *names, int nnames, bool paragraphs)
{
    int left = nnames, in_sentence = 0, sentence_len = (int)rng_range(r, 8, 24);
    int sentences = 0, paragraph_len = (int)rng_range(r, 3, 6);
    bool need_space = false;
    uint32_t last = UINT32_MAX;

    if (words < nnames)
        words = nnames;
    for (int k = 0; k < words; k++) {
        if (need_space)
            buf_putc(b, ' ');
        size_t start = b->len;
        /* Each remaining name takes the next word with the chance that
         * spreads the rest evenly, so all of them are placed. */
        if (left > 0 && (int)rng_below(r, (uint32_t)(words - k)) < left) {
            buf_puts(b, name_in_text(&w->entities[names[nnames - left]], r));
            left--;
        } else {
            uint32_t v;
            do /* "the the" reads as a typo */
                v = vocab_draw(&w->vocab, r);
            while (v == last);
            last = v;
            buf_put(b, w->vocab.words[v], w->vocab.lens[v]);
            if (in_sentence == 0 && b->p[start] >= 'a' && b->p[start] <= 'z')
                b->p[start] = (char)(b->p[start] - 'a' + 'A');
        }
        need_space = true;
        if (++in_sentence >= sentence_len || k == words - 1) {
            buf_putc(b, '.');
            in_sentence = 0;
            sentence_len = (int)rng_range(r, 8, 24);
            if (paragraphs && ++sentences >= paragraph_len && k != words - 1) {
                buf_put(b, "\n\n", 2);
                need_space = false;
                sentences = 0;
                paragraph_len = (int)rng_range(r, 3, 6);
            }
        } else if (rng_below(r, 100) < 6) {
            buf_putc(b, ',');
        }
    }
}

/* Outlet domains, made once: "The Meridian Post" -> meridian-post.example. */
static char outlet_domains[COUNT(outlets)][64];

static void build_outlet_domains(void)
{
    for (size_t i = 0; i < COUNT(outlets); i++) {
        const char *name = strncmp(outlets[i], "The ", 4) == 0 ? outlets[i] + 4 : outlets[i];
        char slug[48];
        slugify(name, slug, 40);
        snprintf(outlet_domains[i], sizeof outlet_domains[i], "%s.example", slug);
    }
}

static json_t *put_article(const struct world *w, const struct article_head *h, struct buf *b)
{
    struct rng r = rng_for(w->opt.seed, STREAM_BODY, h->index);
    int y, m, d;
    char text[320];

    civil_date(h->day, &y, &m, &d);
    json_t *o = new_record("article");
    set_str(o, "slug", h->slug);
    set_str(o, "title", h->title);
    set_str(o, "source", outlets[h->source]);
    snprintf(text, sizeof text, "https://%s/%04d/%02d/%s", outlet_domains[h->source], y, m,
             h->slug);
    set_str(o, "url", text);
    snprintf(text, sizeof text, "%04d-%02d-%02dT%02u:%02u:%02uZ", y, m, d, h->second / 3600,
             h->second / 60 % 60, h->second % 60);
    set_str(o, "published_at", text);

    /* A one-sentence summary naming the main entity. */
    b->len = 0;
    put_prose(w, &r, b, (int)rng_range(&r, 15, 30), h->entity, 1, false);
    set_text(o, "summary", b->p, b->len);

    /* Each mention appears in the body as often as its count says, in a
     * shuffled order. */
    uint32_t names[MENTIONS_MAX * 6];
    int nnames = 0;
    for (int k = 0; k < h->nmentions; k++)
        for (int c = 0; c < h->count[k]; c++)
            names[nnames++] = h->entity[k];
    for (int i = nnames - 1; i > 0; i--) {
        uint32_t j = rng_below(&r, (uint32_t)(i + 1));
        uint32_t tmp = names[i];
        names[i] = names[j];
        names[j] = tmp;
    }
    b->len = 0;
    put_prose(w, &r, b, (int)rng_range(&r, 300, 800), names, nnames, true);
    set_text(o, "body", b->p, b->len);
    json_t *mentions = json_array();
    for (int k = 0; k < h->nmentions; k++) {
        json_t *mention = json_object();
        set_str(mention, "entity", w->entities[h->entity[k]].slug);
        json_object_set_new_nocheck(mention, "count", json_integer(h->count[k]));
        json_array_append_new(mentions, mention);
    }
    json_object_set_new_nocheck(o, "mentions", mentions);
    b->len = 0;
    return o;
}

/* ---- quotes ------------------------------------------------------------- */

static json_t *put_quote(const struct world *w, const struct article_head *h, struct rng *r,
                         uint64_t number)
{
    uint32_t persons[MENTIONS_MAX];
    int npersons = 0;
    for (int k = 0; k < h->nmentions; k++)
        if (w->entities[h->entity[k]].type == PERSON)
            persons[npersons++] = h->entity[k];
    /* Mostly someone the article mentions; sometimes an outside voice. */
    uint32_t speaker = npersons > 0 && rng_chance(r, 0.85)
                           ? persons[rng_below(r, (uint32_t)npersons)]
                           : draw_entity_of(w, r, 1u << PERSON);

    struct buf text = {0};
    put_prose(w, r, &text, (int)rng_range(r, 12, 40), NULL, 0, false);
    buf_putc(&text, '\0');

    /* The slug starts with the opening words, as the store's would. */
    char opening[64], base[48], slug[96];
    snprintf(opening, sizeof opening, "%s", text.p);
    slugify(opening, base, 40);
    snprintf(slug, sizeof slug, "%s-q%" PRIu64, base[0] ? base : "quote", number);

    json_t *o = new_record("quote");
    set_str(o, "slug", slug);
    set_str(o, "article", h->slug);
    set_str(o, "speaker", w->entities[speaker].slug);
    set_str(o, "text", text.p);
    free(text.p);
    return o;
}

/* ---- agreements --------------------------------------------------------- */

struct agreement {
    uint64_t article; /* the article that reports it */
    uint32_t day;     /* signed_on, when dated */
    bool dated;
    bool superseded;
    uint8_t kind, topic;
    int nparties;
    uint32_t party[PARTIES_MAX];
    int64_t supersedes; /* index of the agreement it replaces, or -1 */
};

static void agreement_title(const struct world *w, const struct agreement *g, char *out, size_t cap)
{
    size_t n = 0;
    for (int p = 0; p < g->nparties; p++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s",
                              p == 0                 ? ""
                              : p == g->nparties - 1 ? " and "
                                                     : ", ",
                              w->entities[g->party[p]].short_name);
    n += (size_t)snprintf(out + n, cap - n, " %s %s", topics[g->topic], agreement_kinds[g->kind]);
    if (g->dated) {
        int y, m, d;
        civil_date(g->day, &y, &m, &d);
        snprintf(out + n, cap - n, " of %d", y);
    }
}

static void agreement_slug(const struct world *w, const struct agreement *g, size_t index,
                           char out[128])
{
    char title[512], base[91];
    agreement_title(w, g, title, sizeof title);
    slugify(title, base, 90);
    snprintf(out, 128, "%s-%zu", base[0] ? base : "agreement", index + 1);
}

/* Fills in the agreements reported by the articles listed in g[i].article
 * and decides the supersedes links, before any is written: an agreement
 * that a later one replaces is written with status "superseded". */
static void plan_agreements(const struct world *w, struct agreement *g, size_t n)
{
    struct article_head h;
    for (size_t j = 0; j < n; j++) {
        struct rng r = rng_for(w->opt.seed, STREAM_AGREEMENT, j);
        make_head(w, g[j].article, &h);
        g[j].kind = h.kind;
        g[j].topic = h.topic;
        g[j].nparties = h.nparties;
        memcpy(g[j].party, h.party, sizeof h.party);
        /* Signed a few days before the report; a few still unsigned. */
        g[j].dated = !rng_chance(&r, 0.04);
        g[j].day = h.day >= 10 ? h.day - rng_below(&r, 10) : h.day;
        g[j].supersedes = -1;
        /* Tried for a quarter of them; about one in five finds an older
         * agreement to replace. */
        if (j == 0 || !g[j].dated || !rng_chance(&r, 0.24))
            continue;
        /* An older, dated, not yet replaced agreement; one between the
         * same parties when one turns up. */
        int64_t pick = -1;
        for (int attempt = 0; attempt < 32; attempt++) {
            size_t k = rng_below(&r, (uint32_t)j);
            if (g[k].superseded || !g[k].dated || g[k].day >= g[j].day)
                continue;
            bool shares = false;
            for (int p = 0; p < g[k].nparties; p++)
                shares = shares || contains(g[j].party, g[j].nparties, g[k].party[p]);
            if (pick < 0 || shares)
                pick = (int64_t)k;
            if (shares)
                break;
        }
        if (pick >= 0) {
            g[j].supersedes = pick;
            g[pick].superseded = true;
        }
    }
}

static json_t *put_agreement(const struct world *w, const struct agreement *g, size_t j)
{
    struct rng r = rng_for(w->opt.seed, STREAM_AGREEMENT_TEXT, j);
    const struct agreement *a = &g[j];
    struct article_head h;
    char text[1024], slug[128];
    int y, m, d;

    make_head(w, a->article, &h);
    civil_date(a->day, &y, &m, &d);
    agreement_title(w, a, text, sizeof text);
    agreement_slug(w, a, j, slug);

    const char *status;
    if (a->superseded)
        status = "superseded";
    else if (!a->dated)
        status = "proposed";
    else if (y < 2015)
        status = rng_chance(&r, 0.6) ? "in_force" : rng_chance(&r, 0.5) ? "expired" : "signed";
    else
        status = rng_chance(&r, 0.4)   ? "signed"
                 : rng_chance(&r, 0.5) ? "pending_ratification"
                                       : "in_force";

    json_t *o = new_record("agreement");
    set_str(o, "slug", slug);
    set_str(o, "title", text);
    set_str(o, "kind", agreement_kinds[a->kind]);
    set_str(o, "status", status);
    if (a->dated) {
        char date[16];
        snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
        set_str(o, "signed_on", date);
    }
    char kind[32];
    copy_capitalized(kind, agreement_kinds[a->kind], sizeof kind);
    snprintf(text, sizeof text, "%s on %s between %s and %s, as reported by %s.", kind,
             topics[a->topic], w->entities[a->party[0]].name, w->entities[a->party[1]].name,
             outlets[h.source]);
    set_str(o, "summary", text);

    json_t *parties = json_array();
    for (int p = 0; p < a->nparties; p++)
        append_str(parties, w->entities[a->party[p]].slug);
    json_object_set_new_nocheck(o, "parties", parties);
    /* 0-2 signatories, persons from the report when it names any. */
    uint32_t signers[2];
    int want = (int)rng_below(&r, 3), nsigners = 0;
    for (int k = 0; k < h.nmentions && nsigners < want; k++)
        if (w->entities[h.entity[k]].type == PERSON)
            signers[nsigners++] = h.entity[k];
    for (int attempt = 0; nsigners < want && attempt < 50; attempt++) {
        uint32_t e = draw_entity_of(w, &r, 1u << PERSON);
        if (w->entities[e].type == PERSON && !contains(signers, nsigners, e))
            signers[nsigners++] = e;
    }
    json_t *signatories = json_array();
    for (int s = 0; s < nsigners; s++)
        append_str(signatories, w->entities[signers[s]].slug);
    json_object_set_new_nocheck(o, "signatories", signatories);
    if (a->supersedes >= 0) {
        agreement_slug(w, &g[a->supersedes], (size_t)a->supersedes, slug);
        set_str(o, "supersedes", slug);
    }
    /* The report, and up to two more articles about it. */
    json_t *articles = json_array();
    append_str(articles, h.slug);
    uint32_t more = rng_below(&r, 3);
    uint64_t linked[3] = {a->article};
    int nlinked = 1;
    for (uint32_t k = 0; k < more; k++) {
        uint64_t other = rng_next(&r) % w->opt.articles;
        bool listed = false;
        for (int i = 0; i < nlinked; i++)
            listed = listed || linked[i] == other;
        if (listed)
            continue;
        linked[nlinked++] = other;
        struct article_head other_head;
        make_head(w, other, &other_head);
        append_str(articles, other_head.slug);
    }
    json_object_set_new_nocheck(o, "articles", articles);
    return o;
}

/* ---- the writer thread -------------------------------------------------- */

/* The records go to the importer as jansson values through a short queue,
 * not as NDJSON through a pipe: formatting every line and parsing it again
 * was a third of the importing thread's time (bench/README). --print
 * writes the same values as lines. */
#define QUEUE_RECORDS 1024
/* Each side is woken only when the queue is worth its while (a wake-up is a
 * system call on the waking thread): the importer when WAKE_RECORDS wait,
 * the writer when the queue is half empty. */
#define WAKE_RECORDS 64

struct writer {
    const struct world *w;
    FILE *out; /* --print: the lines go here, else to the queue */
    struct timespec t0;
    bool failed;
    uint64_t quotes, agreements;

    pthread_mutex_t lock;
    pthread_cond_t changed;
    json_t *queue[QUEUE_RECORDS];
    size_t head, count;
    bool done;      /* the writer has given its last record */
    bool abandoned; /* the importer stopped early: give no more */
    bool taker_waiting, giver_waiting; /* asleep on `changed` */
};

static bool emit(struct writer *wr, json_t *rec)
{
    if (wr->out != NULL) {
        bool ok = json_dumpf(rec, wr->out, JSON_COMPACT) == 0 && fputc('\n', wr->out) != EOF;
        json_decref(rec);
        return ok;
    }
    pthread_mutex_lock(&wr->lock);
    while (wr->count == QUEUE_RECORDS && !wr->abandoned) {
        wr->giver_waiting = true;
        pthread_cond_wait(&wr->changed, &wr->lock);
        wr->giver_waiting = false;
    }
    bool ok = !wr->abandoned;
    if (ok) {
        wr->queue[(wr->head + wr->count) % QUEUE_RECORDS] = rec;
        wr->count++;
        if (wr->taker_waiting && wr->count >= WAKE_RECORDS) {
            wr->taker_waiting = false; /* woken once, not again by every record */
            pthread_cond_broadcast(&wr->changed);
        }
    }
    pthread_mutex_unlock(&wr->lock);
    if (!ok)
        json_decref(rec);
    return ok;
}

/* db_import_records' source: the next record, NULL after the last. */
static json_t *next_record(void *ctx, bool *failed)
{
    struct writer *wr = ctx;
    json_t *rec = NULL;
    pthread_mutex_lock(&wr->lock);
    while (wr->count == 0 && !wr->done) {
        wr->taker_waiting = true;
        pthread_cond_wait(&wr->changed, &wr->lock);
        wr->taker_waiting = false;
    }
    if (wr->count > 0) {
        rec = wr->queue[wr->head];
        wr->head = (wr->head + 1) % QUEUE_RECORDS;
        wr->count--;
        if (wr->giver_waiting && wr->count <= QUEUE_RECORDS / 2) {
            wr->giver_waiting = false;
            pthread_cond_broadcast(&wr->changed);
        }
    }
    *failed = rec == NULL && wr->failed;
    pthread_mutex_unlock(&wr->lock);
    return rec;
}

/* Unblocks the writer if the import stopped early, and drops what it
 * queued. */
static void abandon_queue(struct writer *wr)
{
    pthread_mutex_lock(&wr->lock);
    wr->abandoned = true;
    for (; wr->count > 0; wr->count--, wr->head = (wr->head + 1) % QUEUE_RECORDS)
        json_decref(wr->queue[wr->head]);
    pthread_cond_broadcast(&wr->changed);
    pthread_mutex_unlock(&wr->lock);
}

static bool write_entities(struct writer *wr)
{
    const struct world *w = wr->w;
    for (size_t i = 0; i < w->nentities; i++) {
        const struct entity *e = &w->entities[i];
        json_t *o = new_record("entity");
        set_str(o, "slug", e->slug);
        set_str(o, "name", e->name);
        set_str(o, "entity_type", entity_type_names[e->type]);
        json_t *aliases = json_array();
        for (int a = 0; a < 2 && e->aliases[a] != NULL; a++)
            append_str(aliases, e->aliases[a]);
        json_object_set_new_nocheck(o, "aliases", aliases);
        if (e->description != NULL)
            set_str(o, "description", e->description);
        if (!emit(wr, o))
            return false;
    }
    return true;
}

/* Articles, and the list of those that report an agreement (about one in
 * 50: small enough to keep). */
static bool write_articles(struct writer *wr, struct buf *b, struct agreement **g, size_t *ng)
{
    const struct world *w = wr->w;
    struct article_head h;
    size_t cap = 0;
    for (uint64_t i = 0; i < w->opt.articles; i++) {
        make_head(w, i, &h);
        if (!emit(wr, put_article(w, &h, b)))
            return false;
        if (h.reports_agreement) {
            if (*ng == cap) {
                cap = cap ? cap * 2 : 1024;
                *g = xrealloc(*g, cap * sizeof **g);
            }
            (*g)[(*ng)++] = (struct agreement){.article = i};
        }
        if ((i + 1) % 100000 == 0) {
            double s = seconds_since(&wr->t0);
            fprintf(stderr, "gen: %" PRIu64 " articles, %.1f s, %.0f articles/s\n", i + 1, s,
                    (double)(i + 1) / s);
        }
    }
    return true;
}

static bool write_quotes(struct writer *wr)
{
    const struct world *w = wr->w;
    struct article_head h;
    for (uint64_t i = 0; i < w->opt.articles; i++) {
        struct rng r = rng_for(w->opt.seed, STREAM_QUOTE, i);
        /* 0, 1 or 2 quotes: one per three articles on average. */
        double u = rng_unit(&r);
        int n = u < 0.22 ? 1 : u < 0.275 ? 2 : 0;
        if (n == 0)
            continue;
        make_head(w, i, &h);
        for (int q = 0; q < n; q++)
            if (!emit(wr, put_quote(w, &h, &r, ++wr->quotes)))
                return false;
    }
    return true;
}

static void *writer_main(void *arg)
{
    struct writer *wr = arg;
    struct buf b = {0};
    struct agreement *g = NULL;
    size_t ng = 0;

    bool ok = write_entities(wr) && write_articles(wr, &b, &g, &ng) && write_quotes(wr);
    if (ok) {
        plan_agreements(wr->w, g, ng);
        for (size_t j = 0; j < ng && ok; j++)
            ok = emit(wr, put_agreement(wr->w, g, j));
        wr->agreements = ng;
    }
    if (wr->out != NULL && fflush(wr->out) != 0)
        ok = false;
    pthread_mutex_lock(&wr->lock);
    wr->failed = !ok;
    wr->done = true;
    pthread_cond_broadcast(&wr->changed);
    pthread_mutex_unlock(&wr->lock);
    if (ok && wr->out == NULL)
        fprintf(stderr,
                "gen: %" PRIu64 " quotes and %zu agreements written after %.1f s;"
                " building the search indexes and committing\n",
                wr->quotes, ng, seconds_since(&wr->t0));
    free(g);
    free(b.p);
    return NULL;
}

/* ---- main --------------------------------------------------------------- */

static void free_world(struct world *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < VOCAB_SIZE; i++)
        free(w->vocab.words[i]);
    for (size_t i = 0; w->entities != NULL && i < w->nentities; i++) {
        free(w->entities[i].name);
        free(w->entities[i].slug);
        free(w->entities[i].aliases[0]);
        free(w->entities[i].aliases[1]);
        free(w->entities[i].description);
    }
    free(w->entities);
    free(w->by_rank);
    free(w->rank_cdf);
    free(w);
}

int main(int argc, char **argv)
{
    struct options opt;
    struct world *w = NULL;
    struct store *store = NULL;
    int rc = parse_options(argc, argv, &opt);
    char err[512];
    struct stat st;

    if (rc != 0)
        return rc < 0 ? 0 : rc;
    rc = 1;
    /* A store that already has records would clash on every slug, and the
     * result would not be the seed's store. */
    if (!opt.print && stat(opt.db_path, &st) == 0 && st.st_size > 0) {
        fprintf(stderr, "gen: %s exists; remove it first\n", opt.db_path);
        return 1;
    }
    /* --print into a pipe that closes early (| head) ends with an error
     * from the write, not a signal. */
    signal(SIGPIPE, SIG_IGN);

    struct writer wr = {0};
    clock_gettime(CLOCK_MONOTONIC, &wr.t0);
    w = calloc(1, sizeof *w);
    if (w == NULL)
        die("out of memory");
    w->opt = opt;
    build_vocabulary(&w->vocab);
    build_outlet_domains();
    build_entities(w);
    wr.w = w;

    pthread_mutex_init(&wr.lock, NULL);
    pthread_cond_init(&wr.changed, NULL);
    if (opt.print) {
        wr.out = stdout;
        writer_main(&wr);
        double s = seconds_since(&wr.t0);
        fprintf(stderr,
                "gen: %" PRIu64 " entities, %" PRIu64 " articles, %" PRIu64 " quotes, %" PRIu64
                " agreements written in %.1f s\n",
                opt.entities, opt.articles, wr.quotes, wr.agreements, s);
        rc = wr.failed ? 1 : 0;
        goto done;
    }

    bool created;
    /* A large page cache: the import is one transaction over the whole
     * store, and every page it keeps in memory is one not spilled and read
     * back. The store is new and gen's alone: a rollback journal writes
     * each page once, where the WAL would write it twice (bulk_load). */
    struct store_options so = {
        .path = opt.db_path, .busy_timeout_ms = 5000, .cache_size_kib = 2048 * 1024,
        .bulk_load = true};
    store = store_open(&so, &created, err, sizeof err);
    if (store == NULL) {
        fprintf(stderr, "gen: %s\n", err);
        goto done;
    }
    if (!created) {
        fprintf(stderr, "gen: %s already has a schema; remove it first\n", opt.db_path);
        goto done;
    }

    pthread_t thread;
    if (pthread_create(&thread, NULL, writer_main, &wr) != 0) {
        fprintf(stderr, "gen: cannot start the writer thread\n");
        goto done;
    }
    struct transfer_counts counts;
    struct record_error rerr;
    json_t *errors = NULL;
    long bad_line = 0;
    /* The store is new and ours alone: the bulk path (same checks, same
     * result, the per-row work of the schema done once; db/bulk_load.h). */
    struct db_import_options io = {.new_store = true};
    enum db_status status =
        db_import_records(store, next_record, &wr, &io, &counts, &errors, &bad_line, &rerr);
    json_decref(errors);
    abandon_queue(&wr);
    pthread_join(thread, NULL);
    if (status != DB_OK) {
        fprintf(stderr, "gen: import failed at record %ld: %s%s%s\n", bad_line, rerr.field,
                rerr.field[0] ? " " : "", rerr.message);
        goto done;
    }
    if (wr.failed) {
        fprintf(stderr, "gen: writing the records failed\n");
        goto done;
    }
    double imported = seconds_since(&wr.t0);
    /* Closing switches the file to WAL mode (db.h, bulk_load): part of the
     * cost. */
    store_close(store);
    store = NULL;
    double total = seconds_since(&wr.t0);
    long long size = stat(opt.db_path, &st) == 0 ? (long long)st.st_size : -1;
    fprintf(stderr,
            "gen: %d entities, %d articles, %d quotes, %d agreements in %.1f s"
            " (%.0f articles/s; import %.1f s, close %.1f s); %s is %.2f GB\n",
            counts.entities, counts.articles, counts.quotes, counts.agreements, total,
            (double)counts.articles / total, imported, total - imported, opt.db_path,
            (double)size / 1e9);
    rc = 0;
done:
    store_close(store);
    pthread_cond_destroy(&wr.changed);
    pthread_mutex_destroy(&wr.lock);
    free_world(w);
    return rc;
}
