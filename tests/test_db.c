/* The store (db/) tested directly on a real SQLite file in a temporary
 * folder, so WAL, locking and transactions behave as in production. */

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

#include "db/agreements.h"
#include "db/articles.h"
#include "db/conn.h"
#include "db/dataset.h"
#include "db/db.h"
#include "db/entities.h"
#include "db/json_text.h"
#include "db/quotes.h"
#include "db/schema.h"
#include "db/writes.h"
#include "db/text.h"
#include "server/sample.h"
#include "support/test_server.h"

static char dir[256], path[300];
static struct store *store;

static void make_folder(void)
{
    store = NULL;
    test_temp_db_path(dir, sizeof dir, path, sizeof path);
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
    store_close(store);
    store = NULL;
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(db, .init = make_folder, .fini = remove_folder, .timeout = 60);

/* ---- helpers ----------------------------------------------------------- */

static struct store *open_at(bool read_only, bool *created)
{
    struct store_options opts = {
        .path = path, .read_only = read_only, .busy_timeout_ms = 5000, .cache_size_kib = 2048};
    char err[512] = "";
    bool made = false;
    struct store *s = store_open(&opts, &made, err, sizeof err);
    cr_assert_not_null(s, "store_open(%s%s): %s", path, read_only ? ", read-only" : "", err);
    if (created != NULL)
        *created = made;
    return s;
}

/* Opens the suite's store, filled with the sample data. */
static struct db *open_with_sample(void)
{
    char err[512];
    store = open_at(false, NULL);
    cr_assert_eq(sample_load(store, NULL, err, sizeof err), DB_OK, "sample: %s", err);
    struct db *db = store_reader(store);
    cr_assert_not_null(db);
    return db;
}

static enum db_status load_json(const char *text, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    cr_assert_not_null(doc, "test document does not parse: %s\n%s", jerr.text, text);
    enum db_status rc = db_dataset_load(store, doc, NULL, err, errlen);
    json_decref(doc);
    return rc;
}

static void load_doc_ok(json_t *doc)
{
    char err[512];
    enum db_status rc = db_dataset_load(store, doc, NULL, err, sizeof err);
    cr_assert_eq(rc, DB_OK, "load: %d %s", (int)rc, err);
}

/* The id that `ref` resolves to; fails the test if none. */
static int64_t resolve(struct db *db, enum db_kind kind, const char *ref)
{
    int64_t id = 0;
    cr_assert_eq(db_resolve(db, kind, ref, &id), DB_OK, "resolve \"%s\"", ref);
    return id;
}

/* A list function with its filter type erased, so one walk serves all four. */
typedef enum db_status (*list_fn)(struct db *db, const void *filter, const struct keyset *after,
                                  int limit, json_t **items, struct keyset *next);

static enum db_status list_articles(struct db *db, const void *filter, const struct keyset *after,
                                    int limit, json_t **items, struct keyset *next)
{
    return db_article_list(db, filter, after, limit, items, next);
}

static enum db_status list_entities(struct db *db, const void *filter, const struct keyset *after,
                                    int limit, json_t **items, struct keyset *next)
{
    return db_entity_list(db, filter, after, limit, items, next);
}

static enum db_status list_agreements(struct db *db, const void *filter, const struct keyset *after,
                                      int limit, json_t **items, struct keyset *next)
{
    return db_agreement_list(db, filter, after, limit, items, next);
}

static enum db_status list_quotes(struct db *db, const void *filter, const struct keyset *after,
                                  int limit, json_t **items, struct keyset *next)
{
    return db_quote_list(db, filter, after, limit, items, next);
}

/* Follows `next` from the first page to the end and returns every item in
 * order (caller owns). Every page but the last must be full. */
static json_t *walk(struct db *db, list_fn list, const void *filter, int limit)
{
    json_t *all = json_array();
    struct keyset after = {.set = false}, next;

    for (int page = 0;; page++) {
        json_t *items = NULL;
        cr_assert_lt(page, 1000, "the walk does not end");
        enum db_status rc = list(db, filter, &after, limit, &items, &next);
        cr_assert_eq(rc, DB_OK, "page %d: %d %s", page, (int)rc, db_last_error(db));
        size_t n = json_array_size(items);
        cr_assert(n <= (size_t)limit);
        if (next.set)
            cr_assert_eq(n, (size_t)limit, "page %d has %zu items but a next page", page, n);
        json_array_extend(all, items);
        json_decref(items);
        if (!next.set)
            break;
        after = next;
    }
    return all;
}

/* The whole list in one page (caller owns). */
static json_t *list_all(struct db *db, list_fn list, const void *filter)
{
    json_t *items = NULL;
    struct keyset next;
    cr_assert_eq(list(db, filter, NULL, 100000, &items, &next), DB_OK);
    cr_assert_not(next.set);
    return items;
}

static size_t count_all(struct db *db, list_fn list, const void *filter)
{
    json_t *items = list_all(db, list, filter);
    size_t n = json_array_size(items);
    json_decref(items);
    return n;
}

struct counts {
    size_t articles, entities, agreements, quotes;
};

static struct counts store_counts(struct db *db)
{
    struct article_filter af = {0};
    struct entity_filter ef = {0};
    struct agreement_filter gf = {0};
    struct quote_filter qf = {0};
    return (struct counts){count_all(db, list_articles, &af), count_all(db, list_entities, &ef),
                           count_all(db, list_agreements, &gf), count_all(db, list_quotes, &qf)};
}

static json_int_t int_field(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    cr_assert(json_is_integer(v), "\"%s\" is not an integer", key);
    return json_integer_value(v);
}

static const char *str_field(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    cr_assert(json_is_string(v), "\"%s\" is not a string", key);
    return json_string_value(v);
}

/* Asserts the walk saw exactly the items of the one-page list, in the same
 * order, each id once. */
static void assert_same_ids_once(const json_t *walked, const json_t *whole, const char *what)
{
    size_t n = json_array_size(whole);
    cr_assert_eq(json_array_size(walked), n, "%s: walked %zu items, the list has %zu", what,
                 json_array_size(walked), n);
    for (size_t i = 0; i < n; i++) {
        json_int_t id = int_field(json_array_get(walked, i), "id");
        cr_assert_eq(id, int_field(json_array_get(whole, i), "id"), "%s: item %zu differs", what,
                     i);
        for (size_t j = 0; j < i; j++)
            cr_assert_neq(int_field(json_array_get(walked, j), "id"), id, "%s: id %lld seen twice",
                          what, (long long)id);
    }
}

/* ---- the store itself -------------------------------------------------- */

Test(db, a_new_store_is_created_and_migrated_to_the_latest_schema)
{
    bool created = false;
    store = open_at(false, &created);
    cr_assert(created);
    cr_assert_gt(schema_latest_version(), 0);

    struct db *reader = store_reader(store);
    cr_assert_not_null(reader);
    cr_assert_eq(db_schema_version(reader), schema_latest_version());
    cr_assert(db_ping(reader));

    struct db *writer = store_writer_begin(store);
    cr_assert_not_null(writer);
    cr_assert_eq(db_schema_version(writer), schema_latest_version());
    store_writer_end(store);

    struct counts c = store_counts(reader);
    cr_assert_eq(c.articles + c.entities + c.agreements + c.quotes, 0, "a new store is empty");
}

Test(db, an_empty_existing_file_counts_as_new)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fclose(f);
    bool created = false;
    store = open_at(false, &created);
    cr_assert(created);
}

Test(db, a_file_that_is_not_a_database_is_refused)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 100; i++)
        fputs("this is not an SQLite database\n", f);
    fclose(f);
    struct store_options opts = {.path = path, .busy_timeout_ms = 1000};
    char err[512] = "";
    bool created = true;
    struct store *s = store_open(&opts, &created, err, sizeof err);
    store_close(s);
    cr_assert_null(s);
    cr_assert_str_neq(err, "", "a reason is given");
}

Test(db, reopening_a_store_keeps_its_data_and_is_not_created)
{
    struct db *db = open_with_sample();
    struct counts before = store_counts(db);
    cr_assert_gt(before.articles, 0);
    store_close(store);

    bool created = true;
    store = open_at(false, &created);
    cr_assert_not(created);
    db = store_reader(store);
    cr_assert_eq(db_schema_version(db), schema_latest_version());
    struct counts after = store_counts(db);
    cr_assert_eq(after.articles, before.articles);
    cr_assert_eq(after.entities, before.entities);
    cr_assert_eq(after.agreements, before.agreements);
    cr_assert_eq(after.quotes, before.quotes);
}

Test(db, a_read_only_store_on_a_missing_file_fails)
{
    struct store_options opts = {.path = path, .read_only = true, .busy_timeout_ms = 1000};
    char err[512] = "";
    bool created = true;
    struct store *s = store_open(&opts, &created, err, sizeof err);
    store_close(s);
    cr_assert_null(s);
    cr_assert_not_null(strstr(err, path), "err names the file: %s", err);
    cr_assert_neq(access(path, F_OK), 0, "a read-only open must not create the file");
}

Test(db, a_read_only_store_on_an_existing_file_serves_reads)
{
    struct db *db = open_with_sample();
    struct counts before = store_counts(db);
    store_close(store);

    bool created = true;
    store = open_at(true, &created);
    cr_assert_not(created);
    db = store_reader(store);
    cr_assert_not_null(db);
    cr_assert(db_ping(db));
    struct counts after = store_counts(db);
    cr_assert_eq(after.articles, before.articles);
    cr_assert_eq(after.entities, before.entities);
    json_t *gates = NULL;
    cr_assert_eq(db_entity_get(db, resolve(db, KIND_ENTITY, "robert-gates"), &gates), DB_OK);
    json_decref(gates);
}

Test(db, a_read_only_store_has_no_writer_and_refuses_loads)
{
    open_with_sample();
    store_close(store);
    store = open_at(true, NULL);

    cr_assert_null(store_writer_begin(store));
    store_writer_end(store); /* harmless without a writer */
    char err[256];
    cr_assert_eq(
        load_json("{\"entities\": [{\"name\": \"X\", \"type\": \"person\"}]}", err, sizeof err),
        DB_READ_ONLY);
}

Test(db, a_reader_opened_before_a_load_sees_the_loaded_records)
{
    store = open_at(false, NULL);
    struct db *db = store_reader(store);
    cr_assert_eq(store_counts(db).articles, 0);
    char err[512];
    cr_assert_eq(sample_load(store, NULL, err, sizeof err), DB_OK, "%s", err);
    cr_assert_gt(store_counts(db).articles, 0);
}

Test(db, explain_before_any_list_is_not_found)
{
    store = open_at(false, NULL);
    json_t *plan = NULL;
    cr_assert_eq(db_explain_last(store_reader(store), &plan), DB_NOT_FOUND);
    cr_assert_null(plan);
}

