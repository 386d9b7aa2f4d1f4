/* The store half of extraction (db_extraction_apply) on a real SQLite file,
 * with extractions written by hand, so each linking rule is tested apart
 * from what the extractor happens to find: new entities with their
 * aliases, matches by alias and type, known ids, agreements found again by
 * title or acronym, supersedes links, offsets kept only inside their field,
 * and a malformed extraction refused with nothing stored. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/extraction.h"
#include "db/writes.h"
#include "server/sample.h"
#include "support/test_server.h"

static char dir[256], path[300];
static struct store *store;

static int remove_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void open_sample(void)
{
    struct store_options opts = {.path = path, .busy_timeout_ms = 5000, .cache_size_kib = 2048};
    char err[512] = "";
    bool created = false;
    test_temp_db_path(dir, sizeof dir, path, sizeof path);
    store = store_open(&opts, &created, err, sizeof err);
    cr_assert_not_null(store, "store_open: %s", err);
    cr_assert_eq(sample_load(store, NULL, err, sizeof err), DB_OK, "sample: %s", err);
}

static void close_store(void)
{
    store_close(store);
    store = NULL;
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(extraction_store, .init = open_sample, .fini = close_store, .timeout = 30);

/* The article every test extracts into: "Robert Gates" is body[0, 12). */
static const char article[] =
    "{\"slug\": \"talks\", \"title\": \"Gates in Moscow\", \"source\": \"Wire\","
    " \"published_at\": \"2010-11-19\", \"body\": \"Robert Gates met Jens Stoltenberg in Moscow."
    " \\\"We are ready,\\\" Stoltenberg said. Both backed the New START treaty.\"}";

/* Posts the article and applies `extraction` to it in one write, as the
 * POST handler does; commits when it applies, else rolls back. Returns
 * what db_extraction_apply returned, with its error in *err. */
static bool apply(const char *extraction, struct record_error *err)
{
    enum db_status status;
    json_error_t jerr;
    json_t *rec = json_loads(article, 0, &jerr);
    json_t *x = json_loads(extraction, 0, &jerr);
    cr_assert_not_null(rec);
    cr_assert_not_null(x, "extraction does not parse: %s\n%s", jerr.text, extraction);
    struct db *w = db_write_begin(store, &status);
    cr_assert_not_null(w, "db_write_begin: %d", status);
    int64_t id = 0;
    cr_assert(db_record_create(w, KIND_ARTICLE, rec, &id, err), "article: %s", err->message);
    bool ok = db_extraction_apply(w, id, x, NULL, err);
    if (ok)
        cr_assert_eq(db_write_commit(store, w), DB_OK);
    else
        db_write_abort(store, w);
    json_decref(x);
    json_decref(rec);
    return ok;
}

static void apply_ok(const char *extraction)
{
    struct record_error err;
    cr_assert(apply(extraction, &err), "db_extraction_apply: %s %s", err.field, err.message);
}

