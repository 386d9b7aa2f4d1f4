/* Extraction on ingest over HTTP (issue 6): POST /v1/articles runs the
 * extractor and stores what it finds, linked to the store's records, with
 * offsets that slice the body to what was named; ?extract=false does not;
 * offsets written by hand are checked like any field. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/http.h"
#include "support/test_server.h"

static struct test_server *ts;

static void start(void)
{
    ts = test_server_start();
}

static void stop(void)
{
    test_server_stop(ts);
}

TestSuite(extraction, .init = start, .fini = stop, .timeout = 30);

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static json_int_t num(const json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

static const json_t *find_by(const json_t *list, const char *key, const char *value)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
        if (str(item, key) != NULL && strcmp(str(item, key), value) == 0)
            return item;
    return NULL;
}

/* The shared gold annotation's article as a POST body (title, source,
 * date, body: the text itself stays in ../shared). */
static char *shared_article(const char *file)
{
    const char *shared = getenv("WIREBASE_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/eval/%s", shared ? shared : "../shared", file);
    json_t *gold = json_load_file(path, 0, NULL);
    cr_assert_not_null(gold, "cannot read %s", path);
    json_t *post = json_pack("{s:O, s:O, s:O, s:O}", "title", json_object_get(gold, "title"),
                             "source", json_object_get(gold, "source"), "published_at",
                             json_object_get(gold, "published_at"), "body",
                             json_object_get(gold, "body"));
    char *text = json_dumps(post, 0);
    json_decref(post);
    json_decref(gold);
    return text;
}

/* body[start, end) in code points, as a new string. */
static char *slice(const char *body, json_int_t start, json_int_t end)
{
    const char *p = body, *from = NULL;
    json_int_t cp = 0;
    for (; *p; p++) {
        if (((unsigned char)*p & 0xC0) == 0x80)
            continue;
        if (cp == start)
            from = p;
        if (cp == end)
            break;
        cp++;
    }
    cr_assert_not_null(from, "offset %lld is outside the body", (long long)start);
    cr_assert_eq(cp, end, "offset %lld is outside the body", (long long)end);
    return strndup(from, (size_t)(p - from));
}

static json_t *post(const char *path, const char *json, long status)
{
    struct http_result res = http_write(ts, "POST", path, json, NULL);
    cr_assert_eq(res.status, status, "POST %s: expected %ld, got %ld: %s", path, status,
                 res.status, res.body);
    json_t *body = json_incref(res.json);
    http_result_free(&res);
    return body;
}

Test(extraction, a_posted_article_comes_back_with_its_entities_quotes_and_agreements)
{
    char *article = shared_article("seed.json");
    json_t *doc = post("/v1/articles", article, 201);
    free(article);
    const char *body = str(doc, "body");
    const json_t *entities = json_object_get(doc, "entities");

    /* Known people are the store's own records, not new ones. */
    const json_t *gates = find_by(entities, "slug", "robert-gates");
    cr_assert_not_null(gates);
    cr_assert_gt(num(gates, "mention_count"), 3);
    cr_assert_not_null(find_by(entities, "slug", "anatoly-serdyukov"));
    cr_assert_null(find_by(entities, "slug", "robert-gates-2"));
    /* Names the store did not know are new entities, typed. */
    const json_t *oliker = find_by(entities, "name", "Olga Oliker");
    cr_assert_not_null(oliker);
    cr_assert_str_eq(str(oliker, "type"), "person");

    /* Every mention slices the body to the entity's name or an alias. */
    size_t i, k;
    json_t *e, *m;
    json_array_foreach(entities, i, e) {
        json_t *entity = NULL;
        char path[256];
        snprintf(path, sizeof path, "/v1/entities/%s", str(e, "slug"));
        struct http_result res = http_get(ts, path);
        cr_assert_eq(res.status, 200);
        entity = json_incref(res.json);
        http_result_free(&res);
        json_array_foreach(json_object_get(e, "mentions"), k, m) {
            if (strcmp(str(m, "field"), "body") != 0)
                continue;
            char *text = slice(body, num(m, "start"), num(m, "end"));
            bool named = strcasecmp(text, str(entity, "name")) == 0;
            size_t a;
            json_t *alias;
            json_array_foreach(json_object_get(entity, "aliases"), a, alias)
                named |= strcasecmp(text, json_string_value(alias)) == 0;
            cr_assert(named, "\"%s\" is not a name of %s", text, str(entity, "name"));
            free(text);
        }
        json_decref(entity);
    }

    /* Quotes, with speakers, sliced from the body. */
    const json_t *quotes = json_object_get(doc, "quotes");
    cr_assert_geq(json_array_size(quotes), 8);
    json_t *q;
    json_array_foreach(quotes, i, q) {
        char *text = slice(body, num(q, "start"), num(q, "end"));
        cr_assert_str_eq(text, str(q, "text"));
        free(text);
    }
    bool threat = false;
    json_array_foreach(quotes, i, q)
        if (strstr(str(q, "text"), "see Russia as a threat") != NULL)
            threat = strcmp(str(json_object_get(q, "speaker"), "slug"), "robert-gates") == 0;
    cr_assert(threat, "Gates says he does not see Russia as a threat");

    /* The memorandum, signed that day by both ministers, replacing the
     * 1993 accord; New START is the store's, linked by its acronym. */
    const json_t *agreements = json_object_get(doc, "agreements");
    const json_t *memo = find_by(agreements, "kind", "memorandum");
    cr_assert_not_null(memo);
    cr_assert_str_eq(str(memo, "signed_on"), "2010-09-15");
    char path[256];
    snprintf(path, sizeof path, "/v1/agreements/%s", str(memo, "slug"));
    struct http_result res = http_get(ts, path);
    cr_assert_eq(res.status, 200);
    const json_t *signatories = json_object_get(res.json, "signatories");
    cr_assert_not_null(find_by(signatories, "slug", "robert-gates"), "%s", res.body);
    cr_assert_not_null(find_by(signatories, "slug", "anatoly-serdyukov"), "%s", res.body);
    cr_assert_not_null(json_object_get(res.json, "supersedes"));
    cr_assert(!json_is_null(json_object_get(res.json, "supersedes")), "%s", res.body);
    http_result_free(&res);
    cr_assert_not_null(find_by(agreements, "slug", "new-start-treaty"));
    json_decref(doc);
}