/* Each kind of byte sequence at every offset of texts of 1 to 40 bytes, so
 * it falls inside, across and after the eight-byte steps of the plain-ASCII
 * path; each text in a buffer of exactly its length, so that a read past
 * its end is one the address sanitizer sees. */
Test(db, clean_utf8_is_checked_at_every_offset)
{
    static const struct {
        const char *bytes;
        bool clean;
    } cases[] = {
        {"\t", true},           {"\n", true},           {"\r", true},
        {"\x7f", true},         {"~", true},            {" ", true},
        {"\xc3\xa9", true},     {"\xe2\x80\xa6", true}, {"\xf0\x9f\x93\xb0", true},
        {"\x01", false},        {"\x1f", false},        {"\x80", false},
        {"\xc3", false},        {"\xc0\xaf", false},    {"\xed\xa0\x80", false},
        {"\xf4\x90\x80\x80", false}, {"\xff", false},
    };
    for (size_t len = 1; len <= 40; len++) {
        char *text = malloc(len);
        cr_assert_not_null(text);
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            size_t n = strlen(cases[c].bytes);
            for (size_t at = 0; at + n <= len; at++) {
                memset(text, 'a', len);
                memcpy(text + at, cases[c].bytes, n);
                cr_assert_eq(text_is_clean_utf8(text, len), cases[c].clean,
                             "case %zu at %zu of %zu", c, at, len);
            }
            /* A sequence cut short by the end of the text. */
            if (n > 1) {
                memset(text, 'a', len);
                text[len - 1] = cases[c].bytes[0];
                cr_assert_not(text_is_clean_utf8(text, len), "case %zu cut at %zu", c, len);
            }
        }
        memset(text, 'a', len);
        cr_assert(text_is_clean_utf8(text, len));
        /* A NUL inside the length is a control byte too. */
        text[len / 2] = '\0';
        cr_assert_not(text_is_clean_utf8(text, len));
        free(text);
    }
}

Test(db, resolve_finds_ids_and_slugs_and_nothing_else)
{
    struct db *db = open_with_sample();
    int64_t id = resolve(db, KIND_ENTITY, "robert-gates");
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)id);
    cr_assert_eq(resolve(db, KIND_ENTITY, text), id);

    static const char *const misses[] = {
        "0",   "-1",           "", "Robert-Gates", "robert gates", "999999", "robert-gates-",
        "1e3", "robert--gates"};
    for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
        int64_t got = -1;
        cr_expect_eq(db_resolve(db, KIND_ENTITY, misses[i], &got), DB_NOT_FOUND, "\"%s\"",
                     misses[i]);
    }
    int64_t got;
    cr_assert_eq(db_resolve(db, KIND_ARTICLE, "robert-gates", &got), DB_NOT_FOUND,
                 "slugs are per kind");
}

/* ---- the sample -------------------------------------------------------- */

Test(db, the_sample_loads_with_counts)
{
    store = open_at(false, NULL);
    struct dataset_counts n = {0};
    char err[512];
    cr_assert_eq(sample_load(store, &n, err, sizeof err), DB_OK, "%s", err);
    cr_assert_gt(n.articles, 0);
    cr_assert_gt(n.entities, 0);
    cr_assert_gt(n.quotes, 0);
    cr_assert_gt(n.agreements, 0);

    struct counts c = store_counts(store_reader(store));
    cr_assert_eq(c.articles, (size_t)n.articles);
    cr_assert_eq(c.entities, (size_t)n.entities);
    cr_assert_eq(c.quotes, (size_t)n.quotes);
    cr_assert_eq(c.agreements, (size_t)n.agreements);
}

Test(db, the_sample_cannot_be_loaded_twice)
{
    open_with_sample();
    char err[512];
    /* Its records give explicit slugs, which are taken the second time. */
    cr_assert_eq(sample_load(store, NULL, err, sizeof err), DB_CONFLICT, "%s", err);
}

Test(db, articles_are_listed_newest_first)
{
    struct db *db = open_with_sample();
    struct article_filter f = {0};
    json_t *items = list_all(db, list_articles, &f);
    cr_assert_gt(json_array_size(items), 1);
    for (size_t i = 1; i < json_array_size(items); i++) {
        const json_t *prev = json_array_get(items, i - 1), *cur = json_array_get(items, i);
        int cmp = strcmp(str_field(prev, "published_at"), str_field(cur, "published_at"));
        cr_assert(cmp > 0 || (cmp == 0 && int_field(prev, "id") > int_field(cur, "id")),
                  "item %zu is not older than item %zu", i, i - 1);
    }
    json_decref(items);
}

Test(db, robert_gates_has_his_alias)
{
    struct db *db = open_with_sample();
    json_t *gates = NULL;
    cr_assert_eq(db_entity_get(db, resolve(db, KIND_ENTITY, "robert-gates"), &gates), DB_OK);
    cr_assert_str_eq(str_field(gates, "name"), "Robert Gates");
    cr_assert_str_eq(str_field(gates, "type"), "person");
    cr_assert_str_eq(str_field(gates, "slug"), "robert-gates");
    json_t *aliases = json_object_get(gates, "aliases");
    cr_assert(json_is_array(aliases));
    cr_assert_eq(json_array_size(aliases), 1);
    cr_assert_str_eq(json_string_value(json_array_get(aliases, 0)), "Gates");
    cr_assert_gt(json_array_size(json_object_get(gates, "articles")), 0);
    json_decref(gates);
}

Test(db, a_missing_record_is_not_found)
{
    struct db *db = open_with_sample();
    json_t *out = NULL;
    cr_assert_eq(db_entity_get(db, 999999, &out), DB_NOT_FOUND);
    cr_assert_eq(db_article_get(db, 999999, &out), DB_NOT_FOUND);
    cr_assert_eq(db_agreement_get(db, 999999, &out), DB_NOT_FOUND);
    cr_assert_eq(db_quote_get(db, 999999, &out), DB_NOT_FOUND);
    cr_assert_null(out);
}

/* Checks each entity's article_count and mention_count against the mentions
 * the sample document states. */
Test(db, mention_triggers_keep_entity_counts_equal_to_the_mentions)
{
    struct db *db = open_with_sample();
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)sample_json, sample_json_len, 0, &jerr);
    cr_assert_not_null(doc, "%s", jerr.text);
    json_t *expected = json_object(); /* slug -> [articles, mentions] */

    size_t i, j;
    json_t *article, *mention;
    json_array_foreach(json_object_get(doc, "articles"), i, article)
    {
        json_array_foreach(json_object_get(article, "mentions"), j, mention)
        {
            const char *slug = str_field(mention, "entity");
            json_t *count = json_object_get(mention, "count");
            json_int_t n = count != NULL ? json_integer_value(count) : 1;
            json_t *pair = json_object_get(expected, slug);
            if (pair == NULL) {
                pair = json_pack("[i, i]", 0, 0);
                json_object_set_new(expected, slug, pair);
            }
            json_array_set_new(pair, 0,
                               json_integer(json_integer_value(json_array_get(pair, 0)) + 1));
            json_array_set_new(pair, 1,
                               json_integer(json_integer_value(json_array_get(pair, 1)) + n));
        }
    }
    cr_assert_gt(json_object_size(expected), 0);

    struct entity_filter f = {0};
    json_t *entities = list_all(db, list_entities, &f);
    json_t *entity;
    json_array_foreach(entities, i, entity)
    {
        const char *slug = str_field(entity, "slug");
        json_t *pair = json_object_get(expected, slug);
        json_int_t want_articles = pair ? json_integer_value(json_array_get(pair, 0)) : 0;
        json_int_t want_mentions = pair ? json_integer_value(json_array_get(pair, 1)) : 0;
        cr_expect_eq(int_field(entity, "article_count"), want_articles, "%s article_count", slug);
        cr_expect_eq(int_field(entity, "mention_count"), want_mentions, "%s mention_count", slug);
    }
    json_decref(entities);
    json_decref(expected);
    json_decref(doc);
}

static void entity_counts(struct db *db, const char *slug, json_int_t *articles,
                          json_int_t *mentions)
{
    json_t *e = NULL;
    cr_assert_eq(db_entity_get(db, resolve(db, KIND_ENTITY, slug), &e), DB_OK);
    *articles = int_field(e, "article_count");
    *mentions = int_field(e, "mention_count");
    json_decref(e);
}

Test(db, a_new_article_adds_its_mentions_to_the_entity_counts)
{
    struct db *db = open_with_sample();
    json_int_t articles, mentions, articles2, mentions2;
    entity_counts(db, "robert-gates", &articles, &mentions);
    char err[512];
    cr_assert_eq(load_json("{\"articles\": [{\"title\": \"Gates again\", \"source\": \"S\","
                           " \"published_at\": \"2011-01-01\", \"body\": \"b\","
                           " \"mentions\": [{\"entity\": \"robert-gates\", \"count\": 4}]}]}",
                           err, sizeof err),
                 DB_OK, "%s", err);
    entity_counts(db, "robert-gates", &articles2, &mentions2);
    cr_assert_eq(articles2, articles + 1);
    cr_assert_eq(mentions2, mentions + 4);
}

/* ---- all or nothing ---------------------------------------------------- */

/* Good records of each section, naming each other and the sample. */
static const char *const good_records[] = {
    "{\"name\": \"Case Entity\", \"type\": \"organization\", \"aliases\": [\"CE\"]}",
    "{\"title\": \"Case article\", \"source\": \"Case Wire\", \"published_at\": \"2011-05-05\","
    " \"body\": \"Body.\", \"mentions\": [{\"entity\": \"robert-gates\", \"count\": 3},"
    " {\"entity\": \"case-entity\"}]}",
    "{\"article\": \"case-article\", \"speaker\": \"robert-gates\", \"text\": \"A case quote.\"}",
    "{\"title\": \"Case agreement\", \"kind\": \"deal\", \"status\": \"proposed\","
    " \"signed_on\": \"2011-05-05\", \"parties\": [\"case-entity\", \"robert-gates\"],"
    " \"articles\": [\"case-article\"]}",
};
static const char *const section_names[] = {"entities", "articles", "quotes", "agreements"};

enum section { ENTITIES, ARTICLES, QUOTES, AGREEMENTS };

struct bad_case {
    const char *name;
    enum section section;
    const char *records; /* appended after the good record of `section` */
    enum db_status status;
    const char *path;  /* the record (and field) the error names */
    const char *field; /* a word the error text must contain */
};