/* One integer from the database file, read on a connection of our own. */
static long long scalar(const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* The whole store as one number per table: what a refused write must not
 * change. */
static void counts(long long out[7])
{
    static const char *const sql[] = {
        "SELECT count(*) FROM articles",       "SELECT count(*) FROM entities",
        "SELECT count(*) FROM entity_aliases", "SELECT count(*) FROM mentions",
        "SELECT count(*) FROM mention_spans",  "SELECT count(*) FROM quotes",
        "SELECT count(*) FROM agreements",
    };
    for (int i = 0; i < 7; i++)
        out[i] = scalar(sql[i]);
}

Test(extraction_store, a_new_entity_is_made_with_its_aliases_mentions_and_spans)
{
    long long entities = scalar("SELECT count(*) FROM entities");
    apply_ok("{\"entities\": [{\"name\": \"Jens Stoltenberg\", \"type\": \"person\","
             " \"aliases\": [\"Stoltenberg\"], \"known\": null, \"mentions\": ["
             "{\"field\": \"body\", \"start\": 17, \"end\": 33},"
             " {\"field\": \"body\", \"start\": 61, \"end\": 72}]}]}");
    cr_assert_eq(scalar("SELECT count(*) FROM entities"), entities + 1);
    cr_assert_eq(scalar("SELECT count(*) FROM entities WHERE name = 'Jens Stoltenberg'"
                        " AND type = 'person'"),
                 1);
    cr_assert_eq(scalar("SELECT count(*) FROM entity_aliases a JOIN entities e"
                        " ON e.id = a.entity_id WHERE e.name = 'Jens Stoltenberg'"
                        " AND a.alias = 'Stoltenberg'"),
                 1);
    cr_assert_eq(scalar("SELECT m.count FROM mentions m JOIN entities e ON e.id = m.entity_id"
                        " WHERE e.name = 'Jens Stoltenberg'"),
                 2, "the count is the number of spans");
    cr_assert_eq(scalar("SELECT group_concat(span_start || '-' || span_end) = '17-33,61-72'"
                        " FROM (SELECT span_start, span_end FROM mention_spans s"
                        " JOIN entities e ON e.id = s.entity_id"
                        " WHERE e.name = 'Jens Stoltenberg' ORDER BY span_start)"),
                 1);
}

Test(extraction_store, an_entity_the_store_has_is_found_by_alias_of_the_same_type)
{
    long long entities = scalar("SELECT count(*) FROM entities");
    /* "Gates" is Robert Gates's alias; "Secretary Gates" is new to him. An
     * organization called Gates is someone else. */
    apply_ok("{\"entities\": [{\"name\": \"GATES\", \"type\": \"person\","
             " \"aliases\": [\"Secretary Gates\"], \"mentions\": [{\"field\": \"body\","
             " \"start\": 7, \"end\": 12}]}, {\"name\": \"Gates\", \"type\": \"organization\","
             " \"aliases\": []}]}");
    cr_assert_eq(scalar("SELECT count(*) FROM entities"), entities + 1);
    cr_assert_eq(scalar("SELECT count(*) FROM entities WHERE name = 'Gates'"
                        " AND type = 'organization'"),
                 1);
    cr_assert_eq(scalar("SELECT count(*) FROM entity_aliases a JOIN entities e"
                        " ON e.id = a.entity_id WHERE e.slug = 'robert-gates'"
                        " AND a.alias = 'Secretary Gates'"),
                 1);
    cr_assert_eq(scalar("SELECT count(*) FROM mentions m JOIN entities e ON e.id = m.entity_id"
                        " JOIN articles a ON a.id = m.article_id"
                        " WHERE e.slug = 'robert-gates' AND a.slug = 'talks'"),
                 1);
}

Test(extraction_store, a_known_id_is_honoured_and_one_gone_falls_back_to_the_name)
{
    long long gates = scalar("SELECT id FROM entities WHERE slug = 'robert-gates'");
    long long entities = scalar("SELECT count(*) FROM entities");
    char x[512];
    /* The lexicon matched "the Secretary" to Gates: the id wins over the
     * name. An id no longer in the store (or of another type) does not. */
    snprintf(x, sizeof x,
             "{\"entities\": [{\"name\": \"the Secretary\", \"type\": \"person\", \"known\": %lld},"
             " {\"name\": \"Moscow\", \"type\": \"location\", \"known\": 999999},"
             " {\"name\": \"Kremlin Guard\", \"type\": \"organization\", \"known\": %lld}]}",
             gates, gates);
    apply_ok(x);
    cr_assert_eq(scalar("SELECT count(*) FROM entities"), entities + 1,
                 "only Kremlin Guard is new");
    cr_assert_eq(scalar("SELECT count(*) FROM entities WHERE name = 'the Secretary'"), 0);
    cr_assert_eq(scalar("SELECT count(*) FROM mentions m JOIN articles a ON a.id = m.article_id"
                        " JOIN entities e ON e.id = m.entity_id WHERE a.slug = 'talks'"
                        " AND e.slug IN ('robert-gates', 'moscow', 'kremlin-guard')"),
                 3);
}

Test(extraction_store, an_agreement_the_store_has_is_linked_by_title_or_acronym_not_made_twice)
{
    long long agreements = scalar("SELECT count(*) FROM agreements");
    /* "New START" is the stored "New START treaty" once the kind's word is
     * added; "(START)" names it by acronym; a plan of the same title is
     * another agreement. */
    apply_ok("{\"entities\": [], \"quotes\": [], \"agreements\": ["
             "{\"title\": \"New START\", \"kind\": \"treaty\", \"status\": \"signed\","
             " \"signed_on\": null, \"parties\": [], \"signatories\": [], \"supersedes\": null,"
             " \"start\": 95, \"end\": 111},"
             " {\"title\": \"Strategic Arms Reduction Treaty (START)\", \"kind\": \"treaty\","
             " \"status\": \"signed\", \"parties\": [], \"signatories\": []},"
             " {\"title\": \"New START\", \"kind\": \"plan\", \"status\": \"proposed\"}]}");
    cr_assert_eq(scalar("SELECT count(*) FROM agreements"), agreements + 1);
    cr_assert_eq(scalar("SELECT count(*) FROM agreements WHERE title = 'New START'"
                        " AND kind = 'plan'"),
                 1);
    cr_assert_eq(scalar("SELECT x.span_start * 1000 + x.span_end FROM agreement_articles x"
                        " JOIN agreements g ON g.id = x.agreement_id"
                        " JOIN articles a ON a.id = x.article_id"
                        " WHERE g.slug = 'new-start-treaty' AND a.slug = 'talks'"),
                 95111, "linked with where the body reports it");
    cr_assert_eq(scalar("SELECT status = 'pending_ratification' FROM agreements"
                        " WHERE slug = 'new-start-treaty'"),
                 1, "a stored agreement keeps its own status");
}

Test(extraction_store, new_agreements_get_their_parties_signatories_and_supersedes_link)
{
    apply_ok("{\"entities\": [{\"name\": \"Robert Gates\", \"type\": \"person\"},"
             " {\"name\": \"Jens Stoltenberg\", \"type\": \"person\"},"
             " {\"name\": \"Moscow\", \"type\": \"location\"}],"
             " \"agreements\": [{\"title\": \"Lisbon transit accord\", \"kind\": \"accord\","
             " \"status\": \"signed\", \"signed_on\": \"2010-11-19\","
             " \"parties\": [\"Moscow\", \"Nobody Named\"],"
             " \"signatories\": [\"Robert Gates\", \"Jens Stoltenberg\", \"Robert Gates\"],"
             " \"supersedes\": \"Old transit accord\"},"
             " {\"title\": \"Old transit accord\", \"kind\": \"accord\","
             " \"status\": \"signed\"}]}");
    cr_assert_eq(scalar("SELECT count(*) FROM agreement_signatories s JOIN agreements g"
                        " ON g.id = s.agreement_id WHERE g.title = 'Lisbon transit accord'"),
                 2, "each signatory once");
    cr_assert_eq(scalar("SELECT count(*) FROM agreement_parties p JOIN agreements g"
                        " ON g.id = p.agreement_id JOIN entities e ON e.id = p.entity_id"
                        " WHERE g.title = 'Lisbon transit accord' AND e.slug = 'moscow'"),
                 1, "a party the extraction does not list as an entity is left out");
    cr_assert_eq(scalar("SELECT count(*) FROM agreements n JOIN agreements o"
                        " ON o.id = n.supersedes_id WHERE n.title = 'Lisbon transit accord'"
                        " AND o.title = 'Old transit accord' AND o.status = 'superseded'"),
                 1);
    cr_assert_eq(scalar("SELECT signed_on = '2010-11-19' FROM agreements"
                        " WHERE title = 'Lisbon transit accord'"),
                 1);
}

Test(extraction_store, quotes_get_their_speaker_and_offsets_inside_the_body_only)
{
    apply_ok("{\"entities\": [{\"name\": \"Jens Stoltenberg\", \"type\": \"person\","
             " \"mentions\": [{\"field\": \"body\", \"start\": 17, \"end\": 33},"
             " {\"field\": \"title\", \"start\": 0, \"end\": 99}]}],"
             " \"quotes\": [{\"speaker\": \"Jens Stoltenberg\", \"text\": \"We are ready,\","
             " \"start\": 46, \"end\": 59},"
             " {\"speaker\": \"Jens Stoltenberg\", \"text\": \"Both backed\", \"start\": 80,"
             " \"end\": 500},"
             " {\"speaker\": \"Nobody Named\", \"text\": \"Lost\", \"start\": 0, \"end\": 4},"
             " {\"speaker\": null, \"text\": \"Unattributed\"}]}");
    cr_assert_eq(scalar("SELECT count(*) FROM quotes q JOIN articles a ON a.id = q.article_id"
                        " WHERE a.slug = 'talks'"),
                 2, "a quote without a known speaker is left out");
    cr_assert_eq(scalar("SELECT substr(a.body, q.span_start + 1, q.span_end - q.span_start)"
                        " = q.text FROM quotes q JOIN articles a ON a.id = q.article_id"
                        " WHERE q.text = 'We are ready,'"),
                 1, "the offsets slice the body to the quotation");
    cr_assert_eq(scalar("SELECT span_start IS NULL FROM quotes WHERE text = 'Both backed'"), 1,
                 "offsets past the body are left out, the quotation kept");
    cr_assert_eq(scalar("SELECT count(*) FROM mention_spans s JOIN articles a"
                        " ON a.id = s.article_id WHERE a.slug = 'talks'"),
                 1, "a span past the title is left out");
}

/* Whatever produced it, a malformed extraction is refused by name and the
 * write it ran in stores nothing, the article included. */
Test(extraction_store, a_malformed_extraction_is_invalid_and_nothing_is_stored)
{
    static const struct {
        const char *extraction;
        const char *field;
    } bad[] = {
        {"[]", "extraction"},
        {"{\"entities\": {}}", "extraction.entities"},
        {"{\"entities\": [{\"name\": \"Jens Stoltenberg\", \"type\": \"person\"}, {\"name\": 5,"
         " \"type\": \"person\"}]}",
         "extraction.entities[1].name"},
        {"{\"entities\": [{\"name\": \"A\", \"type\": \"person\", \"aliases\": \"A\"}]}",
         "extraction.entities[0].aliases"},
        {"{\"entities\": [{\"name\": \"A\", \"type\": \"person\", \"known\": \"7\"}]}",
         "extraction.entities[0].known"},
        {"{\"entities\": [{\"name\": \"A\", \"type\": \"person\", \"mentions\": [{\"field\":"
         " \"summary\", \"start\": 0, \"end\": 1}]}]}",
         "extraction.entities[0].mentions"},
        {"{\"entities\": [{\"name\": \"A\", \"type\": \"person\", \"mentions\": [{\"field\":"
         " \"body\", \"start\": -1, \"end\": 1}]}]}",
         "extraction.entities[0].mentions"},
        {"{\"quotes\": [{\"speaker\": \"A\", \"text\": null}]}", "extraction.quotes[0].text"},
        {"{\"quotes\": [7]}", "extraction.quotes[0]"},
        {"{\"agreements\": [{\"title\": \"T\", \"kind\": \"deal\", \"parties\": [1]}]}",
         "extraction.agreements[0].parties"},
        {"{\"agreements\": [{\"title\": \"T\"}]}", "extraction.agreements[0].kind"},
    };
    long long before[7], after[7];
    counts(before);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct record_error err;
        cr_assert_not(apply(bad[i].extraction, &err), "%s was applied", bad[i].extraction);
        cr_assert_eq(err.status, DB_INVALID, "%s: %d %s", bad[i].extraction, err.status,
                     err.message);
        cr_assert_str_eq(err.field, bad[i].field, "%s", bad[i].extraction);
        counts(after);
        cr_assert_arr_eq(before, after, sizeof before, "%s changed the store", bad[i].extraction);
    }
}

