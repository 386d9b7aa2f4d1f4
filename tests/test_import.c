/* db_import_with on a new store, the bulk path bench/gen takes: the same
 * checks and the same store as an ordinary import, search indexes, counters
 * and versions included, and the schema's indexes and triggers back in place
 * afterwards. Tested on real SQLite
 * files in a temporary folder, as the store runs. */

#include <criterion/criterion.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/conn.h"
#include "db/db.h"
#include "db/fts_build.h"
#include "db/search.h"
#include "db/transaction.h"
#include "db/transfer.h"
#include "db/writes.h"
#include "support/test_server.h"

static char dir[256], path_a[300], path_b[320];
static struct store *store_a, *store_b;

static void make_folder(void)
{
    store_a = store_b = NULL;
    test_temp_db_path(dir, sizeof dir, path_a, sizeof path_a);
    snprintf(path_b, sizeof path_b, "%s/other.db", dir);
}

static int remove_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void remove_folder(void)
{
    store_close(store_a);
    store_close(store_b);
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(import, .init = make_folder, .fini = remove_folder, .timeout = 60);

/* Every kind of line, a supersedes link to a later line, and words to
 * search for in titles, bodies and quotes. */
static const char lines[] =
    "{\"type\":\"entity\",\"name\":\"Robert Gates\",\"entity_type\":\"person\","
    "\"aliases\":[\"Gates\"]}\n"
    "{\"type\":\"entity\",\"name\":\"Russia\",\"entity_type\":\"location\"}\n"
    "{\"type\":\"entity\",\"name\":\"United States\",\"entity_type\":\"location\"}\n"
    "{\"type\":\"article\",\"title\":\"Defense chiefs sign a memorandum\",\"source\":\"Wire\","
    "\"published_at\":\"2010-09-15\",\"body\":\"The memorandum replaces a 1993 accord.\","
    "\"mentions\":[{\"entity\":\"robert-gates\",\"count\":2},{\"entity\":\"russia\"}]}\n"
    "{\"type\":\"article\",\"title\":\"Treaty awaits ratification\",\"source\":\"Wire\","
    "\"published_at\":\"2010-11-02T08:00:00Z\",\"summary\":\"The senate votes later.\","
    "\"body\":\"New START still awaits the senate.\",\"mentions\":[{\"entity\":\"russia\"}]}\n"
    "{\"type\":\"quote\",\"article\":\"defense-chiefs-sign-a-memorandum\","
    "\"speaker\":\"robert-gates\",\"text\":\"Russia is not a threat to the alliance.\"}\n"
    "{\"type\":\"agreement\",\"title\":\"Defense cooperation memorandum\",\"kind\":\"memorandum\","
    "\"status\":\"signed\",\"signed_on\":\"2010-09-15\",\"parties\":[\"united-states\",\"russia\"],"
    "\"signatories\":[\"robert-gates\"],\"supersedes\":\"the-1993-accord\","
    "\"articles\":[\"defense-chiefs-sign-a-memorandum\"]}\n"
    "{\"type\":\"agreement\",\"slug\":\"the-1993-accord\",\"title\":\"1993 accord\","
    "\"kind\":\"accord\",\"status\":\"superseded\",\"signed_on\":\"1993-06-01\"}\n";

/* Opens the store at `path`, which must be new (no schema yet) or not as
 * `expect_new` says. */
static struct store *open_with(const char *path, bool bulk_load, bool expect_new)
{
    struct store_options opts = {
        .path = path, .busy_timeout_ms = 5000, .cache_size_kib = 2048, .bulk_load = bulk_load};
    char err[512] = "";
    bool created = !expect_new;
    struct store *s = store_open(&opts, &created, err, sizeof err);
    cr_assert_not_null(s, "store_open(%s): %s", path, err);
    cr_assert_eq(created, expect_new, "%s: created %d", path, created);
    return s;
}

static struct store *open_new(const char *path)
{
    return open_with(path, false, true);
}

/* Imports `text`; returns the status, with the counts in *n. */
static enum db_status import_text(struct store *s, const char *text, bool new_store,
                                  struct transfer_counts *n, struct record_error *err)
{
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(in);
    struct db_import_options opts = {.new_store = new_store};
    json_t *errors = NULL;
    long bad_line;
    enum db_status rc = db_import_with(s, in, &opts, n, &errors, &bad_line, err);
    json_decref(errors);
    fclose(in);
    return rc;
}

static void import_ok(struct store *s, const char *text, bool new_store)
{
    struct transfer_counts n;
    struct record_error err;
    enum db_status rc = import_text(s, text, new_store, &n, &err);
    cr_assert_eq(rc, DB_OK, "import: %s %s", err.field, err.message);
}

static char *export_of(struct store *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cr_assert_not_null(out);
    cr_assert_eq(db_export_write(s, out), DB_OK);
    fclose(out);
    return text;
}

/* The hits for `query` (all kinds) as one JSON text, ranks and snippets
 * included. */
static char *hits_of(struct store *s, const char *query)
{
    json_t *items = NULL;
    struct keyset next;
    struct keyset first = {0};
    bool capped;
    cr_assert_eq(db_search(store_reader(s), query, NULL, &first, 100, &items, &next, &capped),
                 DB_OK);
    char *text = json_dumps(items, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(items);
    return text;
}

static void assert_index_intact(const char *path)
{
    static const char *const checks[] = {
        "INSERT INTO article_fts (article_fts, rank) VALUES ('integrity-check', 1)",
        "INSERT INTO quote_fts (quote_fts, rank) VALUES ('integrity-check', 1)",
        "INSERT INTO entity_fts (entity_fts) VALUES ('integrity-check')",
    };
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(path, &raw), SQLITE_OK);
    sqlite3_busy_timeout(raw, 5000);
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        cr_assert_eq(sqlite3_exec(raw, checks[i], NULL, NULL, NULL), SQLITE_OK, "%s: %s", checks[i],
                     sqlite3_errmsg(raw));
    cr_assert_eq(sqlite3_close(raw), SQLITE_OK);
}

/* Every row `sql` reads from the file at `path`, a line each. */
static char *rows_of(const char *path, const char *sql)
{
    sqlite3 *raw = NULL;
    sqlite3_stmt *st = NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cr_assert_eq(sqlite3_open(path, &raw), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++)
            fprintf(out, "%s%s", i ? "|" : "", (const char *)sqlite3_column_text(st, i));
        fputc('\n', out);
    }
    sqlite3_finalize(st);
    cr_assert_eq(sqlite3_close(raw), SQLITE_OK);
    fclose(out);
    return text;
}

