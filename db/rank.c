#include "db/rank.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/candidates.h"
#include "db/doc_sizes.h"
#include "db/text.h"

/* ---- the remembered counts ------------------------------------------------ */

#define COUNT_SLOTS RANK_COUNTS_KEPT
#define COUNT_PROBE 8
#define COUNT_KEY_MAX RANK_KEY_MAX

/* A phrase's count as made at one store version. */
struct count {
    int64_t version;
    int64_t rows;      /* the rows holding the phrase */
    int64_t top_rowid; /* the table's largest rowid then: later rows are above it */
    bool extendable;   /* top_rowid was read, and fts_rewrites follows the table */
};

struct count_slot {
    char key[COUNT_KEY_MAX]; /* made by count_key */
    struct count count;
    uint64_t used;
    bool set;
};

/* Shared by every connection of the process: a count made by one worker
 * serves the others. The lock is held for a lookup or a store, never
 * while a posting list is walked. */
static struct count_slot slots[COUNT_SLOTS];
static uint64_t clock_ticks;
static long long walks, tails;
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

/* The count remembered for key, of whichever version. */
static bool count_lookup(const char *key, struct count *out)
{
    bool found = false;
    size_t first = (size_t)(text_hash(key) % COUNT_SLOTS);
    pthread_mutex_lock(&slots_lock);
    for (size_t i = 0; i < COUNT_PROBE && !found; i++) {
        struct count_slot *slot = &slots[(first + i) % COUNT_SLOTS];
        if (slot->set && strcmp(slot->key, key) == 0) {
            slot->used = ++clock_ticks;
            *out = slot->count;
            found = true;
        }
    }
    pthread_mutex_unlock(&slots_lock);
    return found;
}

/* Into the slot already holding key, else a free one, else the least
 * recently used of the probe window. A count of a newer version than this
 * one (made by a reader of a later snapshot) is kept. */
static void count_store(const char *key, const struct count *count)
{
    size_t first = (size_t)(text_hash(key) % COUNT_SLOTS);
    pthread_mutex_lock(&slots_lock);
    struct count_slot *same = NULL, *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < COUNT_PROBE && same == NULL; i++) {
        struct count_slot *slot = &slots[(first + i) % COUNT_SLOTS];
        if (!slot->set) {
            if (free_slot == NULL)
                free_slot = slot;
        } else if (strcmp(slot->key, key) == 0) {
            same = slot;
        } else if (oldest == NULL || slot->used < oldest->used) {
            oldest = slot;
        }
    }
    struct count_slot *target = same != NULL ? same : free_slot != NULL ? free_slot : oldest;
    if (same == NULL || same->count.version <= count->version) {
        snprintf(target->key, sizeof target->key, "%s", key);
        target->count = *count;
        target->used = ++clock_ticks;
        target->set = true;
    }
    pthread_mutex_unlock(&slots_lock);
}

void rank_forget(void)
{
    pthread_mutex_lock(&slots_lock);
    memset(slots, 0, sizeof slots);
    pthread_mutex_unlock(&slots_lock);
    candidates_forget();
}

static void tally(long long *counter)
{
    pthread_mutex_lock(&slots_lock);
    (*counter)++;
    pthread_mutex_unlock(&slots_lock);
}

static long long read_tally(const long long *counter)
{
    pthread_mutex_lock(&slots_lock);
    long long n = *counter;
    pthread_mutex_unlock(&slots_lock);
    return n;
}

long long rank_count_walks(void)
{
    return read_tally(&walks);
}

long long rank_count_tails(void)
{
    return read_tally(&tails);
}

/* Counted on every row ranked, so without the lock. */
static atomic_llong size_reads;

long long rank_size_reads(void)
{
    return atomic_load_explicit(&size_reads, memory_order_relaxed);
}

/* ---- the phrases of a MATCH expression ----------------------------------- */

struct phrase {
    const char *text; /* inside its quotes, doubled quotes as written */
    size_t len;
    bool prefix;
    bool excluded; /* after NOT: it holds in no ranked row, so adds nothing */
};

/* The quoted phrases of `("a" AND "b"*) NOT "c"`, in order: FTS5 numbers
 * its phrases the same way. Returns how many, or -1 past `max`. */