/* A record the store refuses for what it says (here an entity type it does
 * not have) is left out; the rest of the extraction is kept. */
Test(extraction_store, a_refused_item_is_left_out_and_the_rest_kept)
{
    long long entities = scalar("SELECT count(*) FROM entities");
    apply_ok("{\"entities\": [{\"name\": \"Zebra Force\", \"type\": \"animal\"},"
             " {\"name\": \"Jens Stoltenberg\", \"type\": \"person\"}]}");
    cr_assert_eq(scalar("SELECT count(*) FROM entities"), entities + 1);
    cr_assert_eq(scalar("SELECT count(*) FROM entities WHERE name = 'Zebra Force'"), 0);
}

Test(extraction_store, an_extraction_for_a_missing_article_is_not_found)
{
    enum db_status status;
    struct record_error err;
    json_t *x = json_pack("{s:[]}", "entities");
    struct db *w = db_write_begin(store, &status);
    cr_assert_not_null(w);
    cr_assert_not(db_extraction_apply(w, 999999, x, NULL, &err));
    cr_assert_eq(err.status, DB_NOT_FOUND);
    db_write_abort(store, w);
    json_decref(x);
}

/* Posts an article with `body` and runs the whole extraction on it with
 * the store's lexicon, as POST /v1/articles does; returns its id. */