static char *schema_of(const char *path)
{
    return rows_of(path, "SELECT type, name, sql FROM sqlite_schema ORDER BY type, name");
}

/* store_a holds no record, and (unless NULL) its schema is `schema`: what a
 * failed import must leave. */
static void assert_empty_with_schema(const char *schema)
{
    char *empty = export_of(store_a);
    cr_assert_str_eq(empty, "");
    free(empty);
    if (schema == NULL)
        return;
    char *after = schema_of(path_a);
    cr_assert_str_eq(after, schema);
    free(after);
}

/* What the schema keeps that an export does not show: counters, tallies,
 * versions, the copies in mentions, and the schema itself (the bulk load
 * drops indexes and triggers and makes them again). */
static const char *const kept_state[] = {
    "SELECT type, name, sql FROM sqlite_schema ORDER BY type, name", /* as schema_of */
    "SELECT id, slug, article_count, mention_count, quote_count, version FROM entities ORDER BY id",
    "SELECT part, key, n FROM tallies ORDER BY part, key",
    "SELECT article_id, entity_id, count, published_at FROM mentions ORDER BY 1, 2",
    "SELECT id, version FROM articles ORDER BY id",
    "SELECT id, version FROM quotes ORDER BY id",
    "SELECT id, version, status, supersedes_id FROM agreements ORDER BY id",
    "SELECT version, names_version FROM store_meta",
};