static int match_phrases(const char *match, struct phrase *out, int max)
{
    int n = 0;
    bool after_group = false;
    for (const char *p = match; *p != '\0';) {
        if (*p == ')') {
            after_group = true;
            p++;
            continue;
        }
        if (*p != '"') {
            p++;
            continue;
        }
        const char *text = ++p;
        while (*p != '\0' && !(p[0] == '"' && p[1] != '"')) /* "" is a quote inside */
            p += p[0] == '"' ? 2 : 1;
        if (n == max)
            return -1;
        out[n] = (struct phrase){.text = text, .len = (size_t)(p - text), .excluded = after_group};
        if (*p == '"')
            p++;
        if (*p == '*') {
            out[n].prefix = true;
            p++;
        }
        n++;
    }
    return n;
}

int rank_phrase_count(const char *match)
{
    struct phrase phrases[RANK_PHRASES_MAX];
    return match_phrases(match, phrases, RANK_PHRASES_MAX);
}

/* ---- the ranking function -------------------------------------------------- */

#define MAX_PHRASES RANK_PHRASES_MAX

/* A connection's own state: the row lengths of each index it ranked, on a
 * connection that only reads (a writer's rows could still be rolled back).
 * An index that fts_rewrites does not follow gets none. */
#define SIZED_INDEXES 4

struct ranking {
    bool read_only;
    /* rank_file_prefix of the connection's store, read on first use: a
     * query apiece would cost more than the rest of a count's lookup. */
    bool prefix_known;
    char prefix[RANK_FILE_PREFIX_LEN + 1];
    struct {
        char table[64];
        struct doc_sizes *sizes;
    } indexes[SIZED_INDEXES];
};

static void ranking_free(void *state)
{
    struct ranking *ranking = state;
    for (size_t i = 0; ranking != NULL && i < SIZED_INDEXES; i++)
        doc_sizes_free(ranking->indexes[i].sizes);
    free(ranking);
}

/* The row lengths kept for `table`, made on first use. NULL when there is
 * no room, no memory, or the connection writes. */
static struct doc_sizes *sizes_of(struct ranking *ranking, const char *table)
{
    if (ranking == NULL || !ranking->read_only || strlen(table) >= sizeof ranking->indexes[0].table)
        return NULL;
    for (size_t i = 0; i < SIZED_INDEXES; i++) {
        if (ranking->indexes[i].sizes == NULL) {
            ranking->indexes[i].sizes = doc_sizes_new();
            if (ranking->indexes[i].sizes != NULL)
                snprintf(ranking->indexes[i].table, sizeof ranking->indexes[i].table, "%s", table);
            return ranking->indexes[i].sizes;
        }
        if (strcmp(ranking->indexes[i].table, table) == 0)
            return ranking->indexes[i].sizes;
    }
    return NULL;
}

/* What a query computes once, on its first row. */
struct query_data {
    struct rank_basis basis;
    struct doc_sizes *sizes; /* the connection's, when they hold for this snapshot */
    double freq[MAX_PHRASES];
};

static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *rows)
{
    (void)api;
    (void)fts;
    (*(int64_t *)rows)++;
    return SQLITE_OK;
}

/* ---- a count brought up to date -----------------------------------------
 * When the only change to an index since a count was made is rows added
 * above its largest rowid then, the count now is that count plus the new
 * rows holding the phrase, which FTS5 finds by seeking its posting list to
 * that rowid: 0.5 ms instead of a 37 ms walk for a word in half of a
 * million articles. fts_rewrites (migration 9) says when an index last had
 * any other change. These reads run inside the ranking statement, so they
 * see its snapshot. Any of them failing only means the count is walked. */

/* The one integer `sql` answers (made by sqlite3_mprintf, freed here), with
 * ?1 bound to `text` and any ?2 to `number`; false when it fails or answers
 * no row or a NULL. */
