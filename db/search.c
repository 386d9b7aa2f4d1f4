#include "db/search.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/candidates.h"
#include "db/conn.h"
#include "db/listing.h"
#include "db/rank.h"
#include "db/text.h"

/* ---- the query syntax --------------------------------------------------- */

struct term {
    const char *text; /* the phrase inside its quotes, or the word without its '*' */
    size_t len;
    bool is_phrase;
    bool is_prefix;
    bool is_excluded;
};

static enum db_status refuse(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum db_status refuse(char *why, size_t whylen, const char *fmt, ...)
{
    if (why != NULL && whylen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return DB_INVALID;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The code point at *p, which must be valid UTF-8 (the query was checked
 * whole), moving *p past it. */
static uint32_t next_code_point(const unsigned char **p)
{
    const unsigned char *s = *p;
    if (s[0] < 0x80) {
        *p = s + 1;
        return s[0];
    }
    int extra = (s[0] & 0xE0) == 0xC0 ? 1 : (s[0] & 0xF0) == 0xE0 ? 2 : 3;
    uint32_t cp = s[0] & (0x3Fu >> extra);
    for (int i = 1; i <= extra; i++)
        cp = (cp << 6) | (s[i] & 0x3Fu);
    *p = s + extra + 1;
    return cp;
}

/* Whether the tokenizer keeps `cp` as part of a word. unicode61 keeps
 * letters and numbers; this is a cheap approximation of its separators (ASCII
 * punctuation, Latin-1 signs, general punctuation, arrows, shapes, emoji).
 * A character it misses only makes a term that finds nothing. */
static bool is_word_code_point(uint32_t cp)
{
    static const struct {
        uint32_t first, last;
    } separators[] = {
        {0x80, 0xA9},      {0xAB, 0xB1},     {0xB4, 0xB4},     {0xB6, 0xB8},
        {0xBB, 0xBB},      {0xBF, 0xBF},     {0xD7, 0xD7},     {0xF7, 0xF7},
        {0x2000, 0x206F},  {0x20A0, 0x20CF}, {0x2190, 0x23FF}, {0x2500, 0x27BF},
        {0x2E00, 0x2E7F},  {0x3000, 0x3004}, {0x3008, 0x3020}, {0xFE30, 0xFE4F},
        {0xFF01, 0xFF0F},  {0x1F000, 0x1FAFF},
    };
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    for (size_t i = 0; i < sizeof separators / sizeof separators[0]; i++)
        if (cp >= separators[i].first && cp <= separators[i].last)
            return false;
    return true;
}

static bool has_word(const struct term *t)
{
    const unsigned char *p = (const unsigned char *)t->text, *end = p + t->len;
    while (p < end)
        if (is_word_code_point(next_code_point(&p)))
            return true;
    return false;
}

/* At most 40 bytes of the term for a message, cut between characters so the
 * message stays valid UTF-8 (it goes into a JSON problem). */
static void excerpt(const struct term *t, char out[48])
{
    size_t len = t->len;
    if (len > 40) {
        len = 40;
        while (len > 0 && ((unsigned char)t->text[len] & 0xC0) == 0x80)
            len--;
    }
    snprintf(out, 48, "%.*s%s", (int)len, t->text, len < t->len ? "\xe2\x80\xa6" : "");
}

static bool is_operator_word(const struct term *t)
{
    static const char *const operators[] = {"AND", "OR", "NOT", "NEAR", NULL};
    for (const char *const *op = operators; *op != NULL; op++)
        if (t->len == strlen(*op) && memcmp(t->text, *op, t->len) == 0)
            return true;
    return false;
}

/* Reads one term at *pos (not at a space or the end) and moves past it. */
static enum db_status read_term(const char **pos, struct term *t, char *why, size_t whylen)
{
    const char *p = *pos;
    char shown[48];

    *t = (struct term){0};
    if (*p == '-') {
        t->is_excluded = true;
        p++;
        if (*p == '\0' || *p == '-' || is_space(*p))
            return refuse(why, whylen,
                          "a - must be followed by the word or \"phrase\" to leave out");
    }
    if (*p == '"') {
        const char *close = strchr(p + 1, '"');
        if (close == NULL)
            return refuse(why, whylen, "has a \" without the \" that closes its phrase");
        t->is_phrase = true;
        t->text = p + 1;
        t->len = (size_t)(close - t->text);
        p = close + 1;
        if (*p == '*') {
            t->is_prefix = true;
            p++;
        }
        if (*p != '\0' && !is_space(*p))
            return refuse(why, whylen, "needs a space after the \" that closes a phrase");
    } else {
        t->text = p;
        t->len = strcspn(p, " \t\r\n");
        p += t->len;
        if (t->text[t->len - 1] == '*') {
            t->is_prefix = true;
            t->len--;
        }
        if (t->len == 0)
            return refuse(why, whylen, "a * must end a word, as in defen*");
        excerpt(t, shown);
        /* Outside quotes these would be FTS5 syntax (column filters, NEAR
         * groups, initial-token and column-set markers). We quote every
         * term anyway, so they could do no harm; refusing them tells the
         * person that the feature they reached for does not exist here. */
        for (size_t i = 0; i < t->len; i++) {
            char c = t->text[i];
            if (c == '"')
                return refuse(why, whylen, "\"%s\": a \" may only open or close a phrase", shown);
            if (strchr(":()^{}*+", c) != NULL)
                return refuse(why, whylen,
                              "\"%s\": '%c' is not part of the search syntax; put the word in"
                              " quotes to search for it as written", shown, c);
        }
        if (is_operator_word(t))
            return refuse(why, whylen,
                          "\"%s\": operators are not supported (every word must match, -word"
                          " leaves matches out); quote it to search for the word", shown);
    }
    if (!has_word(t)) {
        excerpt(t, shown);
        return refuse(why, whylen, "\"%s\" has no letters or digits to search for", shown);
    }
    *pos = p;
    return DB_OK;
}

static bool append(char *out, size_t outlen, size_t *n, const char *text, size_t len)
{
    if (len >= outlen - *n)
        return false;
    memcpy(out + *n, text, len);
    *n += len;
    out[*n] = '\0';
    return true;
}

/* A term as an FTS5 string: in double quotes, any quote inside doubled. */
static bool append_term(char *out, size_t outlen, size_t *n, const struct term *t)
{
    bool ok = append(out, outlen, n, "\"", 1);
    for (size_t i = 0; ok && i < t->len; i++)
        ok = t->text[i] == '"' ? append(out, outlen, n, "\"\"", 2)
                               : append(out, outlen, n, &t->text[i], 1);
    ok = ok && append(out, outlen, n, "\"", 1);
    return ok && (!t->is_prefix || append(out, outlen, n, "*", 1));
}

/* ("a" AND "b"*) NOT "c" NOT "d e": FTS5's NOT is binary, so the wanted
 * terms are grouped first and each exclusion is taken off in turn. */
static bool write_match(const struct term *terms, size_t count, char *out, size_t outlen)
{
    size_t n = 0;
    bool ok = outlen > 0 && append(out, outlen, &n, "(", 1);
    bool first = true;

    for (size_t i = 0; ok && i < count; i++) {
        if (terms[i].is_excluded)
            continue;
        ok = (first || append(out, outlen, &n, " AND ", 5)) &&
             append_term(out, outlen, &n, &terms[i]);
        first = false;
    }
    ok = ok && append(out, outlen, &n, ")", 1);
    for (size_t i = 0; ok && i < count; i++)
        if (terms[i].is_excluded)
            ok = append(out, outlen, &n, " NOT ", 5) && append_term(out, outlen, &n, &terms[i]);
    return ok;
}

enum db_status db_search_compile(const char *query, char *match, size_t matchlen, char *why,
                                 size_t whylen)
{
    struct term terms[SEARCH_QUERY_MAX_TERMS];
    size_t count = 0, wanted = 0;
    size_t len = query != NULL ? strlen(query) : 0;

    if (len > SEARCH_QUERY_MAX_BYTES)
        return refuse(why, whylen, "must be at most %d bytes", SEARCH_QUERY_MAX_BYTES);
    if (query == NULL || !text_is_clean_utf8(query, len))
        return refuse(why, whylen, "must be UTF-8 text without control characters");
    for (const char *p = query;;) {
        while (is_space(*p))
            p++;
        if (*p == '\0')
            break;
        if (count == SEARCH_QUERY_MAX_TERMS)
            return refuse(why, whylen, "must have at most %d words and phrases",
                          SEARCH_QUERY_MAX_TERMS);
        enum db_status rc = read_term(&p, &terms[count], why, whylen);
        if (rc != DB_OK)
            return rc;
        wanted += !terms[count].is_excluded;
        count++;
    }
    if (count == 0)
        return refuse(why, whylen, "must hold a word to search for");
    if (wanted == 0)
        return refuse(why, whylen, "needs a word to find; -word only leaves matches out");
    if (!write_match(terms, count, match, matchlen))
        return refuse(why, whylen, "is too long");
    return DB_OK;
}

/* ---- the indexes ---------------------------------------------------------- */

/* snippet() marks matches with \x01 and \x02, which stored text never holds
 * (the store refuses control characters), so snippet_html can escape the
 * document's text and still find the marks. */
#define SNIPPET(fts) "snippet(" fts ", -1, char(1), char(2), '\xe2\x80\xa6', 16)"

/* An index's newest matches of :q above rowid :above (FTS5 walks rowids
 * backwards without sorting), each with the parts of its rank: bm25 (as
 * wb_bm25_parts, db/rank.h) with a weight per indexed column. Scores of
 * different indexes are not strictly comparable; the weights put a title
 * or a name (10) above a summary or an alias (3), above body text and
 * quotes (1). They are whole numbers, so every weighted count is one and
 * db/candidates.c keeps it exactly. */
#define PARTS_SQL(fts, weights)                                                                \
    "SELECT rowid, wb_bm25_parts(" fts ", '" fts "', :version, :q, " weights ") FROM " fts     \
    " WHERE " fts " MATCH :q AND rowid > :above ORDER BY rowid DESC LIMIT :candidates"
/* The same parts for one row: the query's basis when no new row gives it. */
#define BASIS_SQL(fts, weights)                                                                \
    "SELECT wb_bm25_parts(" fts ", '" fts "', :version, :q, " weights ") FROM " fts            \
    " WHERE " fts " MATCH :q AND rowid = :row"

struct search_source {
    const char *type;
    const char *fts;       /* the index, as fts_rewrites names it */
    const char *parts_sql; /* PARTS_SQL */
    const char *basis_sql; /* BASIS_SQL */
    const char *top_sql;   /* the index's largest rowid */
    const char *hit_sql; /* slug, title, snippet of one hit: ?1 MATCH, ?2 id */
    const char *path;
};

#define SOURCE_SQL(fts, weights)                                                               \
    fts, PARTS_SQL(fts, weights), BASIS_SQL(fts, weights),                                     \
        "SELECT rowid FROM " fts " ORDER BY rowid DESC LIMIT 1"

/* In type order: hits of equal rank are ordered by type, then id. */
static const struct search_source sources[] = {
    {"article", SOURCE_SQL("article_fts", "10.0, 3.0, 1.0"),
     "SELECT a.slug, a.title, " SNIPPET("article_fts")
     " FROM article_fts JOIN articles a ON a.id = article_fts.rowid"
     " WHERE article_fts MATCH ?1 AND article_fts.rowid = ?2",
     "/v1/articles/"},
    {"entity", SOURCE_SQL("entity_fts", "10.0, 3.0"),
     "SELECT e.slug, e.name, " SNIPPET("entity_fts")
     " FROM entity_fts JOIN entities e ON e.id = entity_fts.rowid"
     " WHERE entity_fts MATCH ?1 AND entity_fts.rowid = ?2",
     "/v1/entities/"},
    {"quote", SOURCE_SQL("quote_fts", "1.0"),
     "SELECT q.slug, CASE WHEN length(q.text) > 120 THEN substr(q.text, 1, 119) || '\xe2\x80\xa6'"
     " ELSE q.text END, " SNIPPET("quote_fts")
     " FROM quote_fts JOIN quotes q ON q.id = quote_fts.rowid"
     " WHERE quote_fts MATCH ?1 AND quote_fts.rowid = ?2",
     "/v1/quotes/"},
};
#define SOURCE_COUNT (sizeof sources / sizeof sources[0])

static const struct search_source *source_named(const char *type)
{
    for (size_t i = 0; type != NULL && i < SOURCE_COUNT; i++)
        if (strcmp(sources[i].type, type) == 0)
            return &sources[i];
    return NULL;
}

const char *db_search_filter_sql(enum db_kind kind)
{
    switch (kind) {
    case KIND_ARTICLE: return "IN (SELECT rowid FROM article_fts WHERE article_fts MATCH :q)";
    case KIND_QUOTE: return "IN (SELECT rowid FROM quote_fts WHERE quote_fts MATCH :q)";
    default: return NULL;
    }
}

/* Errors FTS5 raises about a query rather than about the database. */
static bool is_query_error(struct db *db)
{
    static const char *const prefixes[] = {"fts5:", "no such column:", "unknown special query:",
                                           NULL};
    const char *message = sqlite3_errmsg(db->handle);
    for (const char *const *p = prefixes; *p != NULL; p++)
        if (strncmp(message, *p, strlen(*p)) == 0)
            return true;
    return false;
}

enum db_status db_search_status(struct db *db, enum db_status status)
{
    return status == DB_ERR && is_query_error(db) ? DB_INVALID : status;
}

static enum db_status step_failure(struct db *db, int step)
{
    /* A query the index refuses is the client's, not worth a log line. */
    if ((step & 0xff) == SQLITE_ERROR && is_query_error(db))
        return DB_INVALID;
    return conn_status(db, step);
}

/* ---- hits --------------------------------------------------------------- */

/* The snippet as HTML: the text escaped, the marks turned into <mark> tags,
 * every one closed. NULL on allocation failure. */
static json_t *snippet_html(const char *text)
{
    char *html = NULL;
    json_t *out = NULL;
    size_t n = 0;
    bool is_open = false;

    if (text == NULL)
        return json_string("");
    /* "</mark>" is the longest replacement of one byte. */
    html = malloc(strlen(text) * 7 + 8);
    if (html == NULL)
        goto done;
    for (const char *p = text; *p != '\0'; p++) {
        const char *with = NULL;
        switch (*p) {
        case '\x01': with = is_open ? "" : "<mark>"; is_open = true; break;
        case '\x02': with = is_open ? "</mark>" : ""; is_open = false; break;
        case '<': with = "&lt;"; break;
        case '>': with = "&gt;"; break;
        case '&': with = "&amp;"; break;
        case '"': with = "&quot;"; break;
        default: html[n++] = *p; continue;
        }
        size_t len = strlen(with);
        memcpy(html + n, with, len);
        n += len;
    }
    if (is_open) {
        memcpy(html + n, "</mark>", 7);
        n += 7;
    }
    out = json_stringn(html, n);
done:
    free(html);
    return out;
}

struct hit {
    const struct search_source *source;
    int64_t id;
    double rank;
};

/* One hit as JSON, read with its snippet. DB_NOT_FOUND if the record went
 * away since the ranking (possible only outside a snapshot). */
static enum db_status hit_json(struct db *db, const char *match, const struct hit *hit,
                               json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *item = NULL;
    char link[256];
    enum db_status rc = DB_ERR;

    st = conn_stmt(db, hit->source->hit_sql);
    if (st == NULL)
        goto done;
    conn_bind_text(st, 1, match);
    sqlite3_bind_int64(st, 2, hit->id);
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE ? DB_NOT_FOUND : step_failure(db, step);
        goto done;
    }
    /* Slugs are [a-z0-9-]: safe in a path as they are. */
    const char *slug = conn_col_text(st, 0);
    snprintf(link, sizeof link, "%s%s", hit->source->path, slug != NULL ? slug : "");
    item = json_pack("{s:s, s:I, s:o, s:o, s:o, s:s}", "type", hit->source->type,
                     "id", (json_int_t)hit->id, "slug", conn_col_string(st, 0),
                     "title", conn_col_string(st, 1),
                     "snippet", snippet_html(conn_col_text(st, 2)), "link", link);
    if (item == NULL)
        goto done;
    *out = item;
    rc = DB_OK;
done:
    conn_done(st);
    return rc;
}

/* A key is "<rank>,<type>": the rank with 17 significant digits, which
 * reads back as the same double, so a page starts exactly after the last
 * hit of the one before, ties included. */
static bool parse_key(const char *key, double *rank, const struct search_source **source)
{
    char *end = NULL;
    double value = strtod(key, &end);
    if (end == key || *end != ',' || !isfinite(value))
        return false;
    *source = source_named(end + 1);
    *rank = value;
    return *source != NULL;
}

bool db_search_is_key(const char *key)
{
    double rank;
    const struct search_source *source;
    return parse_key(key, &rank, &source);
}

/* (rank, type, id) order: the order of a search's hits, its pages and its
 * cursor. Types compare as their names do. */
static int hit_order(const struct hit *a, const struct hit *b)
{
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    int by_type = strcmp(a->source->type, b->source->type);
    if (by_type != 0)
        return by_type;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* The page being chosen: the `capacity` first hits in hit_order, kept
 * sorted; a candidate past the last is dropped at once. */
struct best_hits {
    struct hit *items;
    size_t count, capacity;
};

static void best_add(struct best_hits *best, const struct hit *hit)
{
    if (best->count == best->capacity &&
        hit_order(hit, &best->items[best->count - 1]) >= 0)
        return;
    size_t at = best->count < best->capacity ? best->count : best->count - 1;
    while (at > 0 && hit_order(hit, &best->items[at - 1]) < 0) {
        best->items[at] = best->items[at - 1];
        at--;
    }
    best->items[at] = *hit;
    if (best->count < best->capacity)
        best->count++;
}

/* ---- candidates ------------------------------------------------------------ */

/* The one integer `sql` answers with ?1 bound to `text` (may be NULL):
 * DB_NOT_FOUND when it answers no row. */
static enum db_status read_one_integer(struct db *db, const char *sql, const char *text,
                                       int64_t *value)
{
    enum db_status rc = DB_ERR;
    sqlite3_stmt *st = conn_stmt(db, sql);
    if (st != NULL) {
        if (text != NULL)
            conn_bind_text(st, 1, text);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            *value = sqlite3_column_int64(st, 0);
        rc = step == SQLITE_ROW ? DB_OK : step == SQLITE_DONE ? DB_NOT_FOUND : step_failure(db, step);
    }
    conn_done(st);
    return rc;
}

/* The key a list is kept under: the store (rank_file_prefix: its file and
 * instance, as a process may open more than one), the index and the MATCH
 * expression. NULL when the list may not be kept: rows a write transaction
 * has not committed could still be rolled back, and an index that
 * fts_rewrites does not follow could have changed anywhere. Else
 * *rewritten is the index's last rewrite. malloc'd. */
static char *candidates_key(struct db *db, const struct search_source *source, const char *match,
                            int64_t *rewritten)
{
    char *key = NULL;
    if (!db->rank_prefix_known)
        db->rank_prefix_known = rank_file_prefix(db->handle, db->rank_prefix);
    if (sqlite3_txn_state(db->handle, "main") == SQLITE_TXN_WRITE ||
        read_one_integer(db, "SELECT version FROM fts_rewrites WHERE fts = ?1", source->fts,
                         rewritten) != DB_OK ||
        asprintf(&key, "%s%s\x1f%s", db->rank_prefix, source->fts, match) < 0)
        return NULL;
    return key;
}

/* Appends a wb_bm25_parts row of `phrases` phrases to c, taking the basis
 * from it. */
static bool append_parts(struct candidates *c, int phrases, int64_t rowid, const void *blob,
                         size_t bytes)
{
    double freq[RANK_PHRASES_MAX];
    int tokens = 0;
    if (c->count == c->capacity || !rank_parts_read(blob, bytes, &c->basis, &tokens, freq) ||
        c->basis.phrases != phrases)
        return false;
    c->rowids[c->count] = rowid;
    c->tokens[c->count] = tokens;
    memcpy(c->freq + c->count * (size_t)c->basis.phrases, freq,
           (size_t)c->basis.phrases * sizeof *freq);
    c->count++;
    return true;
}

/* The basis of the query at this version, read on one row the query still
 * matches: used when no row was added on top to give it. DB_NOT_FOUND if
 * the row no longer matches (the kept list is then of no use). */
static enum db_status read_basis(struct db *db, const struct search_source *source,
                                 const char *match, int64_t version, int64_t row,
                                 struct rank_basis *basis)
{
    double freq[RANK_PHRASES_MAX];
    int tokens = 0;
    enum db_status rc = DB_ERR;
    sqlite3_stmt *st = conn_stmt(db, source->basis_sql);
    if (st != NULL) {
        bind_named_text(st, ":q", match);
        bind_named_int(st, ":version", version);
        bind_named_int(st, ":row", row);
        int step = sqlite3_step(st);
        if (step != SQLITE_ROW)
            rc = step == SQLITE_DONE ? DB_NOT_FOUND : step_failure(db, step);
        else if (rank_parts_read(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                                 basis, &tokens, freq))
            rc = DB_OK;
    }
    conn_done(st);
    return rc;
}

/* The index's SEARCH_CANDIDATES newest matches at `version`, into the
 * empty `out`: the rows above kept->top_rowid read with their parts, then
 * the kept rows (NULL kept: all of them read). DB_NOT_FOUND when the kept
 * list turns out not to fit this version: its newest row no longer
 * matches. One more match is asked for: it says whether the index holds
 * more (capped), and is not kept. Asking that of a separate statement
 * walked the same rowids a second time, a third of a first-time search's
 * cost. */
static enum db_status read_candidates(struct db *db, const struct search_source *source,
                                      const char *match, int64_t version,
                                      const struct candidates *kept, struct candidates *out)
{
    sqlite3_stmt *st = NULL;
    int phrases = rank_phrase_count(match);
    enum db_status rc = read_one_integer(db, source->top_sql, NULL, &out->top_rowid);
    if (rc == DB_NOT_FOUND) {
        out->top_rowid = 0; /* an empty index */
        rc = DB_OK;
    }
    if (rc != DB_OK)
        goto done;
    rc = DB_ERR;
    /* A list statement, so db_explain_last shows its plan (a search of one
     * type is its index's alone). */
    st = conn_list_stmt(db, source->parts_sql);
    if (st == NULL || phrases < 0 || !candidates_reserve(out, SEARCH_CANDIDATES, phrases))
        goto done;
    bind_named_text(st, ":q", match);
    bind_named_int(st, ":version", version);
    bind_named_int(st, ":above", kept != NULL ? kept->top_rowid : 0);
    bind_named_int(st, ":candidates", (int64_t)SEARCH_CANDIDATES + 1);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->count == SEARCH_CANDIDATES) {
            out->capped = true;
            break;
        }
        if (!append_parts(out, phrases, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
                          (size_t)sqlite3_column_bytes(st, 1)))
            goto done;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = step_failure(db, step);
        goto done;
    }
    /* Reset before the next statement is taken from the cache. */
    conn_done(st);
    st = NULL;
    rc = DB_OK;
    if (kept == NULL || kept->count == 0)
        goto done;

    /* The kept rows, after the new ones, as many as there is room for. The
     * newest still matches (else the list is read whole) and gives the
     * basis when no new row did. */
    rc = read_basis(db, source, match, version, kept->rowids[0], &out->basis);
    if (rc == DB_OK && (kept->basis.phrases != phrases || out->basis.phrases != phrases))
        rc = DB_NOT_FOUND;
    if (rc != DB_OK)
        goto done;
    size_t room = SEARCH_CANDIDATES - out->count, taken = kept->count < room ? kept->count : room;
    size_t cells = (size_t)phrases;
    memcpy(out->rowids + out->count, kept->rowids, taken * sizeof *out->rowids);
    memcpy(out->tokens + out->count, kept->tokens, taken * sizeof *out->tokens);
    memcpy(out->freq + out->count * cells, kept->freq, taken * cells * sizeof *out->freq);
    out->count += taken;
    out->capped = out->capped || kept->capped || taken < kept->count;
done:
    conn_done(st);
    out->version = version;
    return rc;
}

/* Ranks one index's candidates into best, keeping those after the cursor,
 * if any: from the list kept at this version, or kept at an earlier one
 * and brought up to date, or read whole. The list made is kept. */
static enum db_status rank_candidates(struct db *db, const struct search_source *source,
                                      const char *match, int64_t version,
                                      const struct hit *after, struct best_hits *best,
                                      bool *capped)
{
    struct candidates kept = {0}, now = {0};
    int64_t rewritten = 0;
    enum db_status rc = DB_OK;

    char *key = candidates_key(db, source, match, &rewritten);
    bool usable = key != NULL && candidates_lookup(key, &kept) && kept.version <= version &&
                  rewritten <= kept.version &&
                  (kept.count == 0 || kept.top_rowid >= kept.rowids[0]);
    if (usable)
        candidates_note_reuse();
    if (usable && kept.version == version) {
        now = kept;
        kept = (struct candidates){0};
    } else {
        rc = read_candidates(db, source, match, version, usable ? &kept : NULL, &now);
        if (rc == DB_NOT_FOUND) {
            /* Never expected (fts_rewrites records every other change);
             * if it happens, the list is read whole, as if none was kept. */
            candidates_clear(&now);
            rc = read_candidates(db, source, match, version, NULL, &now);
        }
        if (rc == DB_OK && key != NULL)
            candidates_keep(key, &now);
    }
    for (size_t i = 0; rc == DB_OK && i < now.count; i++) {
        struct hit hit = {
            .source = source,
            .id = now.rowids[i],
            .rank = rank_score(&now.basis, now.freq + i * (size_t)now.basis.phrases,
                               now.tokens[i]),
        };
        if (after == NULL || hit_order(&hit, after) > 0)
            best_add(best, &hit);
    }
    if (now.capped)
        *capped = true;
    candidates_clear(&kept);
    candidates_clear(&now);
    free(key);
    return rc;
}

enum db_status db_search(struct db *db, const char *query, const char *type,
                         const struct keyset *after, int limit, json_t **items,
                         struct keyset *next, bool *capped)
{
    char match[SEARCH_MATCH_MAX];
    struct hit *hits = NULL;
    json_t *list = NULL;
    struct hit after_hit = {0};
    size_t count = 0;
    int64_t version = 0;
    bool own_snapshot = false;
    enum db_status rc = DB_INVALID;

    next->set = false;
    *capped = false;
    if (limit < 1 || db_search_compile(query, match, sizeof match, NULL, 0) != DB_OK)
        goto done;
    if (type != NULL && source_named(type) == NULL)
        goto done;
    if (after != NULL && after->set) {
        if (!parse_key(after->key, &after_hit.rank, &after_hit.source))
            goto done;
        after_hit.id = after->id;
    }

    /* Each index's candidates are ranked by ids alone (bm25 reads only the
     * index), the page is chosen from them in hit_order, and each hit of
     * the page then reads its record and snippet by rowid. Each index
     * offers only its SEARCH_CANDIDATES newest matches: ranking every
     * match of a common word would score half a store on every page. */
    rc = DB_ERR;
    hits = calloc((size_t)limit + 1, sizeof *hits);
    list = json_array();
    if (hits == NULL || list == NULL)
        goto done;
    /* The term counts wb_bm25 remembers are keyed by the store version, so
     * the version and the ranking must be read in one snapshot. */
    if (sqlite3_get_autocommit(db->handle)) {
        if ((rc = db_snapshot_begin(db)) != DB_OK)
            goto done;
        own_snapshot = true;
        rc = DB_ERR;
    }
    if ((rc = db_store_version(db, &version)) != DB_OK)
        goto done;
    /* One extra hit only says that a next page exists. */
    struct best_hits best = {.items = hits, .capacity = (size_t)limit + 1};
    for (size_t i = 0; i < SOURCE_COUNT; i++) {
        if (type != NULL && strcmp(type, sources[i].type) != 0)
            continue;
        rc = rank_candidates(db, &sources[i], match, version,
                             after_hit.source != NULL ? &after_hit : NULL, &best, capped);
        if (rc != DB_OK)
            goto done;
    }
    count = best.count;
    rc = DB_ERR;

    for (size_t i = 0; i < count && i < (size_t)limit; i++) {
        json_t *item = NULL;
        enum db_status hit_rc = hit_json(db, match, &hits[i], &item);
        if (hit_rc == DB_NOT_FOUND)
            continue; /* deleted since the ranking: leave it out */
        if (hit_rc != DB_OK) {
            rc = hit_rc;
            goto done;
        }
        if (json_array_append_new(list, item) != 0)
            goto done;
    }
    /* The extra row only says that a next page exists. */
    if (count > (size_t)limit) {
        const struct hit *last = &hits[limit - 1];
        next->set = true;
        next->id = last->id;
        snprintf(next->key, sizeof next->key, "%.17g,%s", last->rank, last->source->type);
    }
    *items = list;
    list = NULL;
    rc = DB_OK;
done:
    if (own_snapshot)
        db_snapshot_end(db);
    json_decref(list);
    free(hits);
    return rc;
}