Test(extraction, extract_false_stores_the_article_as_sent)
{
    const char *article = "{\"title\": \"Gates meets Stoltenberg\", \"source\": \"Wire\","
                          " \"published_at\": \"2024-01-02\", \"body\": \"Robert Gates met"
                          " Jens Stoltenberg, NATO's secretary general, and Olga Oliker, an"
                          " analyst at the Rand Corporation, in Moscow.\"}";
    json_t *doc = post("/v1/articles?extract=false", article, 201);
    cr_assert_eq(json_array_size(json_object_get(doc, "entities")), 0);
    cr_assert_eq(json_array_size(json_object_get(doc, "quotes")), 0);
    json_decref(doc);
    /* The sample has Gates and Oliker; Stoltenberg would be new. */
    struct http_result res = http_get(ts, "/v1/entities?q=jens+stoltenberg");
    cr_assert_eq(res.status, 200, "%s", res.body);
    cr_assert_eq(json_array_size(json_object_get(res.json, "data")), 0, "%s", res.body);
    http_result_free(&res);

    /* The same article with extraction: Gates and Oliker are linked,
     * Stoltenberg is new. */
    doc = post("/v1/articles", article, 201);
    const json_t *entities = json_object_get(doc, "entities");
    cr_assert_not_null(find_by(entities, "slug", "robert-gates"));
    cr_assert_not_null(find_by(entities, "slug", "olga-oliker"));
    cr_assert_not_null(find_by(entities, "slug", "rand-corporation"));
    const json_t *jens = find_by(entities, "name", "Jens Stoltenberg");
    cr_assert_not_null(jens, "%s", json_dumps(entities, 0));
    cr_assert_str_eq(str(jens, "type"), "person");
    json_decref(doc);
    res = http_get(ts, "/v1/entities?q=jens+stoltenberg");
    cr_assert_eq(json_array_size(json_object_get(res.json, "data")), 1, "%s", res.body);
    http_result_free(&res);
}

Test(extraction, a_bad_extract_value_is_a_problem_naming_the_parameter)
{
    struct http_result res = http_write(ts, "POST", "/v1/articles?extract=maybe",
                                        "{\"title\": \"T\", \"source\": \"S\","
                                        " \"published_at\": \"2024-01-02\", \"body\": \"B.\"}",
                                        NULL);
    cr_assert_eq(res.status, 400, "%s", res.body);
    cr_assert_str_eq(http_header(&res, "Content-Type"), "application/problem+json");
    cr_assert_not_null(strstr(res.body, "\"extract\""), "%s", res.body);
    http_result_free(&res);
    /* Nothing was stored. */
    res = http_get(ts, "/v1/articles/t");
    cr_assert_eq(res.status, 404);
    http_result_free(&res);
}