Test(import, a_new_store_import_gives_the_store_an_ordinary_import_gives)
{
    store_a = open_new(path_a);
    store_b = open_new(path_b);
    import_ok(store_a, lines, false);
    import_ok(store_b, lines, true);

    char *a = export_of(store_a), *b = export_of(store_b);
    cr_assert_str_eq(b, a);
    free(a);
    free(b);
    /* The same hits, in the same order, with the same snippets. */
    static const char *const queries[] = {"memorandum", "senate", "threat", "gates", "1993"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        a = hits_of(store_a, queries[i]);
        b = hits_of(store_b, queries[i]);
        cr_assert_str_eq(b, a, "search for %s", queries[i]);
        cr_assert_neq(strcmp(b, "[]"), 0, "nothing found for %s", queries[i]);
        free(a);
        free(b);
    }
    assert_index_intact(path_b);
    for (size_t i = 0; i < sizeof kept_state / sizeof kept_state[0]; i++) {
        a = rows_of(path_a, kept_state[i]);
        b = rows_of(path_b, kept_state[i]);
        cr_assert_str_eq(b, a, "%s", kept_state[i]);
        cr_assert_neq(strlen(a), 0, "%s: no rows", kept_state[i]);
        free(a);
        free(b);
    }
}

Test(import, later_writes_to_a_bulk_loaded_store_are_indexed)
{
    store_a = open_new(path_a);
    import_ok(store_a, lines, true);
    import_ok(store_a,
              "{\"type\":\"article\",\"title\":\"Lisbon summit\",\"source\":\"Wire\","
              "\"published_at\":\"2010-11-19\",\"body\":\"Allies meet in Lisbon.\"}\n"
              "{\"type\":\"quote\",\"article\":\"lisbon-summit\",\"speaker\":\"robert-gates\","
              "\"text\":\"Lisbon matters.\"}\n",
              false);
    char *hits = hits_of(store_a, "lisbon");
    cr_assert(strstr(hits, "\"slug\":\"lisbon-summit\"") != NULL, "%s", hits);
    cr_assert(strstr(hits, "\"type\":\"quote\"") != NULL, "%s", hits);
    free(hits);
    assert_index_intact(path_a);
}

Test(import, a_new_store_import_into_a_store_with_records_is_refused_and_changes_nothing)
{
    store_a = open_new(path_a);
    import_ok(store_a, "{\"type\":\"entity\",\"name\":\"NATO\",\"entity_type\":\"organization\"}\n",
              false);
    char *before = export_of(store_a);
    struct transfer_counts n;
    struct record_error err;
    cr_assert_eq(import_text(store_a, lines, true, &n, &err), DB_INVALID);
    cr_assert(strstr(err.message, "empty store") != NULL, "%s", err.message);
    char *after = export_of(store_a);
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
}

Test(import, a_failed_new_store_import_stores_nothing_and_keeps_the_schema)
{
    store_a = open_new(path_a);
    char *schema = schema_of(path_a);
    char *bad = NULL;
    cr_assert_geq(asprintf(&bad,
                           "%s{\"type\":\"quote\",\"article\":\"nowhere\","
                           "\"speaker\":\"robert-gates\",\"text\":\"x\"}\n",
                           lines),
                  0);
    struct transfer_counts n;
    struct record_error err;
    cr_assert_eq(import_text(store_a, bad, true, &n, &err), DB_BAD_REF);
    cr_assert_str_eq(err.field, "article");
    free(bad);

    assert_empty_with_schema(schema);
    free(schema);
    /* An ordinary import afterwards is indexed by the triggers. */
    import_ok(store_a, lines, false);
    char *hits = hits_of(store_a, "memorandum");
    cr_assert(strstr(hits, "defense-chiefs-sign-a-memorandum") != NULL, "%s", hits);
    free(hits);
    assert_index_intact(path_a);
}

/* Pages of the article index's segment 1, the one a bulk build leaves
 * (FTS5 numbers a segment's pages from segid << 37 in its %_data table). */