static const struct bad_case bad_cases[] = {
    {"unknown entity field", ENTITIES,
     "{\"name\": \"Bad\", \"type\": \"person\", \"colour\": \"red\"}", DB_INVALID, "entities[1]",
     "colour"},
    {"entity without name", ENTITIES, "{\"type\": \"person\"}", DB_INVALID, "entities[1]", "name"},
    {"entity name of the wrong type", ENTITIES, "{\"name\": 5, \"type\": \"person\"}", DB_INVALID,
     "entities[1]", "name"},
    {"entity type not in the enum", ENTITIES, "{\"name\": \"Bad\", \"type\": \"animal\"}",
     DB_INVALID, "entities[1]", "type"},
    {"entity name over the limit", ENTITIES, "{\"name\": \"@201@\", \"type\": \"person\"}",
     DB_INVALID, "entities[1]", "name"},
    {"empty entity name", ENTITIES, "{\"name\": \"\", \"type\": \"person\"}", DB_INVALID,
     "entities[1]", "name"},
    {"blank entity name", ENTITIES, "{\"name\": \" \\t \", \"type\": \"person\"}", DB_INVALID,
     "entities[1]", "name"},
    {"control character in an entity name", ENTITIES,
     "{\"name\": \"a\\u0001b\", \"type\": \"person\"}", DB_INVALID, "entities[1]", "name"},
    {"aliases not an array", ENTITIES,
     "{\"name\": \"Bad\", \"type\": \"person\", \"aliases\": \"B\"}", DB_INVALID, "entities[1]",
     "aliases"},
    {"alias not a string", ENTITIES,
     "{\"name\": \"Bad\", \"type\": \"person\", \"aliases\": [\"ok\", 7]}", DB_INVALID,
     "entities[1].aliases[1]", "alias"},
    {"explicit slug taken by the store", ENTITIES,
     "{\"slug\": \"robert-gates\", \"name\": \"Other\", \"type\": \"person\"}", DB_CONFLICT,
     "entities[1]", "slug"},
    {"explicit slug taken earlier in the document", ENTITIES,
     "{\"slug\": \"case-entity\", \"name\": \"Other\", \"type\": \"person\"}", DB_CONFLICT,
     "entities[1]", "slug"},
    {"malformed explicit slug", ENTITIES,
     "{\"slug\": \"Not A Slug\", \"name\": \"Other\", \"type\": \"person\"}", DB_INVALID,
     "entities[1]", "slug"},
    {"all-digit explicit slug", ENTITIES,
     "{\"slug\": \"1993\", \"name\": \"Other\", \"type\": \"person\"}", DB_INVALID, "entities[1]",
     "slug"},

    {"unknown article field", ARTICLES,
     "{\"title\": \"T\", \"source\": \"S\", \"published_at\": \"2011-01-01\", \"body\": \"B\","
     " \"colour\": \"red\"}",
     DB_INVALID, "articles[1]", "colour"},
    {"article without published_at", ARTICLES,
     "{\"title\": \"T\", \"source\": \"S\", \"body\": \"B\"}", DB_INVALID, "articles[1]",
     "published_at"},
    {"article published on 2010-02-30", ARTICLES,
     "{\"title\": \"T\", \"source\": \"S\", \"published_at\": \"2010-02-30\", \"body\": \"B\"}",
     DB_INVALID, "articles[1]", "published_at"},
    {"article published at hour 24", ARTICLES,
     "{\"title\": \"T\", \"source\": \"S\", \"published_at\": \"2010-02-03T24:00:00Z\","
     " \"body\": \"B\"}",
     DB_INVALID, "articles[1]", "published_at"},
    {"article published_at a number", ARTICLES,
     "{\"title\": \"T\", \"source\": \"S\", \"published_at\": 20100203, \"body\": \"B\"}",
     DB_INVALID, "articles[1]", "published_at"},
    {"article title over the limit", ARTICLES,
     "{\"title\": \"@501@\", \"source\": \"S\", \"published_at\": \"2011-01-01\", \"body\": \"B\"}",
     DB_INVALID, "articles[1]", "title"},
    {"empty article body", ARTICLES,
     "{\"title\": \"T\", \"source\": \"S\", \"published_at\": \"2011-01-01\", \"body\": \"\"}",
     DB_INVALID, "articles[1]", "body"},
    {"article url not http", ARTICLES,
     "{\"title\": \"T\", \"source\": \"S\", \"published_at\": \"2011-01-01\", \"body\": \"B\","
     " \"url\": \"ftp://example.com/x\"}",
     DB_INVALID, "articles[1]", "url"},
    {"mention of a missing entity", ARTICLES,
     "{\"title\": \"T\", \"source\": \"S\", \"published_at\": \"2011-01-01\", \"body\": \"B\","
     " \"mentions\": [{\"entity\": \"no-such-entity\"}]}",
     DB_BAD_REF, "articles[1].mentions[0]", "no-such-entity"},
    {"mention counted zero times", ARTICLES,
     "{\"title\": \"T\", \"source\": \"S\", \"published_at\": \"2011-01-01\", \"body\": \"B\","
     " \"mentions\": [{\"entity\": \"robert-gates\", \"count\": 0}]}",
     DB_INVALID, "articles[1].mentions[0]", "count"},
    {"entity mentioned twice", ARTICLES,
     "{\"title\": \"T\", \"source\": \"S\", \"published_at\": \"2011-01-01\", \"body\": \"B\","
     " \"mentions\": [{\"entity\": \"robert-gates\"}, {\"entity\": \"robert-gates\"}]}",
     DB_INVALID, "articles[1].mentions[1]", "twice"},

    {"quote by a missing speaker", QUOTES,
     "{\"article\": \"case-article\", \"speaker\": \"no-such-person\", \"text\": \"x\"}",
     DB_BAD_REF, "quotes[1]", "speaker"},
    {"quote in a missing article", QUOTES,
     "{\"article\": \"no-such-article\", \"speaker\": \"robert-gates\", \"text\": \"x\"}",
     DB_BAD_REF, "quotes[1]", "article"},
    {"quote without text", QUOTES, "{\"article\": \"case-article\", \"speaker\": \"robert-gates\"}",
     DB_INVALID, "quotes[1]", "text"},
    {"quote text over the limit", QUOTES,
     "{\"article\": \"case-article\", \"speaker\": \"robert-gates\", \"text\": \"@4001@\"}",
     DB_INVALID, "quotes[1]", "text"},

    {"agreement kind not in the enum", AGREEMENTS,
     "{\"title\": \"T\", \"kind\": \"pact\", \"status\": \"signed\"}", DB_INVALID, "agreements[1]",
     "kind"},
    {"agreement status not in the enum", AGREEMENTS,
     "{\"title\": \"T\", \"kind\": \"deal\", \"status\": \"done\"}", DB_INVALID, "agreements[1]",
     "status"},
    {"agreement signed on 2010-02-30", AGREEMENTS,
     "{\"title\": \"T\", \"kind\": \"deal\", \"status\": \"signed\", \"signed_on\": "
     "\"2010-02-30\"}",
     DB_INVALID, "agreements[1]", "signed_on"},
    {"agreement with a missing party", AGREEMENTS,
     "{\"title\": \"T\", \"kind\": \"deal\", \"status\": \"signed\", \"parties\": [\"russia\","
     " \"no-such-party\"]}",
     DB_BAD_REF, "agreements[1].parties[1]", "no-such-party"},
    {"agreement party listed twice", AGREEMENTS,
     "{\"title\": \"T\", \"kind\": \"deal\", \"status\": \"signed\", \"parties\": [\"russia\","
     " \"russia\"]}",
     DB_INVALID, "agreements[1].parties[1]", "twice"},
    {"agreement signatories not an array", AGREEMENTS,
     "{\"title\": \"T\", \"kind\": \"deal\", \"status\": \"signed\", \"signatories\": \"russia\"}",
     DB_INVALID, "agreements[1]", "signatories"},
    {"agreement reporting a missing article", AGREEMENTS,
     "{\"title\": \"T\", \"kind\": \"deal\", \"status\": \"signed\", \"articles\": [\"nope-x\"]}",
     DB_BAD_REF, "agreements[1].articles[0]", "nope-x"},
    {"agreement superseding a missing one", AGREEMENTS,
     "{\"title\": \"T\", \"kind\": \"deal\", \"status\": \"signed\", \"supersedes\": \"nope-y\"}",
     DB_BAD_REF, "agreements[1].supersedes", "nope-y"},
    {"agreement superseding itself", AGREEMENTS,
     "{\"slug\": \"self-ref\", \"title\": \"T\", \"kind\": \"deal\", \"status\": \"signed\","
     " \"supersedes\": \"self-ref\"}",
     DB_CONFLICT, "agreements[1].supersedes", "itself"},
    {"two agreements superseding each other", AGREEMENTS,
     "{\"slug\": \"cyc-a\", \"title\": \"A\", \"kind\": \"deal\", \"status\": \"signed\","
     " \"supersedes\": \"cyc-b\"},"
     " {\"slug\": \"cyc-b\", \"title\": \"B\", \"kind\": \"deal\", \"status\": \"signed\","
     " \"supersedes\": \"cyc-a\"}",
     DB_CONFLICT, "agreements[2].supersedes", "cycle"},
    {"three agreements superseding in a ring", AGREEMENTS,
     "{\"slug\": \"ring-a\", \"title\": \"A\", \"kind\": \"deal\", \"status\": \"signed\","
     " \"supersedes\": \"ring-b\"},"
     " {\"slug\": \"ring-b\", \"title\": \"B\", \"kind\": \"deal\", \"status\": \"signed\","
     " \"supersedes\": \"ring-c\"},"
     " {\"slug\": \"ring-c\", \"title\": \"C\", \"kind\": \"deal\", \"status\": \"signed\","
     " \"supersedes\": \"ring-a\"}",
     DB_CONFLICT, "agreements[3].supersedes", "cycle"},
};

/* Copies tmpl into out, replacing "@N@" with N letters 'x' (for limits). */
static void expand(const char *tmpl, char *out, size_t outlen)
{
    size_t n = 0;
    for (const char *p = tmpl; *p != '\0';) {
        char *end = NULL;
        long len = p[0] == '@' ? strtol(p + 1, &end, 10) : 0;
        if (len > 0 && end != NULL && *end == '@') {
            cr_assert_lt(n + (size_t)len, outlen);
            memset(out + n, 'x', (size_t)len);
            n += (size_t)len;
            p = end + 1;
            continue;
        }
        cr_assert_lt(n + 1, outlen);
        out[n++] = *p++;
    }
    out[n] = '\0';
}

/* A document with the good records of every section up to `section`, then
 * `bad` (may be NULL) as the last record of the document. */
static void build_case_doc(enum section section, const char *bad, char *out, size_t outlen)
{
    size_t used = (size_t)snprintf(out, outlen, "{");
    for (int s = 0; s <= (int)section; s++) {
        used += (size_t)snprintf(out + used, outlen - used, "%s\"%s\": [%s%s%s]", s ? ", " : "",
                                 section_names[s], good_records[s],
                                 s == (int)section && bad ? ", " : "",
                                 s == (int)section && bad ? bad : "");
        cr_assert_lt(used, outlen);
    }
    snprintf(out + used, outlen - used, "}");
}