static bool read_integer(sqlite3 *handle, char *sql, const char *text, int64_t number,
                         int64_t *value)
{
    sqlite3_stmt *st = NULL;
    bool got = false;
    if (sql != NULL && sqlite3_prepare_v2(handle, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC) == SQLITE_OK &&
        (sqlite3_bind_parameter_count(st) < 2 ||
         sqlite3_bind_int64(st, 2, number) == SQLITE_OK) &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *value = sqlite3_column_int64(st, 0);
        got = true;
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return got;
}

/* The store version of the index's last change other than rows added on
 * top; false for an index that fts_rewrites does not follow. */
static bool rewritten_at(sqlite3 *handle, const char *table, int64_t *version)
{
    return read_integer(handle, sqlite3_mprintf("SELECT version FROM fts_rewrites WHERE fts = ?1"),
                        table, 0, version);
}

bool rank_largest_rowid(sqlite3 *handle, const char *table, int64_t *rowid)
{
    *rowid = 0; /* an empty index */
    sqlite3_stmt *st = NULL;
    char *sql = sqlite3_mprintf("SELECT rowid FROM \"%w\" ORDER BY rowid DESC LIMIT 1", table);
    int step = sql != NULL && sqlite3_prepare_v2(handle, sql, -1, &st, NULL) == SQLITE_OK
                   ? sqlite3_step(st)
                   : SQLITE_ERROR;
    if (step == SQLITE_ROW)
        *rowid = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return step == SQLITE_ROW || step == SQLITE_DONE;
}

/* The rows above `rowid` holding the phrase. */
static bool rows_above(sqlite3 *handle, const char *table, const struct phrase *phrase,
                       int64_t rowid, int64_t *rows)
{
    char *match = sqlite3_mprintf("\"%.*s\"%s", (int)phrase->len, phrase->text,
                                  phrase->prefix ? "*" : "");
    bool ok = match != NULL &&
              read_integer(handle,
                           sqlite3_mprintf("SELECT count(*) FROM \"%w\" WHERE \"%w\" MATCH ?1"
                                           " AND rowid > ?2",
                                           table, table),
                           match, rowid, rows);
    sqlite3_free(match);
    return ok;
}

/* A count's key starts with the store's file prefix (rank_file_prefix). */
#define KEY_FILE_LEN RANK_FILE_PREFIX_LEN

/* The store's file name and its instance id (store_meta, migration 12): a
 * store made again at the same path, or another store in memory, is
 * another store. A store without one yet (a writer before its migrations)
 * is known by its file alone, and the answer is false. */
bool rank_file_prefix(sqlite3 *handle, char prefix[RANK_FILE_PREFIX_LEN + 1])
{
    const char *file = sqlite3_db_filename(handle, "main");
    uint64_t hash = text_hash(file != NULL ? file : "");
    sqlite3_stmt *st = NULL;
    bool instance = sqlite3_prepare_v2(handle, "SELECT instance FROM store_meta", -1, &st, NULL) ==
                        SQLITE_OK &&
                    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL;
    if (instance)
        hash = hash * 0x100000001b3ULL ^ text_hash((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    snprintf(prefix, KEY_FILE_LEN + 1, "%016llx\x1f", (unsigned long long)hash);
    return instance;
}

bool rank_term_key(const char *table, bool prefix, const char *tokens, char *key, size_t keylen)
{
    int n = snprintf(key, keylen, "%s\x1f%c\x1f%s", table, prefix ? '*' : '=', tokens);
    return n > 0 && (size_t)n < keylen;
}

/* The phrase's tokens as the index's tokenizer makes them, space-separated
 * (a token never holds a space). */
struct phrase_tokens {
    char text[COUNT_KEY_MAX];
    size_t len;
    int count;
    bool unkeyable; /* too long, or a tokenizer's synonyms */
};

static int add_token(void *context, int flags, const char *token, int bytes, int start, int end)
{
    (void)start;
    (void)end;
    struct phrase_tokens *tokens = context;
    if ((flags & FTS5_TOKEN_COLOCATED) != 0 || bytes < 0 ||
        tokens->len + (size_t)bytes + 2 > sizeof tokens->text) {
        tokens->unkeyable = true;
        return SQLITE_DONE; /* stops the tokenizer: no key will be made */
    }
    if (tokens->count++ > 0)
        tokens->text[tokens->len++] = ' ';
    memcpy(tokens->text + tokens->len, token, (size_t)bytes);
    tokens->len += (size_t)bytes;
    tokens->text[tokens->len] = '\0';
    return SQLITE_OK;
}

/* A count's key: the store's file, the table, whether the phrase is a
 * prefix and its tokens. Keyed by its tokens, not as written, "Defense"
 * and "defense" share a count, and so does a word counted from the
 * index's vocabulary (db/common_terms.c). A quoted "defen*" is the word
 * itself, whose star the tokenizer drops, not a prefix. False when there
 * is no key: a phrase of no tokens, or too long. */
static bool count_key(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3 *handle,
                      const char *table, const struct phrase *phrase, char key[COUNT_KEY_MAX])
{
    struct phrase_tokens tokens = {.len = 0};
    struct ranking *ranking = api->xUserData(fts); /* rank_register's: never NULL */
    int rc = api->xTokenize(fts, phrase->text, (int)phrase->len, &tokens, add_token);
    if ((rc != SQLITE_OK && rc != SQLITE_DONE) || tokens.unkeyable || tokens.count == 0)
        return false;
    /* Kept once it holds the store's instance. */
    if (!ranking->prefix_known)
        ranking->prefix_known = rank_file_prefix(handle, ranking->prefix);
    memcpy(key, ranking->prefix, KEY_FILE_LEN);
    return rank_term_key(table, phrase->prefix, tokens.text, key + KEY_FILE_LEN,
                         COUNT_KEY_MAX - KEY_FILE_LEN);
}

/* ---- counts kept across restarts -----------------------------------------
 * term_counts (migration 10) holds the store's extendable counts as they
 * were when it was last closed, and those db/common_terms.c made; a count
 * missing from memory is looked for there before its posting list is
 * walked. */

/* The count the store saved for key, if it was made at `version` or
 * before: a reader of an older snapshot cannot use a later one. */
static bool saved_count(sqlite3 *handle, const char *key, int64_t version, struct count *out)
{
    sqlite3_stmt *st = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(handle,
                           "SELECT version, rows, top_rowid FROM term_counts WHERE key = ?1", -1,
                           &st, NULL) == SQLITE_OK &&
        sqlite3_bind_text(st, 1, key + KEY_FILE_LEN, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) <= version) {
        *out = (struct count){.version = sqlite3_column_int64(st, 0),
                              .rows = sqlite3_column_int64(st, 1),
                              .top_rowid = sqlite3_column_int64(st, 2),
                              .extendable = true};
        found = true;
    }
    sqlite3_finalize(st);
    return found;
}

static bool save_each(sqlite3 *handle, const struct rank_saved_count *counts, size_t count)
{
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(
                  handle,
                  "INSERT INTO term_counts (key, version, rows, top_rowid) VALUES (?1, ?2, ?3, ?4)"
                  " ON CONFLICT (key) DO UPDATE SET version = excluded.version,"
                  " rows = excluded.rows, top_rowid = excluded.top_rowid"
                  " WHERE excluded.version >= term_counts.version",
                  -1, &st, NULL) == SQLITE_OK;
    for (size_t i = 0; ok && i < count; i++) {
        sqlite3_reset(st);
        ok = sqlite3_bind_text(st, 1, counts[i].key, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_bind_int64(st, 2, counts[i].version) == SQLITE_OK &&
             sqlite3_bind_int64(st, 3, counts[i].rows) == SQLITE_OK &&
             sqlite3_bind_int64(st, 4, counts[i].top_rowid) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return ok;
}

bool rank_save_counts(sqlite3 *handle, const struct rank_saved_count *counts, size_t count)
{
    if (count == 0)
        return true;
    bool ok = sqlite3_exec(handle, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
    if (ok) {
        /* The newest counts stay: one a search used was brought up to date
         * then, at the version of that search. */
        char prune[160];
        snprintf(prune, sizeof prune,
                 "DELETE FROM term_counts WHERE key IN (SELECT key FROM term_counts"
                 " ORDER BY version DESC LIMIT -1 OFFSET %d)",
                 RANK_SAVED_MAX);
        ok = save_each(handle, counts, count) &&
             sqlite3_exec(handle, prune, NULL, NULL, NULL) == SQLITE_OK &&
             sqlite3_exec(handle, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
        if (!ok && !sqlite3_get_autocommit(handle))
            sqlite3_exec(handle, "ROLLBACK", NULL, NULL, NULL);
    }
    return ok;
}

bool rank_save(sqlite3 *handle)
{
    char prefix[KEY_FILE_LEN + 1];
    rank_file_prefix(handle, prefix);
    struct rank_saved_count *saved = malloc(COUNT_SLOTS * sizeof *saved);
    size_t count = 0;
    if (saved == NULL)
        return false;
    /* Copied out, so the lock is not held across the writes. */
    pthread_mutex_lock(&slots_lock);
    for (size_t i = 0; i < COUNT_SLOTS; i++) {
        const struct count_slot *slot = &slots[i];
        if (slot->set && slot->count.extendable &&
            strncmp(slot->key, prefix, KEY_FILE_LEN) == 0) {
            saved[count] = (struct rank_saved_count){.version = slot->count.version,
                                                     .rows = slot->count.rows,
                                                     .top_rowid = slot->count.top_rowid};
            snprintf(saved[count].key, sizeof saved[count].key, "%s", slot->key + KEY_FILE_LEN);
            count++;
        }
    }
    pthread_mutex_unlock(&slots_lock);
    bool ok = rank_save_counts(handle, saved, count);
    free(saved);
    return ok;
}

/* The rows holding phrase i: remembered for this version, brought up to
 * date from an earlier one, or counted by walking its posting list.
 * `rewritten` is the index's last rewrite (rewritten_at), NULL for an
 * index that fts_rewrites does not follow. */
static int phrase_rows(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3 *handle,
                       const char *table, int64_t version, const int64_t *rewritten,
                       const struct phrase *phrase, int i, int64_t *rows)
{
    char key[COUNT_KEY_MAX];
    struct count known = {0}, made = {.version = version};
    bool remembered = false;
    bool keyed = count_key(api, fts, handle, table, phrase, key);
    if (keyed) {
        bool in_memory = count_lookup(key, &known);
        remembered = in_memory || saved_count(handle, key, version, &known);
        if (remembered && known.version == version) {
            if (!in_memory)
                count_store(key, &known);
            *rows = known.rows;
            return SQLITE_OK;
        }
    }
    int64_t added = 0;
    made.extendable =
        keyed && rewritten != NULL && rank_largest_rowid(handle, table, &made.top_rowid);
    int rc = SQLITE_OK;
    /* Every write moves the version before it changes a row, in the same
     * transaction, so a rewrite at the count's own version is one the
     * count saw. */
    if (made.extendable && remembered && known.extendable && known.version < version &&
        *rewritten <= known.version && rows_above(handle, table, phrase, known.top_rowid, &added)) {
        made.rows = known.rows + added;
        tally(&tails);
    } else {
        rc = api->xQueryPhrase(fts, i, &made.rows, count_row);
        tally(&walks);
    }
    /* Not a count made inside a write transaction: rolled back, its version
     * would be given again to other rows. */
    if (rc == SQLITE_OK && keyed && sqlite3_txn_state(handle, "main") != SQLITE_TXN_WRITE)
        count_store(key, &made);
    *rows = made.rows;
    return rc;
}

static int query_data_of(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3 *handle,
                         sqlite3_value **args, struct query_data **out)
{
    struct query_data *data = api->xGetAuxdata(fts, 0);
    if (data != NULL) {
        *out = data;
        return SQLITE_OK;
    }
    const char *table = (const char *)sqlite3_value_text(args[0]);
    int64_t version = sqlite3_value_int64(args[1]);
    const char *match = (const char *)sqlite3_value_text(args[2]);
    struct phrase phrases[MAX_PHRASES];
    int phrase_count = api->xPhraseCount(fts);
    int parsed = match != NULL ? match_phrases(match, phrases, MAX_PHRASES) : -1;
    /* The expression is ours, so this holds; if it ever did not, the
     * counts could go to the wrong phrases: refuse rather than misrank. */
    if (table == NULL || parsed != phrase_count || phrase_count > MAX_PHRASES)
        return SQLITE_MISMATCH;

    data = sqlite3_malloc(sizeof *data);
    if (data == NULL)
        return SQLITE_NOMEM;
    memset(data, 0, sizeof *data);
    data->basis.phrases = phrase_count;
    sqlite3_int64 rows = 0, tokens = 0;
    int rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK)
        rc = api->xColumnTotalSize(fts, -1, &tokens);
    if (rc == SQLITE_OK)
        data->basis.avgdl = rows > 0 ? (double)tokens / (double)rows : 1.0;
    /* Read once for the query: the counts and the row lengths this
     * connection keeps both hold only while the index has had no rewrite
     * since they were made (doc_sizes.h). */
    int64_t rewritten = 0;
    bool followed = rewritten_at(handle, table, &rewritten);
    struct doc_sizes *sizes = followed ? sizes_of(api->xUserData(fts), table) : NULL;
    if (sizes != NULL && doc_sizes_rewritten_at(sizes, rewritten))
        data->sizes = sizes;
    for (int i = 0; rc == SQLITE_OK && i < phrase_count; i++) {
        if (phrases[i].excluded)
            continue; /* never in a ranked row: its term is 0 whatever its IDF */
        int64_t hits = 0;
        rc = phrase_rows(api, fts, handle, table, version, followed ? &rewritten : NULL,
                         &phrases[i], i, &hits);
        /* bm25's IDF, floored just above zero as FTS5 floors it, so a word
         * in more than half of the rows still counts a little. */
        double idf = log(((double)rows - (double)hits + 0.5) / ((double)hits + 0.5));
        data->basis.idf[i] = idf <= 0.0 ? 1e-6 : idf;
    }
    if (rc == SQLITE_OK)
        rc = api->xSetAuxdata(fts, data, sqlite3_free);
    else
        sqlite3_free(data);
    if (rc == SQLITE_OK)
        *out = data;
    return rc;
}

/* The current row's tokens in all columns, as xColumnSize(-1) says. */
static int row_length(const Fts5ExtensionApi *api, Fts5Context *fts, struct doc_sizes *sizes,
                      int *tokens)
{
    sqlite3_int64 rowid = api->xRowid(fts);
    if (sizes != NULL && doc_sizes_get(sizes, rowid, tokens))
        return SQLITE_OK;
    atomic_fetch_add_explicit(&size_reads, 1, memory_order_relaxed);
    int rc = api->xColumnSize(fts, -1, tokens);
    if (rc == SQLITE_OK && sizes != NULL)
        doc_sizes_put(sizes, rowid, *tokens);
    return rc;
}

double rank_score(const struct rank_basis *basis, const double *freq, int tokens)
{
    const double k1 = 1.2, b = 0.75;
    double score = 0.0, length_norm = k1 * (1 - b + b * (double)tokens / basis->avgdl);
    for (int i = 0; i < basis->phrases; i++)
        /* Grouped as FTS5 groups it, so the scores agree to the last bit. */
        score += basis->idf[i] * ((freq[i] * (k1 + 1.0)) / (freq[i] + length_norm));
    return -score;
}

/* What the current row's score is made of: the query's basis, the row's
 * weighted count of each phrase (in data->freq) and its length. */
static int read_row_parts(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                          int argc, sqlite3_value **args, struct query_data **out, int *tokens)
{
    enum { FIXED_ARGS = 3 };
    struct query_data *data = NULL;
    int instances = 0;

    if (argc < FIXED_ARGS)
        return SQLITE_MISUSE;
    int rc = query_data_of(api, fts, sqlite3_context_db_handle(ctx), args, &data);
    if (rc == SQLITE_OK) {
        memset(data->freq, 0, sizeof data->freq);
        rc = api->xInstCount(fts, &instances);
    }
    for (int i = 0; rc == SQLITE_OK && i < instances; i++) {
        int phrase, column, offset;
        rc = api->xInst(fts, i, &phrase, &column, &offset);
        if (rc == SQLITE_OK && phrase >= 0 && phrase < data->basis.phrases)
            data->freq[phrase] += argc > FIXED_ARGS + column
                                      ? sqlite3_value_double(args[FIXED_ARGS + column])
                                      : 1.0;
    }
    if (rc == SQLITE_OK)
        rc = row_length(api, fts, data->sizes, tokens);
    *out = data;
    return rc;
}

/* read_row_parts, or NULL once the failure is the function's result. */
static struct query_data *row_parts(const Fts5ExtensionApi *api, Fts5Context *fts,
                                    sqlite3_context *ctx, int argc, sqlite3_value **args,
                                    int *tokens)
{
    struct query_data *data = NULL;
    int rc = read_row_parts(api, fts, ctx, argc, args, &data, tokens);
    if (rc == SQLITE_OK)
        return data;
    if (rc == SQLITE_MISUSE)
        sqlite3_result_error(ctx, "wb_bm25: needs the table's name, a version and the match", -1);
    else
        sqlite3_result_error_code(ctx, rc);
    return NULL;
}

static void wb_bm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                    int argc, sqlite3_value **args)
{
    int tokens = 0;
    struct query_data *data = row_parts(api, fts, ctx, argc, args, &tokens);
    if (data != NULL)
        sqlite3_result_double(ctx, rank_score(&data->basis, data->freq, tokens));
}

/* The blob wb_bm25_parts returns: this header, then the basis's idf and
 * the row's freq, `phrases` doubles each. */
struct parts_header {
    double avgdl;
    int32_t tokens;
    int32_t phrases;
};

static void wb_bm25_parts(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                          int argc, sqlite3_value **args)
{
    int tokens = 0;
    struct query_data *data = row_parts(api, fts, ctx, argc, args, &tokens);
    if (data == NULL)
        return;
    int phrases = data->basis.phrases;
    size_t bytes = sizeof(struct parts_header) + 2 * (size_t)phrases * sizeof(double);
    unsigned char *blob = sqlite3_malloc64(bytes);
    if (blob == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    struct parts_header header = {.avgdl = data->basis.avgdl, .tokens = tokens, .phrases = phrases};
    memcpy(blob, &header, sizeof header);
    memcpy(blob + sizeof header, data->basis.idf, (size_t)phrases * sizeof(double));
    memcpy(blob + sizeof header + (size_t)phrases * sizeof(double), data->freq,
           (size_t)phrases * sizeof(double));
    sqlite3_result_blob64(ctx, blob, bytes, sqlite3_free);
}

bool rank_parts_read(const void *blob, size_t bytes, struct rank_basis *basis, int *tokens,
                     double *freq)
{
    struct parts_header header;
    if (blob == NULL || bytes < sizeof header)
        return false;
    memcpy(&header, blob, sizeof header);
    if (header.phrases < 0 || header.phrases > RANK_PHRASES_MAX ||
        bytes != sizeof header + 2 * (size_t)header.phrases * sizeof(double))
        return false;
    const unsigned char *p = (const unsigned char *)blob + sizeof header;
    basis->phrases = header.phrases;
    basis->avgdl = header.avgdl;
    memcpy(basis->idf, p, (size_t)header.phrases * sizeof(double));
    memcpy(freq, p + (size_t)header.phrases * sizeof(double), (size_t)header.phrases * sizeof(double));
    *tokens = header.tokens;
    return true;
}

/* FTS5 hands out its extension API through a pointer-passing SELECT. */
static fts5_api *fts5_api_of(sqlite3 *handle)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(handle, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return api;
}

int rank_register(sqlite3 *handle)
{
    fts5_api *api = fts5_api_of(handle);
    if (api == NULL || api->iVersion < 2)
        return SQLITE_ERROR;
    struct ranking *ranking = calloc(1, sizeof *ranking);
    if (ranking == NULL)
        return SQLITE_NOMEM;
    ranking->read_only = sqlite3_db_readonly(handle, "main") == 1;
    /* Once registered, FTS5 frees it when the connection closes. */
    int rc = api->xCreateFunction(api, "wb_bm25", ranking, wb_bm25, ranking_free);
    if (rc != SQLITE_OK) {
        ranking_free(ranking);
        return rc;
    }
    /* The same state: FTS5 frees it with wb_bm25, so this one has no destructor. */
    return api->xCreateFunction(api, "wb_bm25_parts", ranking, wb_bm25_parts, NULL);
}