static long bulk_segment_pages(const char *path)
{
    sqlite3 *raw = NULL;
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_open(path, &raw), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(raw,
                                    "SELECT count(*) FROM article_fts_data"
                                    " WHERE id >= (1 << 37) AND id < (2 << 37)",
                                    -1, &st, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    long pages = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    cr_assert_eq(sqlite3_close(raw), SQLITE_OK);
    return pages;
}

/* A bulk build leaves the index as one segment, which FTS5 would merge
 * with the first dozen single writes' segments (all of 400 MB at 100,000
 * articles, at the 15th post) unless it sits on the level its size calls
 * for. 40 writes after a 300-article import must leave it alone, through
 * the same store's writer (whose FTS5 cached the structure the build
 * left), and the index must still be whole and find old and new. */
Test(import, the_bulk_built_index_is_not_merged_again_by_the_next_writes)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cr_assert_not_null(out);
    for (int i = 0; i < 300; i++)
        fprintf(out,
                "{\"type\":\"article\",\"title\":\"Bulk article %d\",\"source\":\"Wire\","
                "\"published_at\":\"2010-09-15\",\"body\":\"Ministers discuss item%d and the "
                "memorandum on defense cooperation at length.\"}\n",
                i, i);
    fclose(out);
    store_a = open_new(path_a);
    import_ok(store_a, text, true);
    free(text);
    long pages = bulk_segment_pages(path_a);
    cr_assert_gt(pages, 0);

    for (int i = 0; i < 40; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "{\"type\":\"article\",\"title\":\"Later article %d\",\"source\":\"Wire\","
                 "\"published_at\":\"2010-09-16\",\"body\":\"Later%d follows up.\"}\n",
                 i, i);
        import_ok(store_a, line, false);
    }
    cr_assert_eq(bulk_segment_pages(path_a), pages, "the bulk segment was merged again");
    assert_index_intact(path_a);
    char *hits = hits_of(store_a, "item123");
    cr_assert(strstr(hits, "bulk-article-123") != NULL, "%s", hits);
    free(hits);
    hits = hits_of(store_a, "later39");
    cr_assert(strstr(hits, "later-article-39") != NULL, "%s", hits);
    free(hits);
}

/* The side database an index is built in (db/fts_build.c) is gone once
 * the import has ended, committed or not. */
static void assert_no_side_files(void)
{
    char side[700];
    static const char *const indexes[] = {"article_fts", "quote_fts", "note_fts"};
    for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++) {
        snprintf(side, sizeof side, "%s-%s.build", path_a, indexes[i]);
        cr_assert_neq(access(side, F_OK), 0, "%s was left behind", side);
    }
}

/* A one-article index is already on its level, so nothing commits on
 * another connection after the import: the writer itself must not go on
 * from a structure it had cached before the built index was copied in (it
 * would write the next segment over an index it believes empty). */
Test(import, the_writer_goes_on_from_the_index_built_beside_it)
{
    store_a = open_new(path_a);
    /* The writer indexes an article and takes it out again before the
     * import, so it holds the index's (empty) structure. */
    import_ok(store_a,
              "{\"type\":\"article\",\"title\":\"Gone\",\"source\":\"Wire\","
              "\"published_at\":\"2010-09-14\",\"body\":\"Gone words.\"}\n",
              false);
    enum db_status status;
    struct record_error err;
    struct db *w = db_write_begin(store_a, &status);
    cr_assert_not_null(w);
    cr_assert(db_record_delete(w, KIND_ARTICLE, 1, &err), "%s", err.message);
    cr_assert_eq(db_write_commit(store_a, w), DB_OK);
    import_ok(store_a,
              "{\"type\":\"article\",\"title\":\"Alone in the index\",\"source\":\"Wire\","
              "\"published_at\":\"2010-09-15\",\"body\":\"Solitary words.\"}\n",
              true);
    assert_no_side_files();
    for (int i = 0; i < 6; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "{\"type\":\"article\",\"title\":\"Next article %d\",\"source\":\"Wire\","
                 "\"published_at\":\"2010-09-16\",\"body\":\"Next%d words.\"}\n",
                 i, i);
        import_ok(store_a, line, false);
    }
    char *hits = hits_of(store_a, "solitary");
    cr_assert(strstr(hits, "alone-in-the-index") != NULL, "%s", hits);
    free(hits);
    hits = hits_of(store_a, "next5");
    cr_assert(strstr(hits, "next-article-5") != NULL, "%s", hits);
    free(hits);
    assert_index_intact(path_a);
}

Test(import, a_failed_bulk_load_leaves_no_side_database)
{
    store_a = open_new(path_a);
    char *bad = NULL;
    cr_assert_geq(asprintf(&bad, "%s{\"type\":\"article\",\"title\":\"\"}\n", lines), 0);
    struct transfer_counts n;
    struct record_error err;
    cr_assert_eq(import_text(store_a, bad, true, &n, &err), DB_INVALID);
    free(bad);
    assert_no_side_files();
    import_ok(store_a, lines, true);
    assert_no_side_files();
    assert_index_intact(path_a);
}