Test(db, a_document_with_a_bad_last_record_changes_nothing)
{
    struct db *db = open_with_sample();
    static char doc[16384], bad[8192];
    char err[512];
    json_int_t gates_articles, gates_mentions;

    struct counts before = store_counts(db);
    entity_counts(db, "robert-gates", &gates_articles, &gates_mentions);

    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        expand(c->records, bad, sizeof bad);
        build_case_doc(c->section, bad, doc, sizeof doc);
        snprintf(err, sizeof err, "(not set)");

        enum db_status rc = load_json(doc, err, sizeof err);
        cr_expect_eq(rc, c->status, "%s: status %d, want %d (%s)", c->name, (int)rc, (int)c->status,
                     err);
        cr_expect_not_null(strstr(err, c->path), "%s: error \"%s\" does not name %s", c->name, err,
                           c->path);
        cr_expect_not_null(strstr(err, c->field), "%s: error \"%s\" does not mention \"%s\"",
                           c->name, err, c->field);

        struct counts after = store_counts(db);
        cr_expect_eq(after.entities, before.entities, "%s: entities changed", c->name);
        cr_expect_eq(after.articles, before.articles, "%s: articles changed", c->name);
        cr_expect_eq(after.quotes, before.quotes, "%s: quotes changed", c->name);
        cr_expect_eq(after.agreements, before.agreements, "%s: agreements changed", c->name);
        int64_t id;
        cr_expect_eq(db_resolve(db, KIND_ENTITY, "case-entity", &id), DB_NOT_FOUND,
                     "%s: the good entity stayed", c->name);
        json_int_t a, m;
        entity_counts(db, "robert-gates", &a, &m);
        cr_expect_eq(a, gates_articles, "%s: the mention trigger's work stayed", c->name);
        cr_expect_eq(m, gates_mentions, "%s: the mention trigger's work stayed", c->name);
    }

    /* The good records alone load: the failures above were the bad ones. */
    build_case_doc(AGREEMENTS, NULL, doc, sizeof doc);
    cr_assert_eq(load_json(doc, err, sizeof err), DB_OK, "%s", err);
    struct counts after = store_counts(db);
    cr_assert_eq(after.entities, before.entities + 1);
    cr_assert_eq(after.articles, before.articles + 1);
    cr_assert_eq(after.quotes, before.quotes + 1);
    cr_assert_eq(after.agreements, before.agreements + 1);
    json_int_t a, m;
    entity_counts(db, "robert-gates", &a, &m);
    cr_assert_eq(a, gates_articles + 1);
    cr_assert_eq(m, gates_mentions + 3);
}

Test(db, a_document_that_is_not_an_object_of_sections_is_invalid)
{
    static const struct {
        const char *doc, *path, *word;
    } cases[] = {
        {"[]", "document", "object"},
        {"{\"people\": []}", "document", "people"},
        {"{\"articles\": {}}", "articles", "array"},
        {"{\"entities\": [3]}", "entities[0]", "object"},
    };
    open_with_sample();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512] = "";
        cr_expect_eq(load_json(cases[i].doc, err, sizeof err), DB_INVALID, "%s", cases[i].doc);
        cr_expect_not_null(strstr(err, cases[i].path), "%s: %s", cases[i].doc, err);
        cr_expect_not_null(strstr(err, cases[i].word), "%s: %s", cases[i].doc, err);
    }
}

Test(db, text_at_the_limit_is_accepted)
{
    open_with_sample();
    char tmpl[256], doc[1024], err[512];
    snprintf(tmpl, sizeof tmpl, "{\"entities\": [{\"name\": \"@200@\", \"type\": \"person\"}]}");
    expand(tmpl, doc, sizeof doc);
    cr_assert_eq(load_json(doc, err, sizeof err), DB_OK, "%s", err);
}

Test(db, an_agreement_may_supersede_one_listed_after_it)
{
    struct db *db = open_with_sample();
    char err[512];
    cr_assert_eq(load_json("{\"agreements\": ["
                           "{\"slug\": \"newer-x\", \"title\": \"N\", \"kind\": \"deal\","
                           " \"status\": \"signed\", \"supersedes\": \"older-x\"},"
                           "{\"slug\": \"older-x\", \"title\": \"O\", \"kind\": \"deal\","
                           " \"status\": \"superseded\"}]}",
                           err, sizeof err),
                 DB_OK, "%s", err);
    json_t *newer = NULL;
    cr_assert_eq(db_agreement_get(db, resolve(db, KIND_AGREEMENT, "newer-x"), &newer), DB_OK);
    cr_assert_str_eq(str_field(json_object_get(newer, "supersedes"), "slug"), "older-x");
    json_decref(newer);
}

/* ---- slugs and literal text -------------------------------------------- */

static const char *entity_slug(struct db *db, int64_t id, char *out, size_t outlen)
{
    json_t *e = NULL;
    cr_assert_eq(db_entity_get(db, id, &e), DB_OK);
    snprintf(out, outlen, "%s", str_field(e, "slug"));
    json_decref(e);
    return out;
}

Test(db, generated_slugs_get_numbered_suffixes_on_collision)
{
    struct db *db = open_with_sample();
    char err[512], slug[160];
    cr_assert_eq(load_json("{\"entities\": ["
                           "{\"name\": \"Jane Doe\", \"type\": \"person\"},"
                           "{\"name\": \"Jane Doe\", \"type\": \"organization\"},"
                           "{\"name\": \"JANE  doe!\", \"type\": \"location\"}]}",
                           err, sizeof err),
                 DB_OK, "%s", err);
    static const char *const want[][2] = {
        {"jane-doe", "person"}, {"jane-doe-2", "organization"}, {"jane-doe-3", "location"}};
    for (size_t i = 0; i < 3; i++) {
        json_t *e = NULL;
        cr_assert_eq(db_entity_get(db, resolve(db, KIND_ENTITY, want[i][0]), &e), DB_OK);
        cr_assert_str_eq(str_field(e, "type"), want[i][1], "%s", want[i][0]);
        json_decref(e);
    }
    /* A later document continues the numbering. */
    cr_assert_eq(load_json("{\"entities\": [{\"name\": \"jane doe\", \"type\": \"product\"}]}", err,
                           sizeof err),
                 DB_OK, "%s", err);
    int64_t id = resolve(db, KIND_ENTITY, "jane-doe-4");
    cr_assert_str_eq(entity_slug(db, id, slug, sizeof slug), "jane-doe-4");
}

Test(db, a_name_of_only_digits_never_gives_an_all_digit_slug)
{
    struct db *db = open_with_sample();
    char err[512];
    cr_assert_eq(load_json("{\"entities\": [{\"name\": \"1993\", \"type\": \"product\"},"
                           " {\"name\": \"1993\", \"type\": \"product\"},"
                           " {\"name\": \"!!!\", \"type\": \"product\"}],"
                           " \"articles\": [{\"title\": \"2010\", \"source\": \"S\","
                           " \"published_at\": \"2010-01-01\", \"body\": \"b\"}]}",
                           err, sizeof err),
                 DB_OK, "%s", err);
    struct entity_filter f = {.prefix = "1993"};
    json_t *items = list_all(db, list_entities, &f);
    cr_assert_eq(json_array_size(items), 2);
    for (size_t i = 0; i < 2; i++) {
        const char *slug = str_field(json_array_get(items, i), "slug");
        cr_expect(text_is_slug(slug), "\"%s\" is not a slug", slug);
        cr_expect_neq(strspn(slug, "0123456789"), strlen(slug), "\"%s\" is all digits", slug);
        cr_expect_not_null(strstr(slug, "1993"), "\"%s\" keeps the name", slug);
    }
    json_decref(items);

    struct article_filter af = {.source = "S"};
    items = list_all(db, list_articles, &af);
    cr_assert_eq(json_array_size(items), 1);
    const char *slug = str_field(json_array_get(items, 0), "slug");
    cr_assert(text_is_slug(slug), "\"%s\"", slug);
    json_decref(items);

    struct entity_filter bang = {.prefix = "!!!"};
    items = list_all(db, list_entities, &bang);
    cr_assert_eq(json_array_size(items), 1);
    cr_assert(text_is_slug(str_field(json_array_get(items, 0), "slug")));
    json_decref(items);
}

Test(db, a_long_name_without_separators_gets_a_slug)
{
    /* The slug is cut at its maximum with no hyphen to back up to. */
    struct db *db = open_with_sample();
    char tmpl[256], doc[1024], err[512], slug[160];
    snprintf(tmpl, sizeof tmpl,
             "{\"entities\": [{\"slug\": \"long-one\", \"name\": \"@200@\", \"type\": \"person\"},"
             " {\"name\": \"@200@\", \"type\": \"person\"}]}");
    expand(tmpl, doc, sizeof doc);
    cr_assert_eq(load_json(doc, err, sizeof err), DB_OK, "%s", err);
    struct entity_filter f = {.prefix = "xxxx"};
    json_t *items = list_all(db, list_entities, &f);
    cr_assert_eq(json_array_size(items), 2);
    entity_slug(db, int_field(json_array_get(items, 1), "id"), slug, sizeof slug);
    cr_assert(text_is_slug(slug), "\"%s\"", slug);
    json_decref(items);
}