Test(extraction, offsets_written_by_hand_are_checked_and_kept)
{
    /* The body has 19 code points; an end past it is refused, by field. */
    const char *bad = "{\"title\": \"Spans\", \"source\": \"S\", \"published_at\": \"2024-01-02\","
                      " \"body\": \"Robert Gates spoke.\", \"mentions\": [{\"entity\":"
                      " \"robert-gates\", \"spans\": [{\"field\": \"body\", \"start\": 0,"
                      " \"end\": 40}]}]}";
    struct http_result res = http_write(ts, "POST", "/v1/articles?extract=false", bad, NULL);
    cr_assert_eq(res.status, 400, "%s", res.body);
    cr_assert_not_null(strstr(res.body, "mentions[0].spans[0].end"), "%s", res.body);
    http_result_free(&res);
    res = http_get(ts, "/v1/articles/spans");
    cr_assert_eq(res.status, 404);
    http_result_free(&res);

    const char *good = "{\"title\": \"Spans\", \"source\": \"S\", \"published_at\": \"2024-01-02\","
                       " \"body\": \"Robert Gates spoke.\", \"mentions\": [{\"entity\":"
                       " \"robert-gates\", \"spans\": [{\"field\": \"body\", \"start\": 0,"
                       " \"end\": 12}]}]}";
    json_t *doc = post("/v1/articles?extract=false", good, 201);
    const json_t *gates = find_by(json_object_get(doc, "entities"), "slug", "robert-gates");
    cr_assert_not_null(gates);
    const json_t *span = json_array_get(json_object_get(gates, "mentions"), 0);
    cr_assert_eq(num(span, "start"), 0);
    cr_assert_eq(num(span, "end"), 12);
    json_decref(doc);

    /* A quote's offsets must lie in its article's body. */
    res = http_write(ts, "POST", "/v1/quotes",
                     "{\"article\": \"spans\", \"speaker\": \"robert-gates\", \"text\": \"spoke\","
                     " \"start\": 13, \"end\": 99}", NULL);
    cr_assert_eq(res.status, 400, "%s", res.body);
    cr_assert_not_null(strstr(res.body, "\"end\""), "%s", res.body);
    http_result_free(&res);
}

Test(extraction, an_agreement_the_store_has_is_linked_not_made_twice)
{
    const char *article = "{\"title\": \"Senate and START\", \"source\": \"Wire\","
                          " \"published_at\": \"2010-11-20\", \"body\": \"US officials urged the"
                          " Senate to ratify the new Strategic Arms Reduction Treaty (START)"
                          " with Russia before the end of the year.\"}";
    json_t *doc = post("/v1/articles", article, 201);
    const json_t *agreements = json_object_get(doc, "agreements");
    cr_assert_eq(json_array_size(agreements), 1, "%s", json_dumps(agreements, 0));
    cr_assert_str_eq(str(json_array_get(agreements, 0), "slug"), "new-start-treaty");
    json_decref(doc);
}

/* The stored answer to an Idempotency-Key is the reply with what extraction
 * found; the replay stores nothing twice. */
Test(extraction, an_idempotent_replay_returns_the_extraction_and_stores_it_once)
{
    const char *article = "{\"title\": \"Stoltenberg in Moscow\", \"source\": \"Wire\","
                          " \"published_at\": \"2024-01-02\", \"body\": \"Jens Stoltenberg,"
                          " NATO's secretary general, met Robert Gates in Moscow.\"}";
    const char *const key[] = {"Idempotency-Key: extract-once", NULL};
    struct http_result first = http_write(ts, "POST", "/v1/articles", article, key);
    cr_assert_eq(first.status, 201, "%s", first.body);
    const json_t *entities = json_object_get(first.json, "entities");
    cr_assert_not_null(find_by(entities, "name", "Jens Stoltenberg"));
    struct http_result again = http_write(ts, "POST", "/v1/articles", article, key);
    cr_assert_eq(again.status, 201, "%s", again.body);
    cr_assert_str_eq(http_header(&again, "Idempotent-Replayed"), "true");
    cr_assert_eq(first.body_len, again.body_len);
    cr_assert(memcmp(first.body, again.body, first.body_len) == 0, "the replay differs");
    http_result_free(&first);
    http_result_free(&again);

    struct http_result res = http_get(ts, "/v1/entities?q=jens+stoltenberg");
    cr_assert_eq(json_array_size(json_object_get(res.json, "data")), 1, "%s", res.body);
    http_result_free(&res);
    res = http_get(ts, "/v1/articles?entity=robert-gates&since=2024-01-01");
    cr_assert_eq(json_array_size(json_object_get(res.json, "data")), 1, "%s", res.body);
    http_result_free(&res);
}

/* Mentions the client lists keep the client's counts; extraction adds
 * where the article names them. */
Test(extraction, the_clients_mention_counts_stand_and_gain_spans)
{
    json_t *doc = post("/v1/articles",
                       "{\"title\": \"Gates\", \"source\": \"Wire\", \"published_at\":"
                       " \"2024-01-02\", \"body\": \"Robert Gates spoke in Moscow.\","
                       " \"mentions\": [{\"entity\": \"robert-gates\", \"count\": 7}]}",
                       201);
    const json_t *gates = find_by(json_object_get(doc, "entities"), "slug", "robert-gates");
    cr_assert_not_null(gates);
    cr_assert_eq(num(gates, "mention_count"), 7);
    const json_t *span = find_by(json_object_get(gates, "mentions"), "field", "body");
    cr_assert_not_null(span, "%s", json_dumps(gates, 0));
    cr_assert_eq(num(span, "start"), 0);
    cr_assert_eq(num(span, "end"), 12);
    const json_t *moscow = find_by(json_object_get(doc, "entities"), "slug", "moscow");
    cr_assert_not_null(moscow);
    cr_assert_eq(num(moscow, "mention_count"), 1);
    json_decref(doc);
}