static void exec_ok(struct db *db, const char *sql)
{
    cr_assert_eq(conn_exec(db, sql), DB_OK, "%s: %s", sql, sqlite3_errmsg(db->handle));
}

/* One connection alone on a new file, with `schema` run on it: a table
 * and its external-content index, as the store's indexes are declared. */
static struct db *lone_writer(const char *schema)
{
    struct store_options opts = {.path = path_a, .busy_timeout_ms = 5000};
    char err[256] = "";
    struct db *w = conn_open(path_a, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &opts, err,
                             sizeof err);
    cr_assert_not_null(w, "%s", err);
    exec_ok(w, schema);
    return w;
}

/* The first column of the first row of `sql` (its ?1 bound to `match`,
 * if not NULL) is `expected`. */
static void assert_answer(struct db *w, const char *sql, const char *match, const char *expected)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(w->handle, sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
    if (match != NULL)
        sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    const char *text = (const char *)sqlite3_column_text(st, 0);
    cr_assert_str_eq(text != NULL ? text : "", expected, "%s, %s", sql, match ? match : "");
    sqlite3_finalize(st);
}

static const char notes_schema[] =
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);"
    "CREATE VIRTUAL TABLE note_fts USING fts5 (text, content = 'notes', content_rowid = 'id')";

/* One connection alone, so nothing but the build itself can make it read
 * the index's structure again: it had searched the empty index, which
 * FTS5 caches per connection, and must go on from the built one (a plain
 * copy of the tables under it left the next write's segment over the
 * copied one: "database disk image is malformed" at the integrity check). */
Test(import, a_built_index_replaces_what_the_writer_had_cached)
{
    struct db *w = lone_writer(notes_schema);
    exec_ok(w, "INSERT INTO notes VALUES (100, 'cached words');"
               "INSERT INTO note_fts (rowid, text) VALUES (100, 'cached words');"
               "INSERT INTO note_fts (note_fts, rowid, text)"
               " VALUES ('delete', 100, 'cached words');"
               "DELETE FROM notes;"
               "SELECT count(*) FROM note_fts WHERE note_fts MATCH 'cached'");

    exec_ok(w, "BEGIN");
    struct fts_build *b = fts_build_start(w, "note_fts", "text", 1);
    cr_assert_not_null(b);
    static const char *const texts[] = {"alpha beta", "gamma", "alpha delta"};
    for (int i = 0; i < 3; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "INSERT INTO notes VALUES (%d, '%s')", i + 1, texts[i]);
        exec_ok(w, sql);
        cr_assert(fts_build_add(b, i + 1, &texts[i]));
    }
    cr_assert(fts_build_finish(b, w));
    fts_build_free(b);
    exec_ok(w, "COMMIT");

    exec_ok(w, "INSERT INTO notes VALUES (4, 'epsilon alpha');"
               "INSERT INTO note_fts (rowid, text) VALUES (4, 'epsilon alpha');"
               "INSERT INTO note_fts (note_fts, rank) VALUES ('integrity-check', 1)");
    assert_answer(w,
                  "SELECT group_concat(rowid) FROM (SELECT rowid FROM note_fts"
                  " WHERE note_fts MATCH 'alpha' ORDER BY rowid)",
                  NULL, "1,3,4");
    conn_close(w);
    assert_no_side_files();
}

/* The queue to the index thread holds at most 2,048 rows and 32 MiB of
 * text, and each side sleeps until the other has enough for it: rows past
 * both bounds must all arrive, whichever side waits. Big rows come first,
 * once the thread sleeps on its empty queue (it prepares one statement,
 * then waits: the pause gives it the time), with fewer rows than wake it:
 * the importer must wake it before it waits itself, or both sleep and the
 * test times out. Without the pause the test still passes, on the other
 * path. */