Test(db, sql_metacharacters_in_names_are_stored_literally)
{
    struct db *db = open_with_sample();
    char err[512];
    cr_assert_eq(load_json("{\"entities\": ["
                           "{\"name\": \"Robert'); DROP TABLE entities;--\", \"type\": \"person\"},"
                           "{\"name\": \"50% Off\", \"type\": \"organization\"},"
                           "{\"name\": \"500 Corp\", \"type\": \"organization\"},"
                           "{\"name\": \"a_b\", \"type\": \"product\"},"
                           "{\"name\": \"axb\", \"type\": \"product\"},"
                           "{\"name\": \"Quote \\\" and \\\\ back\", \"type\": \"product\"}],"
                           " \"articles\": [{\"title\": \"It's 100% \\\"true\\\"; --\","
                           " \"source\": \"O'Reilly\", \"published_at\": \"2012-01-01\","
                           " \"body\": \"'; DELETE FROM articles; --\"}]}",
                           err, sizeof err),
                 DB_OK, "%s", err);

    static const char *const names[][2] = {
        {"robert-drop-table-entities", "Robert'); DROP TABLE entities;--"},
        {"50-off", "50% Off"},
        {"500-corp", "500 Corp"},
        {"a-b", "a_b"},
        {"quote-and-back", "Quote \" and \\ back"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *e = NULL;
        cr_assert_eq(db_entity_get(db, resolve(db, KIND_ENTITY, names[i][0]), &e), DB_OK, "%s",
                     names[i][0]);
        cr_expect_str_eq(str_field(e, "name"), names[i][1]);
        json_decref(e);
    }

    struct article_filter af = {.source = "O'Reilly"};
    json_t *items = list_all(db, list_articles, &af);
    cr_assert_eq(json_array_size(items), 1);
    json_t *article = NULL;
    cr_assert_eq(db_article_get(db, int_field(json_array_get(items, 0), "id"), &article), DB_OK);
    cr_assert_str_eq(str_field(article, "title"), "It's 100% \"true\"; --");
    cr_assert_str_eq(str_field(article, "body"), "'; DELETE FROM articles; --");
    cr_assert_str_eq(str_field(article, "slug"), "its-100-true");
    json_decref(article);
    json_decref(items);
    cr_assert_gt(store_counts(db).entities, 32, "the tables are all still there");
}

/* The names the prefix filter returns, in order, joined by '|'. */
static void prefix_names(struct db *db, const char *prefix, const char *type, char *out,
                         size_t outlen)
{
    struct entity_filter f = {.prefix = prefix, .type = type};
    json_t *items = list_all(db, list_entities, &f);
    size_t used = 0, i;
    json_t *e;
    out[0] = '\0';
    json_array_foreach(items, i, e) used +=
        (size_t)snprintf(out + used, outlen - used, "%s%s", i ? "|" : "", str_field(e, "name"));
    json_decref(items);
}

Test(db, the_prefix_filter_matches_percent_and_underscore_literally)
{
    struct db *db = open_with_sample();
    char err[512], names[1024];
    cr_assert_eq(load_json("{\"entities\": ["
                           "{\"name\": \"50% Off\", \"type\": \"organization\"},"
                           "{\"name\": \"500 Corp\", \"type\": \"organization\"},"
                           "{\"name\": \"a_b\", \"type\": \"product\"},"
                           "{\"name\": \"axb\", \"type\": \"product\"}]}",
                           err, sizeof err),
                 DB_OK, "%s", err);
    prefix_names(db, "50%", NULL, names, sizeof names);
    cr_assert_str_eq(names, "50% Off", "\"50%%\" must not match \"500 Corp\"");
    prefix_names(db, "50", NULL, names, sizeof names);
    cr_assert_str_eq(names, "50% Off|500 Corp");
    prefix_names(db, "a_", NULL, names, sizeof names);
    cr_assert_str_eq(names, "a_b", "\"a_\" must not match \"axb\"");
    prefix_names(db, "%", NULL, names, sizeof names);
    cr_assert_str_eq(names, "");
    prefix_names(db, "_", NULL, names, sizeof names);
    cr_assert_str_eq(names, "");
}

Test(db, the_prefix_filter_folds_case_and_matches_aliases)
{
    struct db *db = open_with_sample();
    char names[1024];
    prefix_names(db, "ROBERT g", NULL, names, sizeof names);
    cr_assert_str_eq(names, "Robert Gates");
    prefix_names(db, "gat", NULL, names, sizeof names);
    cr_assert_str_eq(names, "Robert Gates", "found through the alias \"Gates\"");
    prefix_names(db, "robert", "organization", names, sizeof names);
    cr_assert_str_eq(names, "", "the type filter applies too");
}

/* ---- keyset pagination ------------------------------------------------- */

#define PAGER_N 45

/* A dataset of PAGER_N records of each kind, built in C: dates repeat so the
 * id breaks ties, some articles carry a time, some agreements are undated,
 * entity names repeat and differ in case, and mention counts tie. */
static json_t *pager_dataset(void)
{
    json_t *entities = json_array(), *articles = json_array(), *quotes = json_array(),
           *agreements = json_array();
    char slug[64], name[64], date[32], text[64];

    for (int i = 0; i < PAGER_N; i++) {
        snprintf(slug, sizeof slug, "pager-e-%02d", i);
        if (i % 4 == 0)
            snprintf(name, sizeof name, i % 8 == 0 ? "Pager Twin" : "pager twin");
        else
            snprintf(name, sizeof name, i % 2 ? "Pager %c%02d" : "PAGER %c%02d", 'a' + (i * 7) % 26,
                     i);
        json_array_append_new(entities, json_pack("{s:s, s:s, s:s}", "slug", slug, "name", name,
                                                  "type", i % 3 ? "organization" : "person"));
    }
    for (int i = 0; i < PAGER_N; i++) {
        /* Three articles a day; every fifth at 08:00 that day. */
        if (i % 5 == 0)
            snprintf(date, sizeof date, "2015-01-%02dT08:00:00Z", 1 + i / 3);
        else
            snprintf(date, sizeof date, "2015-01-%02d", 1 + i / 3);
        snprintf(slug, sizeof slug, "pager-a-%02d", i);
        snprintf(text, sizeof text, "Pager article %d", i);
        json_t *mentions = json_array();
        char entity[32];
        snprintf(entity, sizeof entity, "pager-e-%02d", i % 9);
        json_array_append_new(mentions,
                              json_pack("{s:s, s:i}", "entity", entity, "count", i % 4 + 1));
        if (i % 2 == 0 && i % 9 != 0)
            json_array_append_new(mentions, json_pack("{s:s}", "entity", "pager-e-00"));
        json_array_append_new(articles,
                              json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "slug", slug, "title",
                                        text, "source", i % 2 ? "Pager Post" : "Pager Wire",
                                        "published_at", date, "body", "b", "mentions", mentions));
    }
    for (int i = 0; i < PAGER_N; i++) {
        char article[32], speaker[32];
        snprintf(article, sizeof article, "pager-a-%02d", i % 10);
        snprintf(speaker, sizeof speaker, "pager-e-%02d", i % 3);
        snprintf(text, sizeof text, "Pager quote %d", i);
        json_array_append_new(quotes, json_pack("{s:s, s:s, s:s}", "article", article, "speaker",
                                                speaker, "text", text));
    }
    for (int i = 0; i < PAGER_N; i++) {
        snprintf(text, sizeof text, "Pager agreement %d", i);
        snprintf(date, sizeof date, "2016-02-%02d", 1 + i / 4);
        char party[32];
        snprintf(party, sizeof party, "pager-e-%02d", i % 2);
        json_array_append_new(agreements, json_pack("{s:s, s:s, s:s, s:s?, s:[s], s:[s]}", "title",
                                                    text, "kind", i % 2 ? "deal" : "treaty",
                                                    "status", i % 3 ? "signed" : "proposed",
                                                    "signed_on", i % 6 == 0 ? NULL : date,
                                                    "parties", party, "signatories", "pager-e-02"));
    }
    return json_pack("{s:o, s:o, s:o, s:o}", "entities", entities, "articles", articles, "quotes",
                     quotes, "agreements", agreements);
}

static struct db *open_with_pager_data(void)
{
    struct db *db = open_with_sample();
    json_t *doc = pager_dataset();
    load_doc_ok(doc);
    json_decref(doc);
    return db;
}

/* Walks with limit 7 and checks the walk against the whole list. Returns
 * the walk (caller owns). */
static json_t *walk_and_compare(struct db *db, list_fn list, const void *filter,
                                size_t want_at_least, const char *what)
{
    json_t *walked = walk(db, list, filter, 7);
    json_t *whole = list_all(db, list, filter);
    cr_assert_geq(json_array_size(whole), want_at_least, "%s: only %zu items", what,
                  json_array_size(whole));
    assert_same_ids_once(walked, whole, what);
    json_decref(whole);
    return walked;
}

static void assert_articles_ordered(const json_t *items, const char *what)
{
    for (size_t i = 1; i < json_array_size(items); i++) {
        const json_t *a = json_array_get(items, i - 1), *b = json_array_get(items, i);
        int cmp = strcmp(str_field(a, "published_at"), str_field(b, "published_at"));
        cr_assert(cmp > 0 || (cmp == 0 && int_field(a, "id") > int_field(b, "id")),
                  "%s: item %zu (%s, %lld) is not after item %zu (%s, %lld)", what, i,
                  str_field(b, "published_at"), (long long)int_field(b, "id"), i - 1,
                  str_field(a, "published_at"), (long long)int_field(a, "id"));
    }
}

Test(db, article_pages_cover_every_article_once_newest_first)
{
    struct db *db = open_with_pager_data();
    struct article_filter none = {0};
    json_t *walked = walk_and_compare(db, list_articles, &none, 3 + PAGER_N, "articles");
    cr_assert_eq(json_array_size(walked), 3 + PAGER_N);
    assert_articles_ordered(walked, "articles");
    json_decref(walked);
}