static long long extract_article(const char *slug, const char *body)
{
    enum db_status status;
    struct record_error err;
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s}", "slug", slug, "title", "Lexicon", "source",
                            "Wire", "published_at", "2024-01-02", "body", body);
    struct db *w = db_write_begin(store, &status);
    cr_assert_not_null(w);
    int64_t id = 0;
    cr_assert(db_record_create(w, KIND_ARTICLE, rec, &id, &err), "%s", err.message);
    cr_assert(db_article_extract(store, w, id, &err), "%s %s", err.field, err.message);
    cr_assert_eq(db_write_commit(store, w), DB_OK);
    json_decref(rec);
    return id;
}

static void change_gates(const char *patch)
{
    enum db_status status;
    struct record_error err;
    json_t *p = json_loads(patch, 0, NULL);
    struct db *w = db_write_begin(store, &status);
    cr_assert_not_null(w);
    cr_assert(db_record_patch(w, KIND_ENTITY,
                              scalar("SELECT id FROM entities WHERE slug ="
                                     " 'robert-gates'"),
                              p, &err),
              "%s", err.message);
    cr_assert_eq(db_write_commit(store, w), DB_OK);
    json_decref(p);
}

static bool names_gates(long long article_id)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM mentions m JOIN entities e ON e.id = m.entity_id"
             " WHERE e.slug = 'robert-gates' AND m.article_id = %lld",
             article_id);
    return scalar(sql) == 1;
}

/* The lexicon is built once and kept, but names changed by any other write
 * (here a PATCH of aliases) reach the next extraction: "Pentagon chief" is
 * only Gates while it is his alias, and "Pentagon" again after. */
Test(extraction_store, the_lexicon_follows_names_changed_by_other_writes)
{
    const char *body = "The Pentagon chief spoke in Moscow on Monday.";
    cr_assert_not(names_gates(extract_article("before", body)));
    change_gates("{\"aliases\": [\"Gates\", \"Pentagon chief\"]}");
    cr_assert(names_gates(extract_article("with-alias", body)));
    change_gates("{\"aliases\": [\"Gates\"]}");
    long long after = extract_article("after", body);
    cr_assert_not(names_gates(after));
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM mentions m JOIN entities e ON e.id = m.entity_id"
             " WHERE e.slug = 'pentagon' AND m.article_id = %lld",
             after);
    cr_assert_eq(scalar(sql), 1);
}