Test(import, rows_past_the_index_queue_bounds_are_all_indexed)
{
    struct db *w = lone_writer(notes_schema);
    enum { BIG_ROWS = 12, BIG_BYTES = 4 << 20, SMALL_ROWS = 5000 };
    char *big = malloc(BIG_BYTES + 1);
    cr_assert_not_null(big);
    for (size_t i = 0; i < BIG_BYTES; i++)
        big[i] = "bulky "[i % 6];
    big[BIG_BYTES] = '\0';

    exec_ok(w, "BEGIN");
    struct fts_build *b = fts_build_start(w, "note_fts", "text", 1);
    cr_assert_not_null(b);
    usleep(200 * 1000);
    int64_t rowid = 1;
    for (int i = 0; i < BIG_ROWS; i++) {
        const char *texts[] = {big};
        cr_assert(fts_build_add(b, rowid++, texts));
    }
    for (int i = 0; i < SMALL_ROWS; i++) {
        const char *texts[] = {i % 100 == 0 ? NULL : "small words"};
        cr_assert(fts_build_add(b, rowid++, texts));
    }
    cr_assert(fts_build_finish(b, w));
    fts_build_free(b);
    exec_ok(w, "COMMIT");
    free(big);

    char count[32];
    snprintf(count, sizeof count, "%d", BIG_ROWS);
    assert_answer(w, "SELECT count(*) FROM note_fts WHERE note_fts MATCH ?1", "bulky", count);
    snprintf(count, sizeof count, "%d", SMALL_ROWS - SMALL_ROWS / 100);
    assert_answer(w, "SELECT count(*) FROM note_fts WHERE note_fts MATCH ?1", "small", count);
    conn_close(w);
    assert_no_side_files();
}

/* A row's texts travel in one block: each must come out in its own
 * column, a NULL one in the middle included. */
Test(import, each_text_of_a_queued_row_is_indexed_in_its_own_column)
{
    struct db *w = lone_writer("CREATE TABLE pages (id INTEGER PRIMARY KEY, a TEXT, b TEXT,"
                               " c TEXT);"
                               "CREATE VIRTUAL TABLE page_fts USING fts5 (a, b, c,"
                               " content = 'pages', content_rowid = 'id');"
                               "BEGIN");
    struct fts_build *b = fts_build_start(w, "page_fts", "a, b, c", 3);
    cr_assert_not_null(b);
    const char *first[] = {"north", NULL, "south"};
    const char *second[] = {"", "east", "west wind"};
    cr_assert(fts_build_add(b, 1, first));
    cr_assert(fts_build_add(b, 2, second));
    cr_assert(fts_build_finish(b, w));
    fts_build_free(b);
    exec_ok(w, "COMMIT");

    static const struct {
        const char *match, *rowids;
    } expected[] = {{"a:north", "1"}, {"c:south", "1"}, {"b:east", "2"}, {"c:wind", "2"},
                    {"a:south OR b:north OR b:south", ""}, {"c:west AND c:wind", "2"}};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        assert_answer(w, "SELECT group_concat(rowid) FROM page_fts WHERE page_fts MATCH ?1",
                      expected[i].match, expected[i].rowids);
    conn_close(w);
    assert_no_side_files();
}

/* Records handed over one by one, as bench/gen hands them. */
struct record_list {
    json_t **records;
    size_t count, next;
    bool fail_at_end; /* the source fails instead of ending */
};

static json_t *next_of_list(void *ctx, bool *failed)
{
    struct record_list *list = ctx;
    if (list->next < list->count)
        return list->records[list->next++];
    *failed = list->fail_at_end;
    return NULL;
}

/* The lines above as records, or NULL past the last. */
static struct record_list records_of_lines(void)
{
    struct record_list list = {.records = calloc(16, sizeof(json_t *))};
    const char *line = lines;
    while (*line != '\0') {
        const char *end = strchr(line, '\n');
        json_error_t jerr;
        list.records[list.count] = json_loadb(line, (size_t)(end - line), 0, &jerr);
        cr_assert_not_null(list.records[list.count++], "%s", jerr.text);
        line = end + 1;
    }
    return list;
}

static void free_unconsumed(struct record_list *list)
{
    for (size_t i = list->next; i < list->count; i++)
        json_decref(list->records[i]);
    free(list->records);
}