Test(db, filtered_article_pages_cover_every_match_once)
{
    struct db *db = open_with_pager_data();
    struct article_filter by_entity = {.entity_id = resolve(db, KIND_ENTITY, "pager-e-00")};
    struct article_filter by_source = {.source = "Pager Wire"};
    struct article_filter by_dates = {.since = "2015-01-03", .until = "2015-01-11"};
    struct article_filter by_both = {
        .entity_id = by_entity.entity_id, .source = "Pager Wire", .since = "2015-01-02"};
    const struct {
        const struct article_filter *f;
        size_t at_least;
        const char *what;
    } cases[] = {
        {&by_entity, 20, "entity"},
        {&by_source, (PAGER_N + 1) / 2, "source"},
        {&by_dates, 27, "since/until"},
        {&by_both, 8, "entity+source+since"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *walked =
            walk_and_compare(db, list_articles, cases[i].f, cases[i].at_least, cases[i].what);
        assert_articles_ordered(walked, cases[i].what);
        json_decref(walked);
    }
}

Test(db, entity_pages_by_name_cover_every_entity_once_in_name_order)
{
    struct db *db = open_with_pager_data();
    struct entity_filter by_name = {.sort = ENTITY_SORT_NAME};
    struct entity_filter by_prefix = {.sort = ENTITY_SORT_NAME, .prefix = "pager t"};
    struct entity_filter by_type = {.sort = ENTITY_SORT_NAME, .type = "person"};
    const struct entity_filter *filters[] = {&by_name, &by_prefix, &by_type};

    for (size_t k = 0; k < 3; k++) {
        json_t *walked = walk_and_compare(db, list_entities, filters[k], 12, "entities by name");
        if (k == 0)
            cr_assert_eq(json_array_size(walked), 32 + PAGER_N);
        for (size_t i = 1; i < json_array_size(walked); i++) {
            const json_t *a = json_array_get(walked, i - 1), *b = json_array_get(walked, i);
            char ka[256], kb[256];
            text_fold(str_field(a, "name"), ka, sizeof ka);
            text_fold(str_field(b, "name"), kb, sizeof kb);
            int cmp = strcmp(ka, kb);
            cr_assert(cmp < 0 || (cmp == 0 && int_field(a, "id") < int_field(b, "id")),
                      "filter %zu: \"%s\" (%lld) before \"%s\" (%lld)", k, str_field(a, "name"),
                      (long long)int_field(a, "id"), str_field(b, "name"),
                      (long long)int_field(b, "id"));
        }
        json_decref(walked);
    }
}

Test(db, entity_pages_by_mentions_cover_every_entity_once_most_mentioned_first)
{
    struct db *db = open_with_pager_data();
    struct entity_filter by_mentions = {.sort = ENTITY_SORT_MENTIONS};
    struct entity_filter by_type = {.sort = ENTITY_SORT_MENTIONS, .type = "organization"};
    struct entity_filter by_prefix = {.sort = ENTITY_SORT_MENTIONS, .prefix = "pager"};
    const struct entity_filter *filters[] = {&by_mentions, &by_type, &by_prefix};

    for (size_t k = 0; k < 3; k++) {
        json_t *walked =
            walk_and_compare(db, list_entities, filters[k], 20, "entities by mentions");
        if (k == 0)
            cr_assert_eq(json_array_size(walked), 32 + PAGER_N);
        for (size_t i = 1; i < json_array_size(walked); i++) {
            const json_t *a = json_array_get(walked, i - 1), *b = json_array_get(walked, i);
            json_int_t ma = int_field(a, "mention_count"), mb = int_field(b, "mention_count");
            cr_assert(ma > mb || (ma == mb && int_field(a, "id") < int_field(b, "id")),
                      "filter %zu: item %zu (%lld mentions, id %lld) after (%lld, %lld)", k, i,
                      (long long)mb, (long long)int_field(b, "id"), (long long)ma,
                      (long long)int_field(a, "id"));
        }
        json_decref(walked);
    }
}

Test(db, agreement_pages_cover_every_agreement_once_latest_first_undated_last)
{
    struct db *db = open_with_pager_data();
    struct agreement_filter none = {0};
    struct agreement_filter by_party = {.party_id = resolve(db, KIND_ENTITY, "pager-e-01")};
    struct agreement_filter by_kind = {.kind = "treaty",
                                       .signatory_id = resolve(db, KIND_ENTITY, "pager-e-02")};
    const struct agreement_filter *filters[] = {&none, &by_party, &by_kind};

    for (size_t k = 0; k < 3; k++) {
        json_t *walked = walk_and_compare(db, list_agreements, filters[k], 20, "agreements");
        if (k == 0)
            cr_assert_eq(json_array_size(walked), 8 + PAGER_N);
        bool undated_seen = false;
        for (size_t i = 0; i < json_array_size(walked); i++) {
            const json_t *b = json_array_get(walked, i);
            bool undated = json_is_null(json_object_get(b, "signed_on"));
            cr_assert(!undated_seen || undated, "filter %zu: a dated agreement after an undated",
                      k);
            undated_seen = undated_seen || undated;
            if (i == 0)
                continue;
            const json_t *a = json_array_get(walked, i - 1);
            const char *date_a =
                json_is_null(json_object_get(a, "signed_on")) ? "" : str_field(a, "signed_on");
            const char *date_b = undated ? "" : str_field(b, "signed_on");
            int cmp = strcmp(date_a, date_b);
            cr_assert(cmp > 0 || (cmp == 0 && int_field(a, "id") > int_field(b, "id")),
                      "filter %zu: item %zu out of order", k, i);
        }
        cr_assert(k != 0 || undated_seen, "the walk reaches the undated agreements");
        json_decref(walked);
    }
}

Test(db, quote_pages_cover_every_quote_once_latest_first)
{
    struct db *db = open_with_pager_data();
    struct quote_filter none = {0};
    struct quote_filter by_speaker = {.speaker_id = resolve(db, KIND_ENTITY, "pager-e-01")};
    struct quote_filter by_article = {.article_id = resolve(db, KIND_ARTICLE, "pager-a-03")};
    const struct {
        const struct quote_filter *f;
        size_t at_least;
    } cases[] = {{&none, 11 + PAGER_N}, {&by_speaker, PAGER_N / 3}, {&by_article, 4}};

    for (size_t k = 0; k < 3; k++) {
        json_t *walked = walk_and_compare(db, list_quotes, cases[k].f, cases[k].at_least, "quotes");
        for (size_t i = 1; i < json_array_size(walked); i++)
            cr_assert_gt(int_field(json_array_get(walked, i - 1), "id"),
                         int_field(json_array_get(walked, i), "id"));
        json_decref(walked);
    }
}

Test(db, a_limit_equal_to_the_total_gives_one_page_without_next)
{
    struct db *db = open_with_sample();
    struct article_filter f = {0};
    size_t total = count_all(db, list_articles, &f);
    json_t *items = NULL;
    struct keyset next;
    cr_assert_eq(db_article_list(db, &f, NULL, (int)total, &items, &next), DB_OK);
    cr_assert_eq(json_array_size(items), total);
    cr_assert_not(next.set, "no extra row, no next page");
    json_decref(items);
    cr_assert_eq(db_article_list(db, &f, NULL, (int)total - 1, &items, &next), DB_OK);
    cr_assert(next.set);
    json_decref(items);
}

/* ---- query plans ------------------------------------------------------- */

/* True for a plan line that reads a whole table: "SCAN t" without an index.
 * "SCAN (subquery-N)" and "SCAN CONSTANT ROW" read no table. */
static bool is_table_scan(const char *line)
{
    while (*line == ' ')
        line++;
    if (strncmp(line, "SCAN ", 5) != 0)
        return false;
    if (strstr(line, " USING ") != NULL)
        return false;
    return strncmp(line + 5, "(subquery", 9) != 0 && strncmp(line + 5, "CONSTANT ROW", 12) != 0;
}

/* Checks the plan of the list query just run on db. */
static void expect_no_scan(struct db *db, const char *what)
{
    json_t *plan = NULL;
    cr_assert_eq(db_explain_last(db, &plan), DB_OK, "%s: no plan", what);
    size_t i;
    json_t *line;
    json_array_foreach(plan, i, line)
    {
        if (is_table_scan(json_string_value(line))) {
            char *dump = json_dumps(plan, JSON_INDENT(2));
            cr_expect_fail("%s scans a table: \"%s\"\nplan: %s", what, json_string_value(line),
                           dump);
            free(dump);
        }
    }
    json_decref(plan);
}

static void run_list(struct db *db, list_fn list, const void *filter, const struct keyset *after,
                     const char *what)
{
    json_t *items = NULL;
    struct keyset next;
    enum db_status rc = list(db, filter, after, 20, &items, &next);
    cr_assert_eq(rc, DB_OK, "%s: %d %s", what, (int)rc, db_last_error(db));
    json_decref(items);
    expect_no_scan(db, what);
}

/* The filter combinations handlers can make, numbered by the bits of n:
 * each filter present or absent, and the last bit for "with a cursor". The
 * values only need to exist; plans do not depend on them. */
#define ARTICLE_COMBOS   64
#define ENTITY_COMBOS    16
#define AGREEMENT_COMBOS 128
#define QUOTE_COMBOS     8

struct filter_ids {
    int64_t entity, agreement, article;
};

static struct filter_ids filter_ids(struct db *db)
{
    return (struct filter_ids){
        .entity = resolve(db, KIND_ENTITY, "robert-gates"),
        .agreement = resolve(db, KIND_AGREEMENT, "us-russia-defense-cooperation-memorandum-2010"),
        .article = resolve(db, KIND_ARTICLE, "us-russian-defense-chiefs-promote-deeper-ties"),
    };
}

static const struct keyset *article_combo(int n, const struct filter_ids *ids,
                                          struct article_filter *f, char *what, size_t len)
{
    static const struct keyset cursor = {.set = true, .key = "2015-01-05", .id = 10};
    *f = (struct article_filter){
        .source = n & 1 ? "Pager Wire" : NULL,
        .entity_id = n & 2 ? ids->entity : 0,
        .agreement_id = n & 4 ? ids->agreement : 0,
        .since = n & 8 ? "2010-01-01" : NULL,
        .until = n & 16 ? "2020-12-31" : NULL,
    };
    snprintf(what, len, "articles%s%s%s%s%s%s", f->source ? " source" : "",
             f->entity_id ? " entity" : "", f->agreement_id ? " agreement" : "",
             f->since ? " since" : "", f->until ? " until" : "", n & 32 ? " cursor" : "");
    return n & 32 ? &cursor : NULL;
}

static const struct keyset *entity_combo(int n, struct entity_filter *f, char *what, size_t len)
{
    /* The key is a folded name or, sorted by mentions, a count. */
    static const struct keyset by_name = {.set = true, .key = "pager twin", .id = 10};
    static const struct keyset by_count = {.set = true, .key = "1", .id = 10};
    *f = (struct entity_filter){
        .type = n & 1 ? "person" : NULL,
        .prefix = n & 2 ? "pa" : NULL,
        .sort = n & 4 ? ENTITY_SORT_MENTIONS : ENTITY_SORT_NAME,
    };
    snprintf(what, len, "entities sort=%s%s%s%s", n & 4 ? "mentions" : "name",
             f->type ? " type" : "", f->prefix ? " prefix" : "", n & 8 ? " cursor" : "");
    return n & 8 ? (n & 4 ? &by_count : &by_name) : NULL;
}

static const struct keyset *agreement_combo(int n, const struct filter_ids *ids,
                                            struct agreement_filter *f, char *what, size_t len)
{
    static const struct keyset cursor = {.set = true, .key = "2016-02-03", .id = 20};
    *f = (struct agreement_filter){
        .party_id = n & 1 ? ids->entity : 0,
        .signatory_id = n & 2 ? ids->entity : 0,
        .kind = n & 4 ? "treaty" : NULL,
        .status = n & 8 ? "signed" : NULL,
        .since = n & 16 ? "2010-01-01" : NULL,
        .until = n & 32 ? "2020-12-31" : NULL,
    };
    snprintf(what, len, "agreements%s%s%s%s%s%s%s", f->party_id ? " party" : "",
             f->signatory_id ? " signatory" : "", f->kind ? " kind" : "",
             f->status ? " status" : "", f->since ? " since" : "", f->until ? " until" : "",
             n & 64 ? " cursor" : "");
    return n & 64 ? &cursor : NULL;
}

static const struct keyset *quote_combo(int n, const struct filter_ids *ids, struct quote_filter *f,
                                        char *what, size_t len)
{
    static const struct keyset cursor = {.set = true, .key = "", .id = 30};
    *f = (struct quote_filter){
        .speaker_id = n & 1 ? ids->entity : 0,
        .article_id = n & 2 ? ids->article : 0,
    };
    snprintf(what, len, "quotes%s%s%s", f->speaker_id ? " speaker" : "",
             f->article_id ? " article" : "", n & 4 ? " cursor" : "");
    return n & 4 ? &cursor : NULL;
}

/* A reader on a freshly opened store. The plan tests take one every few
 * queries so that each plan is checked even while one connection cannot
 * hold every query (see one_reader_serves_every_list_query...). */
static struct db *fresh_reader(int n)
{
    if (n % 32 == 0) {
        store_close(store);
        store = open_at(false, NULL);
    }
    struct db *db = store_reader(store);
    cr_assert_not_null(db);
    return db;
}

Test(db, every_article_list_query_uses_an_index)
{
    struct filter_ids ids = filter_ids(open_with_pager_data());
    for (int n = 0; n < ARTICLE_COMBOS; n++) {
        struct article_filter f;
        char what[160];
        const struct keyset *after = article_combo(n, &ids, &f, what, sizeof what);
        run_list(fresh_reader(n), list_articles, &f, after, what);
    }
}

Test(db, every_entity_list_query_uses_an_index)
{
    open_with_pager_data();
    for (int n = 0; n < ENTITY_COMBOS; n++) {
        struct entity_filter f;
        char what[160];
        const struct keyset *after = entity_combo(n, &f, what, sizeof what);
        run_list(fresh_reader(n), list_entities, &f, after, what);
    }
}

/* Entities of every type by mentions have no index of their own (each
 * mention written would move its entity in it): the per-type ranges of
 * entities_by_type_mentions are merged in order, and nothing is sorted. */
Test(db, entities_by_mentions_of_every_type_are_merged_not_sorted)
{
    open_with_pager_data();
    for (int n = 0; n < ENTITY_COMBOS; n++) {
        struct entity_filter f;
        char what[160];
        const struct keyset *after = entity_combo(n, &f, what, sizeof what);
        if (f.sort != ENTITY_SORT_MENTIONS || f.type != NULL)
            continue;
        struct db *db = fresh_reader(n);
        run_list(db, list_entities, &f, after, what);
        json_t *plan = NULL, *line;
        size_t i;
        int merges = 0, arms = 0, sorts = 0, alias_reads = 0;
        cr_assert_eq(db_explain_last(db, &plan), DB_OK);
        json_array_foreach(plan, i, line)
        {
            const char *text = json_string_value(line);
            merges += strstr(text, "MERGE (UNION ALL)") != NULL;
            arms += strstr(text, "SEARCH e USING INDEX entities_by_type_mentions") != NULL;
            sorts += strstr(text, "USE TEMP B-TREE FOR ORDER BY") != NULL;
            alias_reads += strstr(text, "SEARCH entity_aliases USING PRIMARY KEY") != NULL;
        }
        char *dump = json_dumps(plan, JSON_INDENT(2));
        cr_expect(merges > 0 && arms == 4, "%s: not a merge of four ranges: %s", what, dump);
        /* Each entity's aliases are put in order (a few rows); the list is not. */
        cr_expect_eq(sorts, alias_reads, "%s sorts: %s", what, dump);
        free(dump);
        json_decref(plan);
    }
}

Test(db, every_agreement_list_query_uses_an_index)
{
    struct filter_ids ids = filter_ids(open_with_pager_data());
    for (int n = 0; n < AGREEMENT_COMBOS; n++) {
        struct agreement_filter f;
        char what[160];
        const struct keyset *after = agreement_combo(n, &ids, &f, what, sizeof what);
        run_list(fresh_reader(n), list_agreements, &f, after, what);
    }
}

Test(db, every_quote_list_query_uses_an_index)
{
    struct filter_ids ids = filter_ids(open_with_pager_data());
    for (int n = 0; n < QUOTE_COMBOS; n++) {
        struct quote_filter f;
        char what[160];
        const struct keyset *after = quote_combo(n, &ids, &f, what, sizeof what);
        run_list(fresh_reader(n), list_quotes, &f, after, what);
    }
}

static int logged;

static void count_log(const char *message)
{
    (void)message;
    logged++;
}

/* A worker thread keeps one reader for the life of the server, so over
 * time it runs every query a handler can build, then reads records. */
Test(db, one_reader_serves_every_list_query_a_handler_can_make)
{
    struct db *db = open_with_sample();
    db_set_logger(count_log); /* one line per failure would bury the report */
    struct filter_ids ids = filter_ids(db);
    int failed = 0, total = 0;
    char first[256] = "";

    for (int n = 0; n < ARTICLE_COMBOS + ENTITY_COMBOS + AGREEMENT_COMBOS + QUOTE_COMBOS; n++) {
        struct article_filter af;
        struct entity_filter ef;
        struct agreement_filter gf;
        struct quote_filter qf;
        const struct keyset *after;
        json_t *items = NULL;
        struct keyset next;
        enum db_status rc;
        char what[160];
        int k = n;

        if (k < ARTICLE_COMBOS) {
            after = article_combo(k, &ids, &af, what, sizeof what);
            rc = db_article_list(db, &af, after, 20, &items, &next);
        } else if ((k -= ARTICLE_COMBOS) < ENTITY_COMBOS) {
            after = entity_combo(k, &ef, what, sizeof what);
            rc = db_entity_list(db, &ef, after, 20, &items, &next);
        } else if ((k -= ENTITY_COMBOS) < AGREEMENT_COMBOS) {
            after = agreement_combo(k, &ids, &gf, what, sizeof what);
            rc = db_agreement_list(db, &gf, after, 20, &items, &next);
        } else {
            k -= AGREEMENT_COMBOS;
            after = quote_combo(k, &ids, &qf, what, sizeof what);
            rc = db_quote_list(db, &qf, after, 20, &items, &next);
        }
        json_decref(items);
        total++;
        if (rc != DB_OK && failed++ == 0)
            snprintf(first, sizeof first, "query #%d (%s): status %d", total, what, (int)rc);
    }
    cr_expect_eq(failed, 0, "%d of %d list queries failed on one connection; the first: %s", failed,
                 total, first);

    json_t *gates = NULL;
    int64_t id = 0;
    cr_expect_eq(db_resolve(db, KIND_ENTITY, "robert-gates", &id), DB_OK,
                 "a lookup after every list query");
    cr_expect_eq(db_entity_get(db, ids.entity, &gates), DB_OK, "a record after every list query");
    json_decref(gates);
    cr_expect(db_ping(db), "readiness after every list query");
    db_set_logger(NULL);
    cr_expect_eq(logged, 0, "db/ logged %d errors", logged);
}

static int64_t version_in_snapshot(struct db *db)
{
    int64_t v = -1;
    cr_assert_eq(db_snapshot_begin(db), DB_OK);
    cr_assert_eq(db_store_version(db, &v), DB_OK);
    db_snapshot_end(db);
    return v;
}

/* db_store_version_now answers from the WAL-index header while nothing was
 * committed; every commit, ours or another process's, and a WAL restart
 * must show. */
Test(db, the_version_read_without_a_transaction_follows_every_commit)
{
    struct db *db = open_with_sample();
    int64_t v = -1, again = -1;
    cr_assert_eq(db_store_version_now(db, &v), DB_OK);
    cr_assert_eq(v, version_in_snapshot(db));
    cr_assert_eq(db_store_version_now(db, &again), DB_OK);
    cr_assert_eq(again, v);

    /* A write through the store. */
    enum db_status status;
    struct db *w = db_write_begin(store, &status);
    cr_assert_not_null(w);
    cr_assert_eq(db_write_commit(store, w), DB_OK);
    cr_assert_eq(db_store_version_now(db, &again), DB_OK);
    cr_assert_eq(again, v + 1);

    /* Another connection, as another process would write, then a
     * checkpoint that restarts the WAL, then one more write. */
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(path, &raw), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(raw, "UPDATE store_meta SET version = version + 5", NULL, NULL, NULL),
                 SQLITE_OK);
    cr_assert_eq(db_store_version_now(db, &again), DB_OK);
    cr_assert_eq(again, v + 6);
    cr_assert_eq(sqlite3_exec(raw, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), SQLITE_OK);
    cr_assert_eq(db_store_version_now(db, &again), DB_OK);
    cr_assert_eq(again, v + 6);
    cr_assert_eq(sqlite3_exec(raw, "UPDATE store_meta SET version = version + 1", NULL, NULL, NULL),
                 SQLITE_OK);
    cr_assert_eq(db_store_version_now(db, &again), DB_OK);
    cr_assert_eq(again, v + 7);
    cr_assert_eq(again, version_in_snapshot(db));
    sqlite3_close(raw);
}

/* Whether any process holds the store's WAL-index "dead man switch": the
 * byte of the -shm file (offset 128) that SQLite's unix VFS keeps locked
 * shared in every process with the store open. A process that finds it
 * free takes the store for unopened and resets the file. Asked from a
 * child: a process never sees its own POSIX locks. */
static bool wal_index_claimed(void)
{
    char shm[320];
    snprintf(shm, sizeof shm, "%s-shm", path);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        int fd = open(shm, O_RDWR);
        struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 128, .l_len = 1};
        bool claimed = fd >= 0 && fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
        _exit(claimed ? 0 : 1);
    }
    int status = 0;
    cr_assert_eq(waitpid(child, &status, 0), child);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Reading the version from the WAL-index header must leave SQLite's locks
 * on the -shm file alone: a descriptor of our own, closed, would drop them
 * all (POSIX locks are the process's), and the next process to open the
 * store would reset the WAL-index under the server's readers (a SIGBUS
 * under load). */
Test(db, reading_the_version_now_keeps_the_stores_locks)
{
    struct db *db = open_with_sample();
    int64_t v = -1;
    cr_assert_eq(db_snapshot_begin(db), DB_OK);
    cr_assert_eq(db_store_version(db, &v), DB_OK);
    db_snapshot_end(db);
    cr_assert(wal_index_claimed(), "no process holds the WAL-index after a read");
    int64_t now = -1;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(db_store_version_now(db, &now), DB_OK);
        cr_assert_eq(now, v);
    }
    cr_assert(wal_index_claimed(), "the version check dropped this process's locks");
}

/* ---- snapshots kept between requests (db/conn.h) ------------------------ */

/* One request's read on the thread's reader: begin, read the version,
 * leave, park. */
static int64_t read_as_a_request(void)
{
    struct db *db = store_reader(store);
    int64_t v = -1;
    cr_assert_eq(db_snapshot_begin(db), DB_OK);
    cr_assert_eq(db_store_version(db, &v), DB_OK);
    db_snapshot_leave(db);
    store_reader_park(store);
    return v;
}

static void commit_nothing(void)
{
    enum db_status status;
    struct db *w = db_write_begin(store, &status);
    cr_assert_not_null(w);
    cr_assert_eq(db_write_commit(store, w), DB_OK);
}

Test(db, a_reader_resumes_its_snapshot_until_a_commit_comes)
{
    struct db *db = open_with_sample();
    int64_t v = read_as_a_request();
    /* Parked between the two, the snapshot may be ended by the
     * checkpointer's tick: one of a few tries must find it resumed. */
    bool resumed = false;
    for (int i = 0; i < 3 && !resumed; i++) {
        cr_assert_eq(read_as_a_request(), v);
        cr_assert_eq(store_reader(store), db);
        resumed = conn_snapshot_open(db);
        int64_t now = -1;
        cr_assert_eq(db_store_version_now(db, &now), DB_OK);
        cr_assert_eq(now, v);
        store_reader_park(store);
    }
    cr_assert(resumed, "no snapshot was kept from one request to the next");

    /* A commit: the next request starts afresh and sees it. */
    commit_nothing();
    cr_assert_eq(store_reader(store), db);
    cr_assert(!conn_snapshot_open(db), "a snapshot from before the commit was resumed");
    int64_t now = -1;
    cr_assert_eq(db_store_version_now(db, &now), DB_OK);
    cr_assert_eq(now, v + 1);
    store_reader_park(store);
    cr_assert_eq(read_as_a_request(), v + 1);
}