Test(import, records_handed_over_are_stored_as_their_lines_would_be)
{
    store_a = open_new(path_a);
    store_b = open_new(path_b);
    import_ok(store_a, lines, true);
    struct record_list list = records_of_lines();
    struct db_import_options opts = {.new_store = true};
    struct transfer_counts n;
    struct record_error err;
    json_t *errors = NULL;
    long bad = 0;
    cr_assert_eq(db_import_records(store_b, next_of_list, &list, &opts, &n, &errors, &bad, &err),
                 DB_OK, "%s %s", err.field, err.message);
    json_decref(errors);
    free_unconsumed(&list);
    cr_assert_eq(n.articles, 2);
    char *a = export_of(store_a), *b = export_of(store_b);
    cr_assert_str_eq(b, a);
    free(a);
    free(b);
    for (size_t i = 0; i < sizeof kept_state / sizeof kept_state[0]; i++) {
        a = rows_of(path_a, kept_state[i]);
        b = rows_of(path_b, kept_state[i]);
        cr_assert_str_eq(b, a, "%s", kept_state[i]);
        free(a);
        free(b);
    }
    assert_index_intact(path_b);
}

Test(import, a_bad_record_or_a_failing_source_stores_nothing)
{
    store_a = open_new(path_a);
    char *schema = schema_of(path_a);
    struct db_import_options opts = {.new_store = true};
    struct transfer_counts n;
    struct record_error err;
    json_t *errors = NULL;
    long bad = 0;

    /* The fifth record loses its title. */
    struct record_list list = records_of_lines();
    json_object_del(list.records[4], "title");
    cr_assert_eq(db_import_records(store_a, next_of_list, &list, &opts, &n, &errors, &bad, &err),
                 DB_INVALID);
    cr_assert_eq(bad, 5);
    cr_assert_str_eq(err.field, "title");
    free_unconsumed(&list);

    /* Every record good, then the source fails. */
    list = records_of_lines();
    list.fail_at_end = true;
    cr_assert_eq(db_import_records(store_a, next_of_list, &list, &opts, &n, &errors, &bad, &err),
                 DB_ERR);
    cr_assert(strstr(err.message, "could not be read") != NULL, "%s", err.message);
    free_unconsumed(&list);

    assert_empty_with_schema(schema);
    free(schema);
    assert_no_side_files();
}

static char *journal_mode_of(const char *path)
{
    return rows_of(path, "PRAGMA journal_mode");
}

/* A store opened for a bulk load writes its new pages once (rollback
 * journal, no WAL), and is a WAL store again once closed; a failed load
 * gives the empty store back. */
Test(import, a_bulk_load_store_is_filled_without_the_wal_and_closed_into_it)
{
    store_a = open_with(path_a, true, true);

    char *bad = NULL;
    cr_assert_geq(asprintf(&bad, "%s{\"type\":\"article\",\"title\":\"\"}\n", lines), 0);
    struct transfer_counts n;
    struct record_error rerr;
    cr_assert_eq(import_text(store_a, bad, true, &n, &rerr), DB_INVALID);
    free(bad);
    assert_empty_with_schema(NULL);

    import_ok(store_a, lines, true);
    char *mode = journal_mode_of(path_a);
    cr_assert_str_eq(mode, "delete\n");
    free(mode);
    char wal[700];
    snprintf(wal, sizeof wal, "%s-wal", path_a);
    cr_assert_neq(access(wal, F_OK), 0, "a bulk load wrote a WAL");
    char *before = export_of(store_a);
    store_close(store_a);
    store_a = NULL;

    mode = journal_mode_of(path_a);
    cr_assert_str_eq(mode, "wal\n");
    free(mode);
    assert_index_intact(path_a);
    store_a = open_with(path_a, false, false);
    char *after = export_of(store_a);
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
    char *hits = hits_of(store_a, "memorandum");
    cr_assert(strstr(hits, "defense-chiefs-sign-a-memorandum") != NULL, "%s", hits);
    free(hits);
}

/* When the side database cannot be made (here a folder stands where its
 * file would go), the index is built the ordinary way, from the rows. */
Test(import, a_side_database_that_cannot_be_made_leaves_the_index_to_the_rows)
{
    char side[700];
    snprintf(side, sizeof side, "%s-article_fts.build", path_a);
    cr_assert_eq(mkdir(side, 0700), 0);
    store_a = open_new(path_a);
    import_ok(store_a, lines, true);
    char *hits = hits_of(store_a, "memorandum");
    cr_assert(strstr(hits, "defense-chiefs-sign-a-memorandum") != NULL, "%s", hits);
    free(hits);
    assert_index_intact(path_a);
    cr_assert_eq(rmdir(side), 0);
}