Test(db, the_checkpointer_ends_a_parked_snapshot_within_seconds)
{
    struct db *db = open_with_sample();
    (void)read_as_a_request();
    cr_assert(conn_snapshot_open(db), "the snapshot was not kept");
    /* It holds back the WAL's copy: the checkpointer's tick ends it. */
    for (int waited = 0; waited < 5000 && conn_snapshot_open(db); waited += 20)
        usleep(20 * 1000);
    cr_assert(!conn_snapshot_open(db), "a parked snapshot was still open after 5 s");
    /* And the reader carries on with a new one. */
    commit_nothing();
    int64_t fresh = read_as_a_request();
    cr_assert_eq(store_reader(store), db);
    cr_assert_eq(fresh, version_in_snapshot(db));
}

/* Snapshots that outlive their requests would leave the WAL no moment to
 * start over under steady writes: past the checkpointer's length, reads
 * end theirs as before, until writes pause and the WAL starts over. */
Test(db, no_snapshot_is_kept_while_the_wal_is_long_and_they_are_again_after_it_restarts)
{
    struct db *db = open_with_sample();
    (void)read_as_a_request();
    cr_assert_eq(store_reader(store), db);
    store_reader_park(store);

    /* 1,200 pages in one commit, from a connection of the test's own (as
     * another process would write): no checkpoint of ours runs. */
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(path, &raw), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(raw,
                              "PRAGMA wal_autocheckpoint = 0;"
                              "CREATE TABLE filler (b BLOB);"
                              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                              " WHERE i < 1200) INSERT INTO filler SELECT randomblob(4000) FROM n",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(raw));
    sqlite3_close(raw);
    (void)read_as_a_request();
    cr_assert_eq(store_reader(store), db);
    cr_assert(!conn_snapshot_open(db), "a snapshot was kept with over 1,000 frames in the WAL");
    store_reader_park(store);

    /* No write of ours follows: within a tick or two the checkpointer
     * copies the WAL back and starts it over, and snapshots are kept
     * again. */
    bool kept = false;
    for (int waited = 0; waited < 5000 && !kept; waited += 50) {
        (void)read_as_a_request();
        cr_assert_eq(store_reader(store), db);
        kept = conn_snapshot_open(db);
        store_reader_park(store);
        if (!kept)
            usleep(50 * 1000);
    }
    cr_assert(kept, "the WAL was still too long for a kept snapshot after 5 s without writes");
}

Test(db, a_read_only_stores_readers_end_every_snapshot)
{
    (void)open_with_sample();
    store_close(store);
    store = open_at(true, NULL);
    struct db *db = store_reader(store);
    cr_assert_not_null(db);
    (void)read_as_a_request();
    cr_assert(!conn_snapshot_open(db), "no checkpointer would ever end it");
}

/* The writer behind the article document: every string reads back as
 * itself, wherever in an 8-byte word its escapes fall, and every integer
 * as its value. */
Test(db, json_text_writes_strings_and_integers_that_read_back_the_same)
{
    char input[64];
    for (int special = 0; special < 256; special++) {
        /* Each byte that may need an escape, at every offset of a word,
         * in plain ASCII and beside UTF-8 (é). */
        unsigned char c = (unsigned char)special;
        if (c == 0 || c >= 0x80)
            continue;
        for (size_t at = 0; at < 19; at++) {
            size_t n = 0;
            for (size_t i = 0; i < at; i++)
                input[n++] = (char)('a' + i % 26);
            input[n++] = (char)c;
            memcpy(input + n, "tail \xc3\xa9 end", 11);
            n += 11;
            struct json_text t = {0};
            json_text_string(&t, input, n);
            cr_assert_not(t.failed);
            cr_assert_eq(strlen(t.text), t.len);
            json_error_t err;
            json_t *back = json_loadb(t.text, t.len, JSON_DECODE_ANY, &err);
            cr_assert_not_null(back, "byte %#x at %zu: %s (%s)", c, at, err.text, t.text);
            cr_assert_eq(json_string_length(back), n, "byte %#x at %zu", c, at);
            cr_assert(memcmp(json_string_value(back), input, n) == 0, "byte %#x at %zu", c, at);
            json_decref(back);
            free(t.text);
        }
    }
    static const int64_t numbers[] = {0, 7, -7, 10, 1234567890123LL, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        struct json_text t = {0};
        json_text_int(&t, numbers[i]);
        char expected[32];
        snprintf(expected, sizeof expected, "%lld", (long long)numbers[i]);
        cr_assert_str_eq(t.text, expected);
        free(t.text);
    }
}

/* GET /v1/articles/{id} answers with the document db_article_document writes; every other
 * read of an article (and the tests of its members) uses db_article_get.
 * The two must be the same JSON for every article, with control characters,
 * quotes, backslashes and non-ASCII text in it, and with empty lists. */
Test(db, the_article_document_sqlite_writes_equals_the_built_one)
{
    char err[512];
    struct db *db = open_with_sample();
    cr_assert_eq(load_json("{\"articles\": [{\"slug\": \"odd-text\", \"title\": \"Odd \\\"text\\\"\","
                           " \"source\": \"W\\\\ire\", \"published_at\": \"2011-02-03T04:05:06Z\","
                           " \"body\": \"Line one\\nline two\\ttabbed \\u00e9\\u2028 \\ud83d\\ude00 </script>\"}]}",
                           err, sizeof err),
                 DB_OK, "%s", err);
    int compared = 0;
    for (int64_t id = 1; id <= 10; id++) {
        json_t *built = NULL;
        enum db_status rc = db_article_get(db, id, &built);
        char *text = NULL, updated[40];
        size_t len = 0;
        enum db_status doc_rc = db_article_document(db, id, &text, &len, updated, sizeof updated);
        cr_assert_eq(doc_rc, rc, "article %lld", (long long)id);
        if (rc != DB_OK)
            continue;
        cr_assert_eq(strlen(text), len);
        json_error_t jerr;
        json_t *written = json_loads(text, 0, &jerr);
        cr_assert_not_null(written, "article %lld: %s\n%s", (long long)id, jerr.text, text);
        char *a = json_dumps(built, JSON_COMPACT), *b = json_dumps(written, JSON_COMPACT);
        cr_assert_str_eq(b, a, "article %lld differs", (long long)id);
        cr_assert_str_eq(updated, json_string_value(json_object_get(built, "updated_at")));
        free(a);
        free(b);
        json_decref(written);
        json_decref(built);
        free(text);
        compared++;
    }
    cr_assert_eq(compared, 4, "the sample's three articles and the odd one");
}

/* A new record of each kind takes the version the store has in its
 * transaction (migration 8: from its own INSERT, no longer from a trigger
 * that wrote the row again), so its ETag matches no version before. */
Test(db, a_new_record_of_each_kind_takes_the_store_version_of_its_write)
{
    struct db *db = open_with_sample();
    static const char *const records[] = {
        "{\"name\": \"Versioned Person\", \"type\": \"person\"}",
        "{\"title\": \"Versioned article\", \"source\": \"Wire\", \"published_at\": \"2011-01-01\","
        " \"body\": \"Words.\"}",
        "{\"article\": \"versioned-article\", \"speaker\": \"versioned-person\","
        " \"text\": \"Versioned words.\"}",
        "{\"title\": \"Versioned accord\", \"kind\": \"accord\", \"status\": \"signed\"}",
    };
    static const enum db_kind kinds[] = {KIND_ENTITY, KIND_ARTICLE, KIND_QUOTE, KIND_AGREEMENT};
    int64_t before = version_in_snapshot(db);
    enum db_status status;
    struct db *w = db_write_begin(store, &status);
    cr_assert_not_null(w);
    int64_t ids[4];
    for (size_t i = 0; i < 4; i++) {
        json_error_t jerr;
        json_t *rec = json_loads(records[i], 0, &jerr);
        cr_assert_not_null(rec, "%s", jerr.text);
        struct record_error err;
        cr_assert(db_record_create(w, kinds[i], rec, &ids[i], &err), "%s %s", err.field,
                  err.message);
        json_decref(rec);
    }
    cr_assert_eq(db_write_commit(store, w), DB_OK);
    int64_t after = version_in_snapshot(db);
    cr_assert_eq(after, before + 1);
    for (size_t i = 0; i < 4; i++) {
        int64_t version = -1;
        cr_assert_eq(db_record_version(db, kinds[i], ids[i], &version), DB_OK);
        cr_assert_eq(version, after, "kind %d: version %lld, store %lld", kinds[i],
                     (long long)version, (long long)after);
    }
}

static off_t file_size(const char *file)
{
    struct stat st;
    return stat(file, &st) == 0 ? st.st_size : 0;
}

/* The checkpointer copies the WAL back into the database file while writes
 * go on, long before the WAL reaches its bound (8,000 pages, where a
 * commit would copy it itself): the database file grows while the WAL is
 * still a fraction of that. */
Test(db, the_checkpointer_copies_the_wal_back_while_writes_go_on)
{
    open_with_sample();
    char wal[320];
    snprintf(wal, sizeof wal, "%s-wal", path);
    off_t start = file_size(path);
    /* Each article's body takes a page of its own, and its words several
     * more in the index: about 10 WAL frames a write. */
    char body[4000];
    for (size_t i = 0; i + 1 < sizeof body; i++)
        body[i] = i % 9 == 8 ? ' ' : (char)('a' + (i * 7 + i / 9) % 26);
    body[sizeof body - 1] = '\0';
    const off_t bound = (off_t)4000 * (4096 + 24);
    int writes = 0;
    for (; writes < 2000 && file_size(path) == start; writes++) {
        cr_assert_lt(file_size(wal), bound, "after %d writes the WAL is %lld bytes, the file %lld",
                     writes, (long long)file_size(wal), (long long)file_size(path));
        char title[64];
        snprintf(title, sizeof title, "Checkpoint %d", writes);
        json_t *rec = json_pack("{s:s, s:s, s:s, s:s}", "title", title, "source", "Wire",
                                "published_at", "2012-01-01", "body", body);
        cr_assert_not_null(rec);
        enum db_status status;
        struct db *w = db_write_begin(store, &status);
        cr_assert_not_null(w);
        int64_t id;
        struct record_error err;
        cr_assert(db_record_create(w, KIND_ARTICLE, rec, &id, &err), "%s", err.message);
        cr_assert_eq(db_write_commit(store, w), DB_OK);
        json_decref(rec);
        /* The copy runs on its own thread: give it a moment to land. */
        for (int wait = 0; wait < 20 && file_size(path) == start && writes % 50 == 49; wait++)
            usleep(10000);
    }
    cr_assert_gt(file_size(path), start, "%d writes and the database file never grew", writes);
}
