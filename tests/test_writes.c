/* The write API over HTTP: create, merge-patch and delete every resource,
 * entity aliases and merge, slugs, Idempotency-Key, If-Match, API keys, a
 * read-only server, concurrent writers, and the table of bad input that
 * must get a clear error and change nothing. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "db/keys.h"
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

TestSuite(writes, .init = start, .fini = stop, .timeout = 30);

/* ---- helpers ----------------------------------------------------------- */

#define ARTICLE_1 "us-russian-defense-chiefs-promote-deeper-ties"
#define MEMORANDUM "us-russia-defense-cooperation-memorandum-2010"
#define ACCORD "us-russia-defense-cooperation-accord-1993"

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static json_int_t num(const json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

/* GET path, which must answer `status`; the parsed body (caller frees) or
 * NULL when the answer is not JSON. */
static json_t *get(const char *path, long status)
{
    struct http_result res = http_get(ts, path);
    cr_assert_eq(res.status, status, "GET %s: expected %ld, got %ld: %s", path, status,
                 res.status, res.body);
    json_t *body = json_incref(res.json);
    http_result_free(&res);
    return body;
}

/* A write with the admin key that must answer `status`; returns the body
 * (caller frees). */
static json_t *write_ok(const char *method, const char *path, const char *json, long status)
{
    struct http_result res = http_write(ts, method, path, json, NULL);
    cr_assert_eq(res.status, status, "%s %s %s: expected %ld, got %ld: %s", method, path,
                 json ? json : "", status, res.status, res.body);
    json_t *body = json_incref(res.json);
    http_result_free(&res);
    return body;
}

/* True when the array holds an object whose "slug" is `slug`. */
static bool has_slug(const json_t *list, const char *slug)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
        if (str(item, "slug") != NULL && strcmp(str(item, "slug"), slug) == 0)
            return true;
    return false;
}

/* The item of the array whose "slug" is `slug` (borrowed), or NULL. */
static json_t *find_slug(const json_t *list, const char *slug)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
        if (str(item, "slug") != NULL && strcmp(str(item, "slug"), slug) == 0)
            return item;
    return NULL;
}

static bool has_string(const json_t *list, const char *text)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
        if (json_is_string(item) && strcmp(json_string_value(item), text) == 0)
            return true;
    return false;
}

/* An entity's current ETag from a GET. */
static void etag_of(const char *path, char *out, size_t outlen)
{
    struct http_result res = http_get(ts, path);
    cr_assert_eq(res.status, 200, "GET %s: %s", path, res.body);
    const char *etag = http_header(&res, "ETag");
    cr_assert_not_null(etag, "GET %s has no ETag", path);
    snprintf(out, outlen, "%s", etag);
    http_result_free(&res);
}

/* Asserts `etag` is a strong tag ("s<store version>-<16 hex>", no W/)
 * and the one a GET of `path` answers now. Versions are opaque: tests
 * compare them, never count. */
static void assert_current_etag(const char *etag, const char *path)
{
    char now[64];
    cr_assert_not_null(etag, "no ETag for %s", path);
    size_t len = strlen(etag);
    size_t digits = len > 3 ? strspn(etag + 2, "0123456789") : 0;
    cr_assert(len >= 21 && etag[0] == '"' && etag[1] == 's' && digits > 0 &&
                  etag[2 + digits] == '-' &&
                  strspn(etag + 3 + digits, "0123456789abcdef") == 16 && etag[len - 1] == '"',
              "not a strong version tag: %s", etag);
    etag_of(path, now, sizeof now);
    cr_assert_str_eq(etag, now, "%s: the write's ETag is not the one GET answers", path);
}

/* Asserts the store exports exactly as `before` did. */
static void assert_store_is(const char *before, size_t before_len, const char *what)
{
    size_t after_len;
    char *after = test_server_snapshot(ts, &after_len);
    cr_assert(after_len == before_len && memcmp(before, after, before_len) == 0,
              "%s changed the store (%zu bytes before, %zu after)", what, before_len, after_len);
    free(after);
}

/* ---- articles ---------------------------------------------------------- */

Test(writes, posting_an_article_answers_201_with_location_etag_and_the_article)
{
    struct http_result res = http_write(
        ts, "POST", "/v1/articles",
        "{\"title\": \"Gates visits Moscow\", \"body\": \"He went.\", \"source\": \"Wire\","
        " \"published_at\": \"2011-03-21T09:30:00Z\", \"url\": \"https://example.com/a\","
        " \"summary\": \"A visit.\","
        " \"mentions\": [{\"entity\": \"robert-gates\", \"count\": 3}, {\"entity\": \"moscow\"}]}",
        NULL);
    cr_assert_eq(res.status, 201, "%s", res.body);
    cr_assert_str_eq(http_header(&res, "Content-Type"), "application/json");
    cr_assert_str_eq(http_header(&res, "Location"), "/v1/articles/gates-visits-moscow");
    assert_current_etag(http_header(&res, "ETag"), "/v1/articles/gates-visits-moscow");
    cr_assert_gt(num(res.json, "id"), 0);
    cr_assert_str_eq(str(res.json, "slug"), "gates-visits-moscow");
    cr_assert_str_eq(str(res.json, "title"), "Gates visits Moscow");
    cr_assert_str_eq(str(res.json, "published_at"), "2011-03-21T09:30:00Z");
    cr_assert_str_eq(str(res.json, "url"), "https://example.com/a");
    json_t *gates = find_slug(json_object_get(res.json, "entities"), "robert-gates");
    cr_assert_not_null(gates);
    cr_assert_eq(num(gates, "mention_count"), 3);
    json_int_t id = num(res.json, "id");
    http_result_free(&res);

    /* Readable afterwards by slug and by id, with the same content. */
    json_t *article = get("/v1/articles/gates-visits-moscow", 200);
    cr_assert_eq(num(article, "id"), id);
    cr_assert_str_eq(str(article, "body"), "He went.");
    cr_assert_str_eq(str(article, "summary"), "A visit.");
    cr_assert_eq(num(find_slug(json_object_get(article, "entities"), "moscow"), "mention_count"), 1);
    json_decref(article);
    char path[64];
    snprintf(path, sizeof path, "/v1/articles/%lld", (long long)id);
    json_decref(get(path, 200));

    /* The mention counts reach the entities: 7 in the sample, 3 more now. */
    json_t *entity = get("/v1/entities/robert-gates", 200);
    cr_assert_eq(num(entity, "mention_count"), 10);
    cr_assert_eq(num(entity, "article_count"), 4);
    cr_assert(has_slug(json_object_get(entity, "articles"), "gates-visits-moscow"));
    json_decref(entity);
}

Test(writes, an_article_title_of_exactly_500_bytes_is_accepted)
{
    char title[501], json[700];
    memset(title, 'a', 500);
    title[500] = '\0';
    snprintf(json, sizeof json,
             "{\"title\": \"%s\", \"body\": \"b\", \"source\": \"s\","
             " \"published_at\": \"2010-01-01\"}",
             title);
    json_t *article = write_ok("POST", "/v1/articles", json, 201);
    cr_assert_eq(strlen(str(article, "title")), 500);
    json_decref(article);
}

Test(writes, patching_an_article_changes_the_given_fields_and_keeps_the_rest)
{
    char old_etag[40];
    etag_of("/v1/articles/" ARTICLE_1, old_etag, sizeof old_etag);
    json_t *before = get("/v1/articles/" ARTICLE_1, 200);
    struct http_result res =
        http_write(ts, "PATCH", "/v1/articles/" ARTICLE_1,
                   "{\"source\": \"AFP\", \"published_at\": \"2010-09-16\"}", NULL);
    cr_assert_eq(res.status, 200, "%s", res.body);
    cr_assert_str_neq(http_header(&res, "ETag"), old_etag, "a change is a new version");
    assert_current_etag(http_header(&res, "ETag"), "/v1/articles/" ARTICLE_1);
    cr_assert_str_eq(str(res.json, "source"), "AFP");
    cr_assert_str_eq(str(res.json, "published_at"), "2010-09-16");
    cr_assert_str_eq(str(res.json, "title"), str(before, "title"));
    cr_assert_str_eq(str(res.json, "body"), str(before, "body"));
    cr_assert_str_eq(str(res.json, "summary"), str(before, "summary"));
    /* The mentions stay as they were. */
    cr_assert_eq(json_array_size(json_object_get(res.json, "entities")),
                 json_array_size(json_object_get(before, "entities")));
    http_result_free(&res);
    json_decref(before);

    json_t *after = get("/v1/articles/" ARTICLE_1, 200);
    cr_assert_str_eq(str(after, "source"), "AFP");
    json_decref(after);
    /* Lists see the new date: the entity's articles are ordered by it. */
    json_t *list = get("/v1/articles?since=2010-09-16&until=2010-09-16", 200);
    cr_assert(has_slug(json_object_get(list, "data"), ARTICLE_1));
    json_decref(list);
}

Test(writes, a_merge_patch_content_type_is_accepted)
{
    const char *patch = "{\"summary\": \"Shorter.\"}";
    struct http_result res =
        http_send(ts, "PATCH", "/v1/articles/" ARTICLE_1, "application/merge-patch+json", patch,
                  strlen(patch), NULL);
    cr_assert_eq(res.status, 200, "%s", res.body);
    cr_assert_str_eq(str(res.json, "summary"), "Shorter.");
    http_result_free(&res);
}

Test(writes, patching_null_clears_an_optional_article_field)
{
    json_t *article = write_ok("PATCH", "/v1/articles/" ARTICLE_1,
                               "{\"summary\": null, \"url\": \"https://example.com/x\"}", 200);
    cr_assert(json_is_null(json_object_get(article, "summary")));
    cr_assert_str_eq(str(article, "url"), "https://example.com/x");
    json_decref(article);
    article = write_ok("PATCH", "/v1/articles/" ARTICLE_1, "{\"url\": null}", 200);
    cr_assert(json_is_null(json_object_get(article, "url")));
    json_decref(article);
    article = get("/v1/articles/" ARTICLE_1, 200);
    cr_assert(json_is_null(json_object_get(article, "summary")));
    cr_assert(json_is_null(json_object_get(article, "url")));
    json_decref(article);
}

Test(writes, patching_null_onto_a_required_field_is_400_naming_it)
{
    const char *fields[] = {"title", "body", "source", "published_at"};
    char before[64], etag[40];
    etag_of("/v1/articles/" ARTICLE_1, before, sizeof before);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char patch[64];
        snprintf(patch, sizeof patch, "{\"%s\": null}", fields[i]);
        struct http_result res = http_write(ts, "PATCH", "/v1/articles/" ARTICLE_1, patch, NULL);
        http_assert_problem(&res, 400, fields[i]);
        http_result_free(&res);
    }
    etag_of("/v1/articles/" ARTICLE_1, etag, sizeof etag);
    cr_assert_str_eq(etag, before, "a refused patch must not count as a version");
}

Test(writes, an_article_keeps_its_slug_when_its_title_changes)
{
    json_t *article = write_ok("PATCH", "/v1/articles/" ARTICLE_1,
                               "{\"title\": \"Something else entirely\"}", 200);
    cr_assert_str_eq(str(article, "slug"), ARTICLE_1);
    cr_assert_str_eq(str(article, "title"), "Something else entirely");
    json_decref(article);
    json_decref(get("/v1/articles/" ARTICLE_1, 200));
    json_decref(get("/v1/articles/something-else-entirely", 404));
}

Test(writes, an_explicit_slug_change_moves_the_article)
{
    json_t *article =
        write_ok("PATCH", "/v1/articles/" ARTICLE_1, "{\"slug\": \"defense-chiefs-2010\"}", 200);
    cr_assert_str_eq(str(article, "slug"), "defense-chiefs-2010");
    json_decref(article);
    json_decref(get("/v1/articles/defense-chiefs-2010", 200));
    json_decref(get("/v1/articles/" ARTICLE_1, 404));
    /* References follow the record, not the old slug. */
    json_t *quote = get("/v1/quotes/gates-russia-not-a-threat", 200);
    cr_assert_str_eq(str(json_object_get(quote, "article"), "slug"), "defense-chiefs-2010");
    json_decref(quote);
}

Test(writes, patching_mentions_replaces_them_and_the_counts_follow)
{
    json_t *article = write_ok(
        "PATCH", "/v1/articles/pentagon-advances-mi-17-purchase-for-afghan-forces",
        "{\"mentions\": [{\"entity\": \"olga-oliker\", \"count\": 5}]}", 200);
    cr_assert_eq(json_array_size(json_object_get(article, "entities")), 1);
    json_decref(article);
    json_t *oliker = get("/v1/entities/olga-oliker", 200);
    cr_assert_eq(num(oliker, "mention_count"), 7);
    cr_assert_eq(num(oliker, "article_count"), 2);
    json_decref(oliker);
    json_t *ferris = get("/v1/entities/daniel-ferris", 200);
    cr_assert_eq(num(ferris, "mention_count"), 0);
    cr_assert_eq(num(ferris, "article_count"), 0);
    json_decref(ferris);
}

Test(writes, deleting_an_article_is_204_and_then_it_is_gone)
{
    struct http_result res =
        http_write(ts, "DELETE", "/v1/articles/pentagon-advances-mi-17-purchase-for-afghan-forces",
                   NULL, NULL);
    cr_assert_eq(res.status, 204, "%s", res.body);
    cr_assert_eq(res.body_len, 0);
    http_result_free(&res);
    json_decref(get("/v1/articles/pentagon-advances-mi-17-purchase-for-afghan-forces", 404));
    res = http_write(ts, "DELETE", "/v1/articles/pentagon-advances-mi-17-purchase-for-afghan-forces",
                     NULL, NULL);
    http_assert_problem(&res, 404, NULL);
    http_result_free(&res);
}

Test(writes, deleting_an_article_removes_its_mentions_and_quotes_but_keeps_entities_and_agreements)
{
    json_t *res = write_ok("DELETE", "/v1/articles/" ARTICLE_1, NULL, 204);
    json_decref(res);

    /* Its quotes are gone... */
    json_decref(get("/v1/quotes/gates-russia-not-a-threat", 404));
    json_decref(get("/v1/quotes/oliker-reset-signal-is-huge", 404));
    json_t *quotes = get("/v1/quotes?speaker=robert-gates", 200);
    cr_assert_eq(json_array_size(json_object_get(quotes, "data")), 0);
    json_decref(quotes);
    /* ...the one from another article stays... */
    json_decref(get("/v1/quotes/ferris-fastest-way-into-the-air", 200));

    /* ...its mentions no longer count (4 of Gates's 7 were in it)... */
    json_t *gates = get("/v1/entities/robert-gates", 200);
    cr_assert_eq(num(gates, "mention_count"), 3);
    cr_assert_eq(num(gates, "article_count"), 2);
    cr_assert_not(has_slug(json_object_get(gates, "articles"), ARTICLE_1));
    json_decref(gates);
    /* ...an entity only it mentioned stays, with nothing counted. */
    json_t *oliker = get("/v1/entities/olga-oliker", 200);
    cr_assert_eq(num(oliker, "mention_count"), 0);
    cr_assert_eq(num(oliker, "quote_count"), 0);
    json_decref(oliker);

    /* The agreements stay and no longer list it. */
    json_t *memo = get("/v1/agreements/" MEMORANDUM, 200);
    cr_assert_not(has_slug(json_object_get(memo, "articles"), ARTICLE_1));
    cr_assert(has_slug(json_object_get(memo, "articles"),
                       "us-russian-defense-working-group-drafts-first-agenda"));
    json_decref(memo);
    json_decref(get("/v1/agreements/new-start-treaty", 200));
}

/* ---- entities ---------------------------------------------------------- */

Test(writes, posting_an_entity_answers_201_with_location_etag_and_the_entity)
{
    struct http_result res = http_write(
        ts, "POST", "/v1/entities",
        "{\"name\": \"Sergei Ivanov\", \"type\": \"person\", \"aliases\": [\"Ivanov\"],"
        " \"description\": \"Russian official.\"}",
        NULL);
    cr_assert_eq(res.status, 201, "%s", res.body);
    cr_assert_str_eq(http_header(&res, "Location"), "/v1/entities/sergei-ivanov");
    assert_current_etag(http_header(&res, "ETag"), "/v1/entities/sergei-ivanov");
    cr_assert_str_eq(str(res.json, "slug"), "sergei-ivanov");
    cr_assert_str_eq(str(res.json, "name"), "Sergei Ivanov");
    cr_assert_str_eq(str(res.json, "type"), "person");
    cr_assert(has_string(json_object_get(res.json, "aliases"), "Ivanov"));
    cr_assert_eq(num(res.json, "mention_count"), 0);
    http_result_free(&res);

    json_t *entity = get("/v1/entities/sergei-ivanov", 200);
    cr_assert_str_eq(str(entity, "description"), "Russian official.");
    json_decref(entity);
    /* Found by its alias in the list's name search. */
    json_t *list = get("/v1/entities?q=ivan", 200);
    cr_assert(has_slug(json_object_get(list, "data"), "sergei-ivanov"));
    json_decref(list);
}

Test(writes, patching_an_entity_merges_and_null_clears_the_description)
{
    char old_etag[40];
    etag_of("/v1/entities/olga-oliker", old_etag, sizeof old_etag);
    struct http_result res = http_write(ts, "PATCH", "/v1/entities/olga-oliker",
                                        "{\"name\": \"Olga A. Oliker\", \"description\": null}",
                                        NULL);
    cr_assert_eq(res.status, 200, "%s", res.body);
    cr_assert_str_neq(http_header(&res, "ETag"), old_etag);
    assert_current_etag(http_header(&res, "ETag"), "/v1/entities/olga-oliker");
    cr_assert_str_eq(str(res.json, "slug"), "olga-oliker", "the slug is stable");
    cr_assert_str_eq(str(res.json, "name"), "Olga A. Oliker");
    cr_assert(json_is_null(json_object_get(res.json, "description")));
    cr_assert_str_eq(str(res.json, "type"), "person");
    cr_assert(has_string(json_object_get(res.json, "aliases"), "Oliker"));
    cr_assert_eq(num(res.json, "quote_count"), 2);
    http_result_free(&res);

    json_t *entity = get("/v1/entities/olga-oliker", 200);
    cr_assert_str_eq(str(entity, "name"), "Olga A. Oliker");
    cr_assert(json_is_null(json_object_get(entity, "description")));
    json_decref(entity);
    json_decref(get("/v1/entities/olga-a-oliker", 404));
}

Test(writes, patching_null_onto_an_entitys_name_or_type_is_400)
{
    struct http_result res = http_write(ts, "PATCH", "/v1/entities/olga-oliker",
                                        "{\"name\": null}", NULL);
    http_assert_problem(&res, 400, "name");
    http_result_free(&res);
    res = http_write(ts, "PATCH", "/v1/entities/olga-oliker", "{\"type\": null}", NULL);
    http_assert_problem(&res, 400, "type");
    http_result_free(&res);
    json_t *entity = get("/v1/entities/olga-oliker", 200);
    cr_assert_str_eq(str(entity, "name"), "Olga Oliker");
    json_decref(entity);
}

Test(writes, an_explicit_slug_change_moves_the_entity_and_its_links_follow)
{
    json_t *entity = write_ok("PATCH", "/v1/entities/robert-gates", "{\"slug\": \"gates\"}", 200);
    cr_assert_str_eq(str(entity, "slug"), "gates");
    json_decref(entity);
    json_decref(get("/v1/entities/robert-gates", 404));
    json_decref(get("/v1/entities/gates", 200));
    json_t *memo = get("/v1/agreements/" MEMORANDUM, 200);
    cr_assert(has_slug(json_object_get(memo, "signatories"), "gates"));
    json_decref(memo);
}

Test(writes, patching_aliases_replaces_the_list)
{
    json_t *entity = write_ok("PATCH", "/v1/entities/united-states-senate",
                              "{\"aliases\": [\"The Senate\"]}", 200);
    json_t *aliases = json_object_get(entity, "aliases");
    cr_assert_eq(json_array_size(aliases), 1);
    cr_assert(has_string(aliases, "The Senate"));
    json_decref(entity);
    entity = write_ok("PATCH", "/v1/entities/united-states-senate", "{\"aliases\": null}", 200);
    cr_assert_eq(json_array_size(json_object_get(entity, "aliases")), 0);
    json_decref(entity);
}

Test(writes, deleting_an_entity_is_204_and_its_mentions_and_links_go_with_it)
{
    json_decref(write_ok("DELETE", "/v1/entities/pentagon", NULL, 204));
    json_decref(get("/v1/entities/pentagon", 404));
    json_t *article = get("/v1/articles/" ARTICLE_1, 200);
    cr_assert_not(has_slug(json_object_get(article, "entities"), "pentagon"));
    json_decref(article);
    /* A party link goes too; the agreement stays. */
    json_decref(write_ok("DELETE", "/v1/entities/central-asia", NULL, 204));
    json_t *deals = get("/v1/agreements/central-asia-airfield-supply-deals", 200);
    cr_assert_eq(json_array_size(json_object_get(deals, "parties")), 1);
    json_decref(deals);
    struct http_result res = http_write(ts, "DELETE", "/v1/entities/pentagon", NULL, NULL);
    http_assert_problem(&res, 404, NULL);
    http_result_free(&res);
}

Test(writes, deleting_an_entity_that_speaks_in_quotes_is_409_and_changes_nothing)
{
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    struct http_result res = http_write(ts, "DELETE", "/v1/entities/olga-oliker", NULL, NULL);
    http_assert_problem(&res, 409, NULL);
    cr_assert_not_null(strstr(str(res.json, "detail"), "2 quotes"), "%s", res.body);
    http_result_free(&res);
    assert_store_is(before, before_len, "a refused delete");
    free(before);

    /* Once its quotes are gone it can go. */
    json_decref(write_ok("DELETE", "/v1/quotes/oliker-reset-signal-is-huge", NULL, 204));
    json_decref(write_ok("DELETE", "/v1/quotes/oliker-how-countries-show-trust", NULL, 204));
    json_decref(write_ok("DELETE", "/v1/entities/olga-oliker", NULL, 204));
}

Test(writes, adding_aliases_appends_them_once)
{
    char before[64], etag[40];
    etag_of("/v1/entities/robert-gates", before, sizeof before);
    json_t *entity = write_ok("POST", "/v1/entities/robert-gates/aliases",
                              "{\"aliases\": [\"Bob Gates\", \"SecDef\", \"GATES\", \"robert gates\","
                              " \"Bob Gates\"]}",
                              200);
    json_t *aliases = json_object_get(entity, "aliases");
    /* "GATES" is the existing alias and "robert gates" the name, compared
     * without case; a repeat is one alias. */
    cr_assert_eq(json_array_size(aliases), 3, "%s", json_dumps(aliases, 0));
    cr_assert_str_eq(json_string_value(json_array_get(aliases, 0)), "Gates");
    cr_assert_str_eq(json_string_value(json_array_get(aliases, 1)), "Bob Gates");
    cr_assert_str_eq(json_string_value(json_array_get(aliases, 2)), "SecDef");
    json_decref(entity);

    entity = get("/v1/entities/robert-gates", 200);
    cr_assert_eq(json_array_size(json_object_get(entity, "aliases")), 3);
    json_decref(entity);
    etag_of("/v1/entities/robert-gates", etag, sizeof etag);
    cr_assert_str_neq(etag, before, "new aliases are a new version");
    json_t *list = get("/v1/entities?q=secdef", 200);
    cr_assert(has_slug(json_object_get(list, "data"), "robert-gates"));
    json_decref(list);
}

Test(writes, merging_an_entity_moves_every_link_to_the_target)
{
    /* A duplicate of Gates with a mention where Gates is mentioned too, one
     * where he is not, a quote, a party link and a signatory link. */
    json_decref(write_ok("POST", "/v1/entities",
                         "{\"name\": \"R. Gates\", \"type\": \"person\", \"aliases\": [\"Bob\"]}",
                         201));
    json_decref(write_ok("POST", "/v1/articles",
                         "{\"title\": \"Gates again\", \"body\": \"b\", \"source\": \"s\","
                         " \"published_at\": \"2010-10-01\", \"mentions\": ["
                         "{\"entity\": \"r-gates\", \"count\": 3},"
                         " {\"entity\": \"robert-gates\", \"count\": 2}]}",
                         201));
    json_decref(write_ok("PATCH", "/v1/articles/" ARTICLE_1,
                         "{\"mentions\": [{\"entity\": \"r-gates\", \"count\": 1}]}", 200));
    json_decref(write_ok("POST", "/v1/quotes",
                         "{\"article\": \"gates-again\", \"speaker\": \"r-gates\","
                         " \"text\": \"We will see.\"}",
                         201));
    json_decref(write_ok("POST", "/v1/agreements",
                         "{\"title\": \"Gates deal\", \"kind\": \"deal\", \"status\": \"proposed\","
                         " \"parties\": [\"r-gates\", \"russia\"],"
                         " \"signatories\": [\"r-gates\", \"robert-gates\"]}",
                         201));

    /* Before: Gates has 3 (two sample articles, ARTICLE_1's 4 were replaced)
     * + 2 mentions in 3 articles; the duplicate has 3 + 1 in 2. */
    json_t *gates = get("/v1/entities/robert-gates", 200);
    json_int_t mentions = num(gates, "mention_count");
    json_int_t quotes = num(gates, "quote_count");
    cr_assert_eq(mentions, 5);
    cr_assert_eq(num(gates, "article_count"), 3);
    json_decref(gates);
    json_t *dup = get("/v1/entities/r-gates", 200);
    cr_assert_eq(num(dup, "mention_count"), 4);
    json_decref(dup);
    char deal_before[40], article_before[40], etag[40];
    etag_of("/v1/agreements/gates-deal", deal_before, sizeof deal_before);
    etag_of("/v1/articles/gates-again", article_before, sizeof article_before);

    struct http_result res =
        http_write(ts, "POST", "/v1/entities/r-gates/merge", "{\"into\": \"robert-gates\"}", NULL);
    cr_assert_eq(res.status, 200, "%s", res.body);
    cr_assert_str_eq(str(res.json, "slug"), "robert-gates", "the answer is the target");
    http_result_free(&res);

    json_decref(get("/v1/entities/r-gates", 404));
    /* Records whose links moved are changed records: new versions. */
    etag_of("/v1/agreements/gates-deal", etag, sizeof etag);
    cr_assert_str_neq(etag, deal_before);
    etag_of("/v1/articles/gates-again", etag, sizeof etag);
    cr_assert_str_neq(etag, article_before);
    gates = get("/v1/entities/robert-gates", 200);
    cr_assert_eq(num(gates, "mention_count"), mentions + 4);
    cr_assert_eq(num(gates, "article_count"), 4);
    cr_assert_eq(num(gates, "quote_count"), quotes + 1);
    json_t *aliases = json_object_get(gates, "aliases");
    cr_assert(has_string(aliases, "R. Gates"), "the old name is an alias");
    cr_assert(has_string(aliases, "Bob"), "the old aliases come along");
    cr_assert(has_string(aliases, "Gates"));
    cr_assert(has_slug(json_object_get(gates, "agreements"), "gates-deal"));
    json_decref(gates);

    /* In the article that named both, the counts add up. */
    json_t *article = get("/v1/articles/gates-again", 200);
    json_t *entities = json_object_get(article, "entities");
    cr_assert_eq(json_array_size(entities), 1);
    cr_assert_eq(num(find_slug(entities, "robert-gates"), "mention_count"), 5);
    json_decref(article);
    json_t *quote = get("/v1/quotes/we-will-see", 200);
    cr_assert_str_eq(str(json_object_get(quote, "speaker"), "slug"), "robert-gates");
    json_decref(quote);
    json_t *deal = get("/v1/agreements/gates-deal", 200);
    json_t *parties = json_object_get(deal, "parties");
    cr_assert_eq(json_array_size(parties), 2);
    cr_assert(has_slug(parties, "robert-gates"));
    cr_assert(has_slug(parties, "russia"));
    json_t *signatories = json_object_get(deal, "signatories");
    cr_assert_eq(json_array_size(signatories), 1, "one signatory, not the same one twice");
    cr_assert(has_slug(signatories, "robert-gates"));
    json_decref(deal);
    /* The list finds the target by the old name. */
    json_t *list = get("/v1/entities?q=r.%20gates", 200);
    cr_assert(has_slug(json_object_get(list, "data"), "robert-gates"));
    json_decref(list);
}

Test(writes, merging_an_entity_into_itself_is_409)
{
    struct http_result res = http_write(ts, "POST", "/v1/entities/robert-gates/merge",
                                        "{\"into\": \"robert-gates\"}", NULL);
    http_assert_problem(&res, 409, "into");
    http_result_free(&res);
    res = http_write(ts, "POST", "/v1/entities/robert-gates/merge", "{\"into\": 1}", NULL);
    http_assert_problem(&res, 409, "into");
    http_result_free(&res);
}

/* ---- agreements -------------------------------------------------------- */

Test(writes, posting_an_agreement_links_parties_signatories_and_articles)
{
    struct http_result res = http_write(
        ts, "POST", "/v1/agreements",
        "{\"title\": \"Helicopter maintenance plan\", \"kind\": \"plan\", \"status\": \"signed\","
        " \"signed_on\": \"2010-11-02\", \"summary\": \"Spare parts.\","
        " \"parties\": [\"united-states\", \"russia\"], \"signatories\": [\"robert-gates\", 2],"
        " \"articles\": [\"" ARTICLE_1 "\"]}",
        NULL);
    cr_assert_eq(res.status, 201, "%s", res.body);
    cr_assert_str_eq(http_header(&res, "Location"), "/v1/agreements/helicopter-maintenance-plan");
    assert_current_etag(http_header(&res, "ETag"), "/v1/agreements/helicopter-maintenance-plan");
    http_result_free(&res);

    json_t *plan = get("/v1/agreements/helicopter-maintenance-plan", 200);
    cr_assert_str_eq(str(plan, "kind"), "plan");
    cr_assert_str_eq(str(plan, "signed_on"), "2010-11-02");
    json_t *parties = json_object_get(plan, "parties");
    cr_assert_eq(json_array_size(parties), 2);
    cr_assert_str_eq(str(json_array_get(parties, 0), "slug"), "united-states", "order is kept");
    cr_assert_str_eq(str(json_array_get(parties, 1), "slug"), "russia");
    cr_assert(has_slug(json_object_get(plan, "signatories"), "anatoly-serdyukov"),
              "an id reference works as well as a slug");
    cr_assert(has_slug(json_object_get(plan, "articles"), ARTICLE_1));
    json_decref(plan);
    json_t *gates = get("/v1/entities/robert-gates", 200);
    cr_assert(has_slug(json_object_get(gates, "agreements"), "helicopter-maintenance-plan"));
    json_decref(gates);
}

Test(writes, setting_supersedes_marks_the_older_agreement_superseded)
{
    char before[64], etag[40];
    etag_of("/v1/agreements/new-start-treaty", before, sizeof before);
    json_t *newer = write_ok("POST", "/v1/agreements",
                             "{\"title\": \"New START follow-on\", \"kind\": \"treaty\","
                             " \"status\": \"proposed\", \"supersedes\": \"new-start-treaty\"}",
                             201);
    cr_assert_str_eq(str(json_object_get(newer, "supersedes"), "slug"), "new-start-treaty");
    json_decref(newer);
    json_t *older = get("/v1/agreements/new-start-treaty", 200);
    cr_assert_str_eq(str(older, "status"), "superseded");
    cr_assert(has_slug(json_object_get(older, "superseded_by"), "new-start-follow-on"));
    json_decref(older);
    etag_of("/v1/agreements/new-start-treaty", etag, sizeof etag);
    cr_assert_str_neq(etag, before, "the older agreement's status change is a new version");

    /* Set by a patch too. */
    json_decref(write_ok("PATCH", "/v1/agreements/mi-17-helicopter-purchase-deal",
                         "{\"supersedes\": \"us-russia-joint-exercise-program-draft\"}", 200));
    older = get("/v1/agreements/us-russia-joint-exercise-program-draft", 200);
    cr_assert_str_eq(str(older, "status"), "superseded");
    json_decref(older);
}

Test(writes, a_supersedes_cycle_is_409_and_changes_nothing)
{
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    /* The memorandum supersedes the accord; the accord cannot supersede it. */
    struct http_result res = http_write(ts, "PATCH", "/v1/agreements/" ACCORD,
                                        "{\"supersedes\": \"" MEMORANDUM "\"}", NULL);
    http_assert_problem(&res, 409, "supersedes");
    http_result_free(&res);
    /* A longer ring: treaty <- follow-on <- treaty. */
    json_decref(write_ok("POST", "/v1/agreements",
                         "{\"title\": \"Follow-on\", \"kind\": \"treaty\", \"status\": \"proposed\","
                         " \"supersedes\": \"new-start-treaty\"}",
                         201));
    free(before);
    before = test_server_snapshot(ts, &before_len);
    res = http_write(ts, "PATCH", "/v1/agreements/new-start-treaty",
                     "{\"supersedes\": \"follow-on\"}", NULL);
    http_assert_problem(&res, 409, "supersedes");
    http_result_free(&res);
    res = http_write(ts, "PATCH", "/v1/agreements/new-start-treaty",
                     "{\"supersedes\": \"new-start-treaty\"}", NULL);
    http_assert_problem(&res, 409, "supersedes");
    http_result_free(&res);
    assert_store_is(before, before_len, "a refused supersedes cycle");
    free(before);
}

Test(writes, patching_and_deleting_an_agreement)
{
    json_t *a = write_ok("PATCH", "/v1/agreements/new-start-treaty",
                         "{\"status\": \"in_force\", \"signed_on\": \"2010-04-08\","
                         " \"title\": \"New START\"}",
                         200);
    cr_assert_str_eq(str(a, "status"), "in_force");
    cr_assert_str_eq(str(a, "signed_on"), "2010-04-08");
    cr_assert_str_eq(str(a, "slug"), "new-start-treaty", "the slug is stable");
    cr_assert_eq(json_array_size(json_object_get(a, "parties")), 2, "links are kept");
    json_decref(a);
    a = write_ok("PATCH", "/v1/agreements/new-start-treaty", "{\"signed_on\": null}", 200);
    cr_assert(json_is_null(json_object_get(a, "signed_on")));
    json_decref(a);

    /* Deleting the accord leaves the memorandum superseding nothing. */
    json_decref(write_ok("DELETE", "/v1/agreements/" ACCORD, NULL, 204));
    json_decref(get("/v1/agreements/" ACCORD, 404));
    json_t *memo = get("/v1/agreements/" MEMORANDUM, 200);
    cr_assert(json_is_null(json_object_get(memo, "supersedes")));
    json_decref(memo);
}

/* ---- quotes ------------------------------------------------------------ */

Test(writes, posting_patching_and_deleting_a_quote)
{
    struct http_result res =
        http_write(ts, "POST", "/v1/quotes",
                   "{\"article\": \"" ARTICLE_1 "\", \"speaker\": \"barack-obama\","
                   " \"text\": \"The reset is working.\"}",
                   NULL);
    cr_assert_eq(res.status, 201, "%s", res.body);
    cr_assert_str_eq(http_header(&res, "Location"), "/v1/quotes/the-reset-is-working");
    assert_current_etag(http_header(&res, "ETag"), "/v1/quotes/the-reset-is-working");
    cr_assert_str_eq(str(res.json, "text"), "The reset is working.");
    cr_assert_str_eq(str(json_object_get(res.json, "speaker"), "slug"), "barack-obama");
    http_result_free(&res);

    json_t *q = write_ok("PATCH", "/v1/quotes/the-reset-is-working",
                         "{\"text\": \"The reset is working well.\", \"speaker\": \"robert-gates\"}",
                         200);
    cr_assert_str_eq(str(q, "slug"), "the-reset-is-working", "the slug is stable");
    cr_assert_str_eq(str(q, "text"), "The reset is working well.");
    json_decref(q);
    json_t *gates = get("/v1/entities/robert-gates", 200);
    cr_assert_eq(num(gates, "quote_count"), 5);
    json_decref(gates);

    json_decref(write_ok("DELETE", "/v1/quotes/the-reset-is-working", NULL, 204));
    json_decref(get("/v1/quotes/the-reset-is-working", 404));
    gates = get("/v1/entities/robert-gates", 200);
    cr_assert_eq(num(gates, "quote_count"), 4);
    json_decref(gates);
}

/* ---- slugs ------------------------------------------------------------- */

Test(writes, slugs_made_from_the_same_name_get_numbered_suffixes)
{
    const char *expected[] = {"acme", "acme-2", "acme-3"};
    for (size_t i = 0; i < 3; i++) {
        struct http_result res = http_write(ts, "POST", "/v1/entities",
                                            "{\"name\": \"Acme\", \"type\": \"organization\"}", NULL);
        cr_assert_eq(res.status, 201, "%s", res.body);
        cr_assert_str_eq(str(res.json, "slug"), expected[i]);
        char location[64];
        snprintf(location, sizeof location, "/v1/entities/%s", expected[i]);
        cr_assert_str_eq(http_header(&res, "Location"), location);
        http_result_free(&res);
    }
    /* Freed slugs are not handed out while another has it; a rename keeps
     * the slug, so a new "Acme" still gets a fresh one. */
    json_decref(write_ok("PATCH", "/v1/entities/acme", "{\"name\": \"Acme Holdings\"}", 200));
    json_t *e = write_ok("POST", "/v1/entities", "{\"name\": \"ACME!\", \"type\": \"product\"}", 201);
    cr_assert_str_eq(str(e, "slug"), "acme-4");
    json_decref(e);

    /* Articles and agreements likewise; the same slug in another kind is
     * no collision. */
    const char *article = "{\"title\": \"Robert Gates\", \"body\": \"b\", \"source\": \"s\","
                          " \"published_at\": \"2010-01-01\"}";
    json_t *a = write_ok("POST", "/v1/articles", article, 201);
    cr_assert_str_eq(str(a, "slug"), "robert-gates");
    json_decref(a);
    a = write_ok("POST", "/v1/articles", article, 201);
    cr_assert_str_eq(str(a, "slug"), "robert-gates-2");
    json_decref(a);
    a = write_ok("POST", "/v1/agreements",
                 "{\"title\": \"New START treaty\", \"kind\": \"treaty\", \"status\": \"signed\"}",
                 201);
    cr_assert_str_eq(str(a, "slug"), "new-start-treaty-2");
    json_decref(a);
}

Test(writes, a_name_without_letters_or_only_digits_gets_a_readable_slug)
{
    json_t *e = write_ok("POST", "/v1/entities", "{\"name\": \"1993\", \"type\": \"product\"}", 201);
    cr_assert_str_eq(str(e, "slug"), "entity-1993", "an all-digit slug would read as an id");
    json_decref(e);
    e = write_ok("POST", "/v1/entities",
                 "{\"name\": \"\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0\", \"type\": "
                 "\"location\"}",
                 201);
    cr_assert_str_eq(str(e, "slug"), "entity");
    cr_assert_str_eq(str(e, "name"), "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0");
    json_decref(e);
    json_decref(get("/v1/entities/entity-1993", 200));
}

/* ---- SQL metacharacters and LIKE wildcards ----------------------------- */

Test(writes, sql_metacharacters_and_wildcards_are_stored_and_matched_literally)
{
    const char *bobby = "Robert'); DROP TABLE entities;--";
    json_t *e = write_ok("POST", "/v1/entities",
                         "{\"name\": \"Robert'); DROP TABLE entities;--\", \"type\": \"person\","
                         " \"description\": \"\\\" OR 1=1 -- ; DELETE FROM articles\"}",
                         201);
    cr_assert_str_eq(str(e, "name"), bobby);
    const char *slug_bobby = str(e, "slug");
    char path[128];
    snprintf(path, sizeof path, "/v1/entities/%s", slug_bobby);
    json_decref(e);
    e = get(path, 200);
    cr_assert_str_eq(str(e, "name"), bobby);
    cr_assert_str_eq(str(e, "description"), "\" OR 1=1 -- ; DELETE FROM articles");
    json_decref(e);

    e = write_ok("POST", "/v1/entities", "{\"name\": \"50% _Corp\", \"type\": \"organization\"}",
                 201);
    cr_assert_str_eq(str(e, "name"), "50% _Corp");
    snprintf(path, sizeof path, "/v1/entities/%s", str(e, "slug"));
    json_decref(e);
    e = get(path, 200);
    cr_assert_str_eq(str(e, "name"), "50% _Corp");
    json_decref(e);
    json_decref(write_ok("POST", "/v1/entities", "{\"name\": \"500 Corp\", \"type\": \"organization\"}",
                         201));

    /* Every other record is still there. */
    json_t *all = http_walk(ts, "/v1/entities?limit=100");
    cr_assert_eq(json_array_size(all), 35);
    json_decref(all);

    /* "%" and "_" match themselves, not any text. */
    json_t *list = get("/v1/entities?q=50%25", 200);
    json_t *data = json_object_get(list, "data");
    cr_assert_eq(json_array_size(data), 1, "%s", json_dumps(data, 0));
    cr_assert_str_eq(str(json_array_get(data, 0), "name"), "50% _Corp");
    json_decref(list);
    list = get("/v1/entities?q=50%25%20_", 200);
    cr_assert_eq(json_array_size(json_object_get(list, "data")), 1);
    json_decref(list);
    list = get("/v1/entities?q=5_", 200);
    cr_assert_eq(json_array_size(json_object_get(list, "data")), 0);
    json_decref(list);
    list = get("/v1/entities?q=%25", 200);
    cr_assert_eq(json_array_size(json_object_get(list, "data")), 0);
    json_decref(list);
    list = get("/v1/entities?q=_", 200);
    cr_assert_eq(json_array_size(json_object_get(list, "data")), 0);
    json_decref(list);
    list = get("/v1/entities?q=robert'", 200);
    data = json_object_get(list, "data");
    cr_assert_eq(json_array_size(data), 1);
    cr_assert_str_eq(str(json_array_get(data, 0), "name"), bobby);
    json_decref(list);

    /* An exact filter on articles: the source is compared as written. */
    json_decref(write_ok("POST", "/v1/articles",
                         "{\"title\": \"Percent\", \"body\": \"b\", \"source\": \"100% _Wire'\","
                         " \"published_at\": \"2010-01-01\"}",
                         201));
    list = get("/v1/articles?source=100%25%20_Wire'", 200);
    cr_assert_eq(json_array_size(json_object_get(list, "data")), 1);
    json_decref(list);
    list = get("/v1/articles?source=100%25", 200);
    cr_assert_eq(json_array_size(json_object_get(list, "data")), 0);
    json_decref(list);
    list = get("/v1/articles?source=%25", 200);
    cr_assert_eq(json_array_size(json_object_get(list, "data")), 0);
    json_decref(list);
}

/* ---- Idempotency-Key --------------------------------------------------- */

Test(writes, a_replayed_idempotency_key_returns_the_first_answer_and_creates_nothing)
{
    const char *body = "{\"name\": \"Idem Corp\", \"type\": \"organization\"}";
    const char *key[] = {"Idempotency-Key: 7d2f9a3c-0b1e-4c55-9a6e-2f1d8c3b4a10", NULL};
    struct http_result first = http_write(ts, "POST", "/v1/entities", body, key);
    cr_assert_eq(first.status, 201, "%s", first.body);
    cr_assert_null(http_header(&first, "Idempotent-Replayed"));
    char location[128];
    snprintf(location, sizeof location, "%s", http_header(&first, "Location"));

    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    for (int i = 0; i < 2; i++) {
        struct http_result again = http_write(ts, "POST", "/v1/entities", body, key);
        cr_assert_eq(again.status, 201, "%s", again.body);
        cr_assert_str_eq(http_header(&again, "Idempotent-Replayed"), "true");
        cr_assert_str_eq(http_header(&again, "Location"), location);
        cr_assert_eq(num(again.json, "id"), num(first.json, "id"));
        cr_assert_str_eq(again.body, first.body, "the first answer, byte for byte");
        http_result_free(&again);
    }
    assert_store_is(before, before_len, "a replay");
    free(before);
    http_result_free(&first);
    json_decref(get("/v1/entities/idem-corp-2", 404));
}

Test(writes, the_same_idempotency_key_with_another_body_is_422)
{
    const char *key[] = {"Idempotency-Key: key-1", NULL};
    struct http_result res = http_write(ts, "POST", "/v1/entities",
                                        "{\"name\": \"First\", \"type\": \"person\"}", key);
    cr_assert_eq(res.status, 201, "%s", res.body);
    http_result_free(&res);
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    res = http_write(ts, "POST", "/v1/entities", "{\"name\": \"Second\", \"type\": \"person\"}",
                     key);
    http_assert_problem(&res, 422, "Idempotency-Key");
    http_result_free(&res);
    assert_store_is(before, before_len, "a reused key");
    free(before);
    json_decref(get("/v1/entities/second", 404));

    /* Keys are per endpoint: the same key on articles is a new request. */
    res = http_write(ts, "POST", "/v1/articles",
                     "{\"title\": \"T\", \"body\": \"b\", \"source\": \"s\","
                     " \"published_at\": \"2010-01-01\"}",
                     key);
    cr_assert_eq(res.status, 201, "%s", res.body);
    cr_assert_null(http_header(&res, "Idempotent-Replayed"));
    http_result_free(&res);
}

Test(writes, idempotency_keys_of_different_api_keys_do_not_meet)
{
    char other[KEY_TEXT_SIZE], auth[128];
    cr_assert_eq(db_key_create(ts->store, "other-client", KEY_SCOPE_WRITE, other, sizeof other),
                 DB_OK);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", other);
    const char *mine[] = {"Idempotency-Key: shared-key", NULL};
    const char *theirs[] = {auth, "Content-Type: application/json", "Idempotency-Key: shared-key",
                            NULL};
    const char *body = "{\"name\": \"Mine\", \"type\": \"person\"}";

    struct http_result res = http_write(ts, "POST", "/v1/entities", body, mine);
    cr_assert_eq(res.status, 201, "%s", res.body);
    http_result_free(&res);
    /* The same key and body from another client is that client's own
     * request: a new record, not the first client's answer... */
    res = http_request(ts, "POST", "/v1/entities", body, strlen(body), theirs);
    cr_assert_eq(res.status, 201, "%s", res.body);
    cr_assert_null(http_header(&res, "Idempotent-Replayed"));
    cr_assert_str_eq(str(res.json, "slug"), "mine-2");
    http_result_free(&res);
    /* ...which its own retry replays... */
    res = http_request(ts, "POST", "/v1/entities", body, strlen(body), theirs);
    cr_assert_eq(res.status, 201, "%s", res.body);
    cr_assert_str_eq(http_header(&res, "Idempotent-Replayed"), "true");
    cr_assert_str_eq(str(res.json, "slug"), "mine-2");
    http_result_free(&res);
    /* ...and the first client's retry still gets its own. */
    res = http_write(ts, "POST", "/v1/entities", body, mine);
    cr_assert_eq(res.status, 201, "%s", res.body);
    cr_assert_str_eq(http_header(&res, "Idempotent-Replayed"), "true");
    cr_assert_str_eq(str(res.json, "slug"), "mine");
    http_result_free(&res);
    json_decref(get("/v1/entities/mine-3", 404));
}

Test(writes, a_failed_request_does_not_use_up_its_idempotency_key)
{
    const char *key[] = {"Idempotency-Key: retry-me", NULL};
    struct http_result res = http_write(ts, "POST", "/v1/entities",
                                        "{\"name\": \"Fixed\", \"type\": \"bogus\"}", key);
    http_assert_problem(&res, 400, "type");
    http_result_free(&res);
    res = http_write(ts, "POST", "/v1/entities", "{\"name\": \"Fixed\", \"type\": \"person\"}",
                     key);
    cr_assert_eq(res.status, 201, "%s", res.body);
    cr_assert_null(http_header(&res, "Idempotent-Replayed"));
    http_result_free(&res);
}

Test(writes, an_empty_or_overlong_idempotency_key_is_400)
{
    char long_key[300];
    snprintf(long_key, sizeof long_key, "Idempotency-Key: %0201d", 7);
    const char *keys[][2] = {{"Idempotency-Key;", NULL}, {long_key, NULL}};
    for (size_t i = 0; i < 2; i++) {
        struct http_result res = http_write(ts, "POST", "/v1/entities",
                                            "{\"name\": \"K\", \"type\": \"person\"}", keys[i]);
        http_assert_problem(&res, 400, "Idempotency-Key");
        http_result_free(&res);
    }
    json_decref(get("/v1/entities/k", 404));
}

/* ---- If-Match ---------------------------------------------------------- */

Test(writes, if_match_with_the_current_etag_succeeds_and_a_stale_one_is_412)
{
    char etag[64], current[40], header[80], weak[80];
    etag_of("/v1/entities/olga-oliker", etag, sizeof etag);
    snprintf(header, sizeof header, "If-Match: %s", etag);
    const char *match[] = {header, NULL};

    struct http_result res = http_write(ts, "PATCH", "/v1/entities/olga-oliker",
                                        "{\"description\": \"First edit.\"}", match);
    cr_assert_eq(res.status, 200, "%s", res.body);
    cr_assert_str_neq(http_header(&res, "ETag"), etag);
    snprintf(current, sizeof current, "%s", http_header(&res, "ETag"));
    http_result_free(&res);
    assert_current_etag(current, "/v1/entities/olga-oliker");

    /* The same stale tag again: a lost update, refused. */
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    res = http_write(ts, "PATCH", "/v1/entities/olga-oliker", "{\"description\": \"Second.\"}",
                     match);
    http_assert_problem(&res, 412, "If-Match");
    http_result_free(&res);
    res = http_write(ts, "DELETE", "/v1/articles/pentagon-advances-mi-17-purchase-for-afghan-forces",
                     NULL, (const char *[]){"If-Match: \"v999999999\"", NULL});
    http_assert_problem(&res, 412, "If-Match");
    http_result_free(&res);
    /* A weak tag never matches (strong comparison). */
    snprintf(weak, sizeof weak, "If-Match: W/%s", current);
    res = http_write(ts, "PATCH", "/v1/entities/olga-oliker", "{\"description\": \"Weak.\"}",
                     (const char *[]){weak, NULL});
    http_assert_problem(&res, 412, "If-Match");
    http_result_free(&res);
    assert_store_is(before, before_len, "a stale If-Match");
    free(before);

    json_t *e = get("/v1/entities/olga-oliker", 200);
    cr_assert_str_eq(str(e, "description"), "First edit.");
    json_decref(e);
}

Test(writes, if_match_star_or_a_list_holding_the_current_tag_succeeds)
{
    char first[40], header[120];
    etag_of("/v1/entities/olga-oliker", first, sizeof first);
    json_t *e = write_ok("PATCH", "/v1/entities/olga-oliker", "{\"name\": \"O. Oliker\"}", 200);
    json_decref(e);
    struct http_result res = http_write(ts, "PATCH", "/v1/entities/olga-oliker",
                                        "{\"name\": \"Olga Oliker\"}",
                                        (const char *[]){"If-Match: *", NULL});
    cr_assert_eq(res.status, 200, "%s", res.body);
    assert_current_etag(http_header(&res, "ETag"), "/v1/entities/olga-oliker");
    /* A list matches when any of its tags does. */
    snprintf(header, sizeof header, "If-Match: %s, %s", first, http_header(&res, "ETag"));
    http_result_free(&res);
    res = http_write(ts, "PATCH", "/v1/entities/olga-oliker", "{\"name\": \"Olga\"}",
                     (const char *[]){header, NULL});
    cr_assert_eq(res.status, 200, "%s", res.body);
    http_result_free(&res);
    etag_of("/v1/quotes/oliker-reset-signal-is-huge", first, sizeof first);
    snprintf(header, sizeof header, "If-Match: %s", first);
    res = http_write(ts, "DELETE", "/v1/quotes/oliker-reset-signal-is-huge", NULL,
                     (const char *[]){header, NULL});
    cr_assert_eq(res.status, 204, "%s", res.body);
    http_result_free(&res);
    json_decref(get("/v1/quotes/oliker-reset-signal-is-huge", 404));
    /* The record is gone: the version the client holds no longer matches. */
    res = http_write(ts, "DELETE", "/v1/quotes/oliker-reset-signal-is-huge", NULL,
                     (const char *[]){header, NULL});
    http_assert_problem(&res, 412, "If-Match");
    http_result_free(&res);
    res = http_write(ts, "PATCH", "/v1/quotes/oliker-reset-signal-is-huge", "{\"text\": \"t\"}",
                     (const char *[]){header, NULL});
    http_assert_problem(&res, 412, "If-Match");
    http_result_free(&res);
}

Test(writes, every_kind_answers_get_with_an_etag_that_if_match_accepts)
{
    const char *paths[] = {"/v1/articles/" ARTICLE_1, "/v1/entities/moscow",
                           "/v1/agreements/new-start-treaty", "/v1/quotes/gates-russia-not-a-threat"};
    const char *patches[] = {"{\"summary\": \"s\"}", "{\"description\": \"d\"}",
                             "{\"summary\": \"s\"}", "{\"text\": \"t\"}"};
    for (size_t i = 0; i < 4; i++) {
        char etag[64], header[80];
        etag_of(paths[i], etag, sizeof etag);
        snprintf(header, sizeof header, "If-Match: %s", etag);
        struct http_result res =
            http_write(ts, "PATCH", paths[i], patches[i], (const char *[]){header, NULL});
        cr_assert_eq(res.status, 200, "%s: %s", paths[i], res.body);
        cr_assert_str_neq(http_header(&res, "ETag"), etag);
        http_result_free(&res);
        res = http_write(ts, "PATCH", paths[i], patches[i], (const char *[]){header, NULL});
        http_assert_problem(&res, 412, "If-Match");
        http_result_free(&res);
    }
}

/* ---- API keys ---------------------------------------------------------- */

struct write_call {
    const char *method, *path, *content_type, *body;
};

/* One of each write the API takes, each valid with an admin key. */
static const struct write_call every_write[] = {
    {"POST", "/v1/articles", "application/json",
     "{\"title\": \"T\", \"body\": \"b\", \"source\": \"s\", \"published_at\": \"2010-01-01\"}"},
    {"PATCH", "/v1/articles/" ARTICLE_1, "application/json", "{\"summary\": \"s\"}"},
    {"DELETE", "/v1/articles/pentagon-advances-mi-17-purchase-for-afghan-forces", NULL, NULL},
    {"POST", "/v1/entities", "application/json", "{\"name\": \"N\", \"type\": \"person\"}"},
    {"PATCH", "/v1/entities/moscow", "application/json", "{\"description\": \"d\"}"},
    {"DELETE", "/v1/entities/kremlin", NULL, NULL},
    {"POST", "/v1/entities/moscow/aliases", "application/json", "{\"aliases\": [\"Moskva\"]}"},
    {"POST", "/v1/entities/geoff-morrell/merge", "application/json", "{\"into\": \"pentagon\"}"},
    {"POST", "/v1/agreements", "application/json",
     "{\"title\": \"A\", \"kind\": \"deal\", \"status\": \"signed\"}"},
    {"PATCH", "/v1/agreements/new-start-treaty", "application/json", "{\"summary\": \"s\"}"},
    {"DELETE", "/v1/agreements/mi-17-helicopter-purchase-deal", NULL, NULL},
    {"POST", "/v1/quotes", "application/json",
     "{\"article\": \"" ARTICLE_1 "\", \"speaker\": \"moscow\", \"text\": \"t\"}"},
    {"PATCH", "/v1/quotes/gates-russia-not-a-threat", "application/json", "{\"text\": \"t\"}"},
    {"DELETE", "/v1/quotes/oliker-reset-signal-is-huge", NULL, NULL},
    {"POST", "/v1/import", "application/x-ndjson",
     "{\"type\": \"entity\", \"name\": \"I\", \"entity_type\": \"person\"}\n"},
};
#define EVERY_WRITE_COUNT (sizeof every_write / sizeof every_write[0])

/* Sends call `c` with the given Authorization line (NULL for none). */
static struct http_result send_call(const struct write_call *c, const char *auth)
{
    char type[128];
    const char *headers[3] = {NULL, NULL, NULL};
    size_t n = 0;
    if (auth != NULL)
        headers[n++] = auth;
    snprintf(type, sizeof type, "Content-Type:%s%s", c->content_type ? " " : "",
             c->content_type ? c->content_type : "");
    headers[n++] = type;
    return http_request(ts, c->method, c->path, c->body, c->body ? strlen(c->body) : 0, headers);
}

Test(writes, every_write_without_a_key_is_401_with_a_bearer_challenge_and_changes_nothing)
{
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    for (size_t i = 0; i < EVERY_WRITE_COUNT; i++) {
        struct http_result res = send_call(&every_write[i], NULL);
        http_assert_problem(&res, 401, NULL);
        const char *challenge = http_header(&res, "WWW-Authenticate");
        cr_assert(challenge != NULL && strncmp(challenge, "Bearer realm=\"wirebase\"", 23) == 0,
                  "%s %s: %s", every_write[i].method, every_write[i].path,
                  challenge ? challenge : "(none)");
        http_result_free(&res);
    }
    assert_store_is(before, before_len, "writes without a key");
    free(before);
}

Test(writes, an_oversized_upload_without_a_key_is_refused_401_before_it_is_read)
{
    size_t size = 3 * 1024 * 1024;
    char *big = malloc(size);
    memset(big, ' ', size);
    big[0] = '{';
    big[size - 1] = '}';
    const char *paths[] = {"/v1/entities", "/v1/import"};
    const char *types[] = {"Content-Type: application/json", "Content-Type: application/x-ndjson"};
    for (size_t i = 0; i < 2; i++) {
        struct http_result res =
            http_request(ts, "POST", paths[i], big, size, (const char *[]){types[i], NULL});
        http_assert_problem(&res, 401, NULL);
        http_result_free(&res);
    }
    /* With a key, the record endpoint's limit applies: 413. */
    struct http_result res = http_send(ts, "POST", "/v1/entities", "application/json", big, size,
                                       NULL);
    http_assert_problem(&res, 413, NULL);
    http_result_free(&res);
    free(big);
}

/* Sends `head` (a request line and headers, no body) on a raw connection
 * and returns the first bytes of the answer, waiting at most 5 s. */
static void raw_exchange(const char *head, char *answer, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(ts->port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    cr_assert_eq(write(fd, head, strlen(head)), (ssize_t)strlen(head));
    struct pollfd p = {.fd = fd, .events = POLLIN};
    cr_assert_eq(poll(&p, 1, 5000), 1, "no answer while the body is still unsent");
    ssize_t n = read(fd, answer, len - 1);
    answer[n > 0 ? n : 0] = '\0';
    close(fd);
}

Test(writes, an_announced_oversized_body_is_413_before_any_of_it_is_sent)
{
    char head[512], answer[1024];
    snprintf(head, sizeof head,
             "POST /v1/entities HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
             "Content-Length: 104857600\r\n\r\n",
             ts->key);
    raw_exchange(head, answer, sizeof answer);
    cr_assert_eq(strncmp(answer, "HTTP/1.1 413", 12), 0, "%s", answer);
    cr_assert_not_null(strstr(answer, "application/problem+json"), "%s", answer);
}

Test(writes, a_chunked_body_over_the_limit_is_413_and_changes_nothing)
{
    size_t size = ts->cfg.max_body + 10;
    char *big = malloc(size);
    memset(big, ' ', size);
    big[0] = '{';
    big[size - 1] = '}';
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    struct http_result res = http_send(ts, "POST", "/v1/entities", "application/json", big, size,
                                       (const char *[]){"Transfer-Encoding: chunked", NULL});
    http_assert_problem(&res, 413, NULL);
    http_result_free(&res);
    assert_store_is(before, before_len, "a chunked body over the limit");
    free(before);
    free(big);
}

Test(writes, json_content_types_with_parameters_or_capitals_are_accepted)
{
    const char *types[] = {"application/json; charset=utf-8", "Application/JSON",
                           "application/json;charset=UTF-8"};
    for (size_t i = 0; i < 3; i++) {
        char body[96];
        snprintf(body, sizeof body, "{\"name\": \"Typed %zu\", \"type\": \"product\"}", i);
        struct http_result res =
            http_send(ts, "POST", "/v1/entities", types[i], body, strlen(body), NULL);
        cr_assert_eq(res.status, 201, "%s: %s", types[i], res.body);
        http_result_free(&res);
    }
}

Test(writes, every_write_with_an_unknown_key_is_401_invalid_token)
{
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    /* A well-formed key that was never issued, and the real one altered. */
    char altered[128];
    snprintf(altered, sizeof altered, "Authorization: Bearer %s", ts->key);
    altered[strlen(altered) - 1] = altered[strlen(altered) - 1] == 'A' ? 'B' : 'A';
    const char *auths[] = {
        "Authorization: Bearer wb_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        altered, "Authorization: Bearer nonsense"};
    for (size_t a = 0; a < 3; a++) {
        for (size_t i = 0; i < EVERY_WRITE_COUNT; i++) {
            struct http_result res = send_call(&every_write[i], auths[a]);
            http_assert_problem(&res, 401, NULL);
            const char *challenge = http_header(&res, "WWW-Authenticate");
            cr_assert(challenge != NULL && strstr(challenge, "invalid_token") != NULL, "%s",
                      challenge ? challenge : "(none)");
            cr_assert_null(strstr(res.body, auths[a] + 22), "the key is never echoed");
            http_result_free(&res);
        }
    }
    assert_store_is(before, before_len, "writes with a bad key");
    free(before);
}

Test(writes, every_write_with_a_read_key_is_403_and_reads_stay_open)
{
    char key[KEY_TEXT_SIZE], auth[128];
    cr_assert_eq(db_key_create(ts->store, "reader", KEY_SCOPE_READ, key, sizeof key), DB_OK);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    for (size_t i = 0; i < EVERY_WRITE_COUNT; i++) {
        struct http_result res = send_call(&every_write[i], auth);
        http_assert_problem(&res, 403, NULL);
        const char *challenge = http_header(&res, "WWW-Authenticate");
        cr_assert(challenge != NULL && strstr(challenge, "insufficient_scope") != NULL, "%s",
                  challenge ? challenge : "(none)");
        http_result_free(&res);
    }
    assert_store_is(before, before_len, "writes with a read key");
    free(before);

    /* Reads need no key at all, and a read key is fine for them. */
    const char *reads[] = {"/v1/articles", "/v1/entities/robert-gates", "/v1/agreements",
                           "/v1/quotes", "/v1/export"};
    for (size_t i = 0; i < 5; i++) {
        struct http_result res = http_get(ts, reads[i]);
        cr_assert_eq(res.status, 200, "%s: %s", reads[i], res.body);
        http_result_free(&res);
        res = http_request(ts, "GET", reads[i], NULL, 0, (const char *[]){auth, NULL});
        cr_assert_eq(res.status, 200, "%s: %s", reads[i], res.body);
        http_result_free(&res);
    }
}

Test(writes, a_write_key_may_do_every_write)
{
    char key[KEY_TEXT_SIZE], auth[128];
    cr_assert_eq(db_key_create(ts->store, "writer", KEY_SCOPE_WRITE, key, sizeof key), DB_OK);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    for (size_t i = 0; i < EVERY_WRITE_COUNT; i++) {
        struct http_result res = send_call(&every_write[i], auth);
        long expected = strcmp(every_write[i].method, "DELETE") == 0 ? 204
                        : strcmp(every_write[i].method, "PATCH") == 0 ||
                                strstr(every_write[i].path, "/aliases") != NULL ||
                                strstr(every_write[i].path, "/merge") != NULL ||
                                strcmp(every_write[i].path, "/v1/import") == 0
                            ? 200
                            : 201;
        cr_assert_eq(res.status, expected, "%s %s: %s", every_write[i].method, every_write[i].path,
                     res.body);
        http_result_free(&res);
    }
}

/* ---- a read-only server ------------------------------------------------ */

static void read_only(struct config *cfg)
{
    cfg->read_only = true;
}

static void start_read_only(void)
{
    ts = test_server_start_config(read_only, true);
}

TestSuite(read_only, .init = start_read_only, .fini = stop, .timeout = 30);

Test(read_only, every_write_is_405_with_allow_and_reads_still_answer)
{
    char auth[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", ts->key);
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    for (size_t i = 0; i < EVERY_WRITE_COUNT; i++) {
        struct http_result res = send_call(&every_write[i], auth);
        http_assert_problem(&res, 405, NULL);
        const char *allow = http_header(&res, "Allow");
        cr_assert(allow != NULL && strcmp(allow, "GET, HEAD") == 0, "%s %s: Allow %s",
                  every_write[i].method, every_write[i].path, allow ? allow : "(none)");
        http_result_free(&res);
    }
    assert_store_is(before, before_len, "writes to a read-only server");
    free(before);

    json_t *e = get("/v1/entities/robert-gates", 200);
    json_decref(e);
    struct http_result res = http_get(ts, "/v1/export");
    cr_assert_eq(res.status, 200);
    cr_assert_eq(res.body_len, before_len);
    http_result_free(&res);
}

Test(read_only, a_write_without_a_key_is_still_401)
{
    struct http_result res = send_call(&every_write[0], NULL);
    http_assert_problem(&res, 401, NULL);
    http_result_free(&res);
}

/* ---- --auth=all --------------------------------------------------------- */

static void auth_all(struct config *cfg)
{
    cfg->auth_all = true;
}

static void start_auth_all(void)
{
    ts = test_server_start_config(auth_all, true);
}

TestSuite(auth_all, .init = start_auth_all, .fini = stop, .timeout = 30);

Test(auth_all, reads_need_a_key_and_a_read_key_may_read_but_not_write)
{
    const char *reads[] = {"/v1/articles", "/v1/entities/robert-gates", "/v1/export"};
    char key[KEY_TEXT_SIZE], auth[128];
    cr_assert_eq(db_key_create(ts->store, "reader", KEY_SCOPE_READ, key, sizeof key), DB_OK);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    for (size_t i = 0; i < 3; i++) {
        struct http_result res = http_get(ts, reads[i]);
        http_assert_problem(&res, 401, NULL);
        cr_assert_not_null(http_header(&res, "WWW-Authenticate"));
        http_result_free(&res);
        res = http_request(ts, "GET", reads[i], NULL, 0, (const char *[]){auth, NULL});
        cr_assert_eq(res.status, 200, "%s: %s", reads[i], res.body);
        http_result_free(&res);
    }
    struct http_result res = send_call(&every_write[0], auth);
    http_assert_problem(&res, 403, NULL);
    http_result_free(&res);
    res = send_call(&every_write[0], NULL);
    http_assert_problem(&res, 401, NULL);
    http_result_free(&res);
}

/* ---- concurrent writers ------------------------------------------------ */

#define WRITERS 8

struct racer {
    pthread_barrier_t *go;
    const char *if_match;
    int index;
    long status;
    char etag_after[40]; /* the ETag the answer carried */
};

static void *patch_racer(void *arg)
{
    struct racer *r = arg;
    char header[80], body[80];
    snprintf(header, sizeof header, "If-Match: %s", r->if_match);
    snprintf(body, sizeof body, "{\"description\": \"Edited by writer %d.\"}", r->index);
    pthread_barrier_wait(r->go);
    struct http_result res = http_write(ts, "PATCH", "/v1/entities/olga-oliker", body,
                                        (const char *[]){header, NULL});
    r->status = res.status;
    const char *etag = http_header(&res, "ETag");
    snprintf(r->etag_after, sizeof r->etag_after, "%s", etag ? etag : "");
    http_result_free(&res);
    return NULL;
}

Test(writes, concurrent_patches_with_one_etag_let_exactly_one_win)
{
    char etag[64];
    etag_of("/v1/entities/olga-oliker", etag, sizeof etag);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, WRITERS);
    pthread_t threads[WRITERS];
    struct racer racers[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        racers[i] = (struct racer){&go, etag, i, 0, ""};
        pthread_create(&threads[i], NULL, patch_racer, &racers[i]);
    }
    int won = -1, lost = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(threads[i], NULL);
        if (racers[i].status == 200) {
            cr_assert_eq(won, -1, "two writers won with the same ETag");
            won = i;
        } else {
            cr_assert_eq(racers[i].status, 412, "writer %d got %ld", i, racers[i].status);
            lost++;
        }
    }
    pthread_barrier_destroy(&go);
    cr_assert_neq(won, -1, "one writer wins");
    cr_assert_eq(lost, WRITERS - 1);

    /* The store holds the winner's edit, under the winner's version. */
    json_t *e = get("/v1/entities/olga-oliker", 200);
    char expected[80];
    snprintf(expected, sizeof expected, "Edited by writer %d.", won);
    cr_assert_str_eq(str(e, "description"), expected);
    json_decref(e);
    assert_current_etag(racers[won].etag_after, "/v1/entities/olga-oliker");
}

static void *post_racer(void *arg)
{
    struct racer *r = arg;
    pthread_barrier_wait(r->go);
    for (int k = 0; k < 5; k++) {
        char body[96];
        snprintf(body, sizeof body, "{\"name\": \"Racer %d-%d\", \"type\": \"organization\"}",
                 r->index, k);
        struct http_result res = http_write(ts, "POST", "/v1/entities", body, NULL);
        if (res.status != 201)
            r->status = res.status;
        http_result_free(&res);
    }
    return NULL;
}

Test(writes, concurrent_posts_all_succeed_and_are_all_stored)
{
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, WRITERS);
    pthread_t threads[WRITERS];
    struct racer racers[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        racers[i] = (struct racer){&go, NULL, i, 201, ""};
        pthread_create(&threads[i], NULL, post_racer, &racers[i]);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(threads[i], NULL);
        cr_assert_eq(racers[i].status, 201, "writer %d got %ld", i, racers[i].status);
    }
    pthread_barrier_destroy(&go);
    for (int i = 0; i < WRITERS; i++) {
        for (int k = 0; k < 5; k++) {
            char path[64];
            snprintf(path, sizeof path, "/v1/entities/racer-%d-%d", i, k);
            json_decref(get(path, 200));
        }
    }
    json_t *all = http_walk(ts, "/v1/entities?limit=100");
    cr_assert_eq(json_array_size(all), 32 + WRITERS * 5);
    json_decref(all);
}

/* ---- bad input: a clear error, and nothing changes --------------------- */

/* One bad request. `body` holds body_len bytes exactly (NULs included);
 * when `make` is set it builds the body instead. `content_type` NULL sends
 * none. */
struct bad_input {
    const char *name;
    const char *method, *path, *content_type;
    const char *body;
    size_t body_len;
    char *(*make)(size_t *len);
    const char *header; /* one more header line, or NULL */
    long status;
    const char *field; /* errors[0].field, or NULL when none is named */
};

#define RAW(s) (s), sizeof(s) - 1
#define JSON "application/json"
#define ENTITY_OK "\"name\": \"N\", \"type\": \"person\""
#define ARTICLE_OK "\"title\": \"T\", \"body\": \"b\", \"source\": \"s\", \"published_at\": \"2010-01-01\""
#define AGREEMENT_OK "\"title\": \"A\", \"kind\": \"deal\", \"status\": \"signed\""

static char *repeat_around(const char *head, const char *unit, size_t n, const char *mid,
                           const char *close, const char *tail, size_t *len)
{
    size_t hl = strlen(head), ul = strlen(unit), ml = strlen(mid), cl = strlen(close),
           tl = strlen(tail);
    char *s = malloc(hl + n * ul + ml + n * cl + tl + 1);
    char *p = s;
    memcpy(p, head, hl), p += hl;
    for (size_t i = 0; i < n; i++)
        memcpy(p, unit, ul), p += ul;
    memcpy(p, mid, ml), p += ml;
    for (size_t i = 0; i < n; i++)
        memcpy(p, close, cl), p += cl;
    memcpy(p, tail, tl), p += tl;
    *p = '\0';
    *len = (size_t)(p - s);
    return s;
}

static char *deep_arrays(size_t *len)
{
    return repeat_around("{" ENTITY_OK ", \"aliases\": ", "[", 10000, "", "]", "}", len);
}

static char *deep_objects(size_t *len)
{
    return repeat_around("{" ENTITY_OK ", \"description\": ", "{\"a\": ", 10000, "1", "}", "}",
                         len);
}

static char *deep_top_level(size_t *len)
{
    return repeat_around("", "[", 10000, "", "]", "", len);
}

static char *long_title(size_t *len)
{
    return repeat_around("{\"body\": \"b\", \"source\": \"s\", \"published_at\": \"2010-01-01\","
                         " \"title\": \"",
                         "a", 501, "", "", "\"}", len);
}

static char *long_name(size_t *len)
{
    return repeat_around("{\"type\": \"person\", \"name\": \"", "n", 201, "", "", "\"}", len);
}

/* 101 characters of two bytes each: the limit counts bytes. */
static char *long_multibyte_name(size_t *len)
{
    return repeat_around("{\"type\": \"person\", \"name\": \"", "\xc3\xa9", 101, "", "", "\"}", len);
}

static char *long_alias(size_t *len)
{
    return repeat_around("{" ENTITY_OK ", \"aliases\": [\"ok\", \"", "a", 201, "", "", "\"]}", len);
}

static char *long_quote(size_t *len)
{
    return repeat_around("{\"article\": \"" ARTICLE_1 "\", \"speaker\": \"robert-gates\", \"text\": \"",
                         "q", 4001, "", "", "\"}", len);
}

static char *long_article_body(size_t *len)
{
    return repeat_around("{\"title\": \"T\", \"source\": \"s\", \"published_at\": \"2010-01-01\","
                         " \"body\": \"",
                         "b", 512 * 1024 + 1, "", "", "\"}", len);
}

/* Valid JSON one byte over the default 1 MiB limit. */
static char *over_max_body(size_t *len)
{
    size_t frame = strlen("{\"type\": \"person\", \"name\": \"\"}");
    return repeat_around("{\"type\": \"person\", \"name\": \"", "n", 1024 * 1024 + 1 - frame, "",
                         "", "\"}", len);
}

static const struct bad_input bad_inputs[] = {
    /* Malformed JSON. */
    {"unclosed object", "POST", "/v1/entities", JSON, RAW("{\"name\": \"N\","), NULL, NULL, 400,
     "body"},
    {"trailing garbage", "POST", "/v1/entities", JSON, RAW("{" ENTITY_OK "} x"), NULL, NULL, 400,
     "body"},
    {"single quotes", "POST", "/v1/entities", JSON, RAW("{'name': 'N', 'type': 'person'}"), NULL,
     NULL, 400, "body"},
    {"trailing comma", "POST", "/v1/entities", JSON, RAW("{" ENTITY_OK ",}"), NULL, NULL, 400,
     "body"},
    {"a duplicate key", "POST", "/v1/entities", JSON,
     RAW("{\"name\": \"A\", \"name\": \"B\", \"type\": \"person\"}"), NULL, NULL, 400, "body"},
    {"malformed patch", "PATCH", "/v1/entities/robert-gates", JSON, RAW("{\"name\": }"), NULL,
     NULL, 400, "body"},
    {"empty body", "POST", "/v1/entities", JSON, RAW(""), NULL, NULL, 400, "body"},
    {"only blanks", "POST", "/v1/articles", JSON, RAW("  \n "), NULL, NULL, 400, "body"},
    {"empty patch body", "PATCH", "/v1/articles/" ARTICLE_1, JSON, RAW(""), NULL, NULL, 400,
     "body"},
    {"a top-level array", "POST", "/v1/entities", JSON, RAW("[{" ENTITY_OK "}]"), NULL, NULL, 400,
     "body"},
    {"a top-level string", "POST", "/v1/agreements", JSON, RAW("\"agreement\""), NULL, NULL, 400,
     "body"},
    {"a top-level null", "POST", "/v1/quotes", JSON, RAW("null"), NULL, NULL, 400, "body"},
    {"a patch that is an array", "PATCH", "/v1/entities/robert-gates", JSON, RAW("[]"), NULL,
     NULL, 400, "body"},

    /* A value of the wrong type. */
    {"title: 5", "POST", "/v1/articles", JSON,
     RAW("{\"title\": 5, \"body\": \"b\", \"source\": \"s\", \"published_at\": \"2010-01-01\"}"),
     NULL, NULL, 400, "title"},
    {"name: true", "POST", "/v1/entities", JSON, RAW("{\"name\": true, \"type\": \"person\"}"),
     NULL, NULL, 400, "name"},
    {"aliases: \"x\"", "POST", "/v1/entities", JSON, RAW("{" ENTITY_OK ", \"aliases\": \"x\"}"),
     NULL, NULL, 400, "aliases"},
    {"aliases: [5]", "POST", "/v1/entities", JSON, RAW("{" ENTITY_OK ", \"aliases\": [\"a\", 5]}"),
     NULL, NULL, 400, "aliases[1]"},
    {"mentions: {}", "POST", "/v1/articles", JSON, RAW("{" ARTICLE_OK ", \"mentions\": {}}"),
     NULL, NULL, 400, "mentions"},
    {"a mention that is a string", "POST", "/v1/articles", JSON,
     RAW("{" ARTICLE_OK ", \"mentions\": [\"robert-gates\"]}"), NULL, NULL, 400, "mentions[0]"},
    {"a mention count of 0", "POST", "/v1/articles", JSON,
     RAW("{" ARTICLE_OK ", \"mentions\": [{\"entity\": \"robert-gates\", \"count\": 0}]}"), NULL,
     NULL, 400, "mentions[0].count"},
    {"a mention count as text", "POST", "/v1/articles", JSON,
     RAW("{" ARTICLE_OK ", \"mentions\": [{\"entity\": \"robert-gates\", \"count\": \"2\"}]}"),
     NULL, NULL, 400, "mentions[0].count"},
    {"an entity mentioned twice", "POST", "/v1/articles", JSON,
     RAW("{" ARTICLE_OK ", \"mentions\": [{\"entity\": \"robert-gates\"}, {\"entity\": 1}]}"),
     NULL, NULL, 400, "mentions[1].entity"},
    {"parties: \"russia\"", "POST", "/v1/agreements", JSON,
     RAW("{" AGREEMENT_OK ", \"parties\": \"russia\"}"), NULL, NULL, 400, "parties"},
    {"a party as an object", "POST", "/v1/agreements", JSON,
     RAW("{" AGREEMENT_OK ", \"parties\": [{\"slug\": \"russia\"}]}"), NULL, NULL, 400,
     "parties[0]"},
    {"a party id of 0", "POST", "/v1/agreements", JSON, RAW("{" AGREEMENT_OK ", \"parties\": [0]}"),
     NULL, NULL, 400, "parties[0]"},
    {"supersedes: 1.5", "POST", "/v1/agreements", JSON, RAW("{" AGREEMENT_OK ", \"supersedes\": 1.5}"),
     NULL, NULL, 400, "supersedes"},
    {"a quote speaker of true", "POST", "/v1/quotes", JSON,
     RAW("{\"article\": \"" ARTICLE_1 "\", \"speaker\": true, \"text\": \"t\"}"), NULL, NULL, 400,
     "speaker"},
    {"patch type: 7", "PATCH", "/v1/entities/robert-gates", JSON, RAW("{\"type\": 7}"), NULL, NULL,
     400, "type"},
    {"aliases to add as a string", "POST", "/v1/entities/robert-gates/aliases", JSON,
     RAW("{\"aliases\": \"Bob\"}"), NULL, NULL, 400, "aliases"},
    {"no aliases to add", "POST", "/v1/entities/robert-gates/aliases", JSON,
     RAW("{\"aliases\": []}"), NULL, NULL, 400, "aliases"},
    {"merge into a list", "POST", "/v1/entities/geoff-morrell/merge", JSON,
     RAW("{\"into\": [\"pentagon\"]}"), NULL, NULL, 400, "into"},

    /* A required field missing. */
    {"an article without body", "POST", "/v1/articles", JSON,
     RAW("{\"title\": \"T\", \"source\": \"s\", \"published_at\": \"2010-01-01\"}"), NULL, NULL,
     400, "body"},
    {"an article without published_at", "POST", "/v1/articles", JSON,
     RAW("{\"title\": \"T\", \"body\": \"b\", \"source\": \"s\"}"), NULL, NULL, 400,
     "published_at"},
    {"an entity without type", "POST", "/v1/entities", JSON, RAW("{\"name\": \"N\"}"), NULL, NULL,
     400, "type"},
    {"an entity without name", "POST", "/v1/entities", JSON, RAW("{\"type\": \"person\"}"), NULL,
     NULL, 400, "name"},
    {"an empty object", "POST", "/v1/agreements", JSON, RAW("{}"), NULL, NULL, 400, "title"},
    {"an agreement without status", "POST", "/v1/agreements", JSON,
     RAW("{\"title\": \"A\", \"kind\": \"deal\"}"), NULL, NULL, 400, "status"},
    {"a quote without text", "POST", "/v1/quotes", JSON,
     RAW("{\"article\": \"" ARTICLE_1 "\", \"speaker\": \"robert-gates\"}"), NULL, NULL, 400,
     "text"},
    {"a quote without speaker", "POST", "/v1/quotes", JSON,
     RAW("{\"article\": \"" ARTICLE_1 "\", \"text\": \"t\"}"), NULL, NULL, 400, "speaker"},
    {"a mention without entity", "POST", "/v1/articles", JSON,
     RAW("{" ARTICLE_OK ", \"mentions\": [{\"count\": 2}]}"), NULL, NULL, 400,
     "mentions[0].entity"},
    {"merge without into", "POST", "/v1/entities/geoff-morrell/merge", JSON, RAW("{}"), NULL, NULL,
     400, "into"},
    {"a blank name", "POST", "/v1/entities", JSON, RAW("{\"name\": \" \\t \", \"type\": \"person\"}"),
     NULL, NULL, 400, "name"},
    {"an empty title", "PATCH", "/v1/articles/" ARTICLE_1, JSON, RAW("{\"title\": \"\"}"), NULL,
     NULL, 400, "title"},

    /* A field the record does not have. */
    {"an unknown field", "POST", "/v1/entities", JSON, RAW("{" ENTITY_OK ", \"colour\": \"red\"}"),
     NULL, NULL, 400, "colour"},
    {"an unknown article field", "POST", "/v1/articles", JSON,
     RAW("{" ARTICLE_OK ", \"author\": \"x\"}"), NULL, NULL, 400, "author"},
    {"an unknown mention field", "POST", "/v1/articles", JSON,
     RAW("{" ARTICLE_OK ", \"mentions\": [{\"entity\": \"robert-gates\", \"weight\": 1}]}"), NULL,
     NULL, 400, "mentions[0].weight"},
    {"a read-only field", "POST", "/v1/entities", JSON, RAW("{" ENTITY_OK ", \"id\": 99}"), NULL,
     NULL, 400, "id"},
    {"a computed field in a patch", "PATCH", "/v1/entities/robert-gates", JSON,
     RAW("{\"mention_count\": 0}"), NULL, NULL, 400, "mention_count"},
    {"the export's entity_type in a POST", "POST", "/v1/entities", JSON,
     RAW("{\"name\": \"N\", \"entity_type\": \"person\"}"), NULL, NULL, 400, "entity_type"},
    {"an unknown field in a merge", "POST", "/v1/entities/geoff-morrell/merge", JSON,
     RAW("{\"to\": \"pentagon\"}"), NULL, NULL, 400, "to"},
    {"an unknown field beside aliases", "POST", "/v1/entities/robert-gates/aliases", JSON,
     RAW("{\"aliases\": [\"Bob\"], \"replace\": true}"), NULL, NULL, 400, "replace"},
    {"an unknown query parameter", "POST", "/v1/entities?dry_run=1", JSON, RAW("{" ENTITY_OK "}"),
     NULL, NULL, 400, "dry_run"},

    /* Too long. */
    {"a title of 501 bytes", "POST", "/v1/articles", JSON, NULL, 0, long_title, NULL, 400, "title"},
    {"a name of 201 bytes", "POST", "/v1/entities", JSON, NULL, 0, long_name, NULL, 400, "name"},
    {"a name of 101 two-byte characters", "POST", "/v1/entities", JSON, NULL, 0,
     long_multibyte_name, NULL, 400, "name"},
    {"an alias of 201 bytes", "POST", "/v1/entities", JSON, NULL, 0, long_alias, NULL, 400,
     "aliases[1]"},
    {"a quote of 4001 bytes", "POST", "/v1/quotes", JSON, NULL, 0, long_quote, NULL, 400, "text"},
    {"an article body over 512 KiB", "POST", "/v1/articles", JSON, NULL, 0, long_article_body,
     NULL, 400, "body"},
    {"an overlong Idempotency-Key", "POST", "/v1/entities", JSON, RAW("{" ENTITY_OK "}"), NULL,
     "Idempotency-Key: "
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
     "kkkkkkkkkkkkkkkk",
     400, "Idempotency-Key"},

    /* Not one of the allowed values. */
    {"entity type \"company\"", "POST", "/v1/entities", JSON,
     RAW("{\"name\": \"N\", \"type\": \"company\"}"), NULL, NULL, 400, "type"},
    {"entity type in capitals", "POST", "/v1/entities", JSON,
     RAW("{\"name\": \"N\", \"type\": \"PERSON\"}"), NULL, NULL, 400, "type"},
    {"agreement kind \"pact\"", "POST", "/v1/agreements", JSON,
     RAW("{\"title\": \"A\", \"kind\": \"pact\", \"status\": \"signed\"}"), NULL, NULL, 400, "kind"},
    {"agreement status \"done\"", "POST", "/v1/agreements", JSON,
     RAW("{\"title\": \"A\", \"kind\": \"deal\", \"status\": \"done\"}"), NULL, NULL, 400, "status"},
    {"a patched status \"void\"", "PATCH", "/v1/agreements/new-start-treaty", JSON,
     RAW("{\"status\": \"void\"}"), NULL, NULL, 400, "status"},
    {"a slug with capitals", "POST", "/v1/entities", JSON, RAW("{" ENTITY_OK ", \"slug\": \"Bad Slug\"}"),
     NULL, NULL, 400, "slug"},
    {"a slug of digits", "PATCH", "/v1/entities/robert-gates", JSON, RAW("{\"slug\": \"123\"}"),
     NULL, NULL, 400, "slug"},
    {"an ftp url", "POST", "/v1/articles", JSON, RAW("{" ARTICLE_OK ", \"url\": \"ftp://x/y\"}"),
     NULL, NULL, 400, "url"},

    /* Dates that are not. */
    {"published_at 2010-02-30", "POST", "/v1/articles", JSON,
     RAW("{\"title\": \"T\", \"body\": \"b\", \"source\": \"s\", \"published_at\": \"2010-02-30\"}"),
     NULL, NULL, 400, "published_at"},
    {"published_at yesterday", "POST", "/v1/articles", JSON,
     RAW("{\"title\": \"T\", \"body\": \"b\", \"source\": \"s\", \"published_at\": \"yesterday\"}"),
     NULL, NULL, 400, "published_at"},
    {"published_at month 13", "POST", "/v1/articles", JSON,
     RAW("{\"title\": \"T\", \"body\": \"b\", \"source\": \"s\","
         " \"published_at\": \"2010-13-01T00:00:00Z\"}"),
     NULL, NULL, 400, "published_at"},
    {"published_at hour 24", "POST", "/v1/articles", JSON,
     RAW("{\"title\": \"T\", \"body\": \"b\", \"source\": \"s\","
         " \"published_at\": \"2010-01-01T24:00:00Z\"}"),
     NULL, NULL, 400, "published_at"},
    {"published_at with an offset", "POST", "/v1/articles", JSON,
     RAW("{\"title\": \"T\", \"body\": \"b\", \"source\": \"s\","
         " \"published_at\": \"2010-01-01T10:00:00+02:00\"}"),
     NULL, NULL, 400, "published_at"},
    {"published_at 2011-02-29", "PATCH", "/v1/articles/" ARTICLE_1, JSON,
     RAW("{\"published_at\": \"2011-02-29\"}"), NULL, NULL, 400, "published_at"},
    {"published_at as a number", "PATCH", "/v1/articles/" ARTICLE_1, JSON,
     RAW("{\"published_at\": 20100101}"), NULL, NULL, 400, "published_at"},
    {"signed_on 2010-02-30", "POST", "/v1/agreements", JSON,
     RAW("{" AGREEMENT_OK ", \"signed_on\": \"2010-02-30\"}"), NULL, NULL, 400, "signed_on"},
    {"signed_on with a time", "PATCH", "/v1/agreements/new-start-treaty", JSON,
     RAW("{\"signed_on\": \"2010-04-08T00:00:00Z\"}"), NULL, NULL, 400, "signed_on"},

    /* Bytes that are not UTF-8 text. */
    {"a 0xFF byte in a string", "POST", "/v1/entities", JSON,
     RAW("{\"name\": \"N\xff\", \"type\": \"person\"}"), NULL, NULL, 400, "body"},
    {"an overlong encoding of /", "POST", "/v1/entities", JSON,
     RAW("{\"name\": \"N\xc0\xaf\", \"type\": \"person\"}"), NULL, NULL, 400, "body"},
    {"a UTF-16 surrogate in UTF-8", "POST", "/v1/entities", JSON,
     RAW("{\"name\": \"N\xed\xa0\x80\", \"type\": \"person\"}"), NULL, NULL, 400, "body"},
    {"a truncated sequence", "PATCH", "/v1/entities/robert-gates", JSON,
     RAW("{\"description\": \"\xe2\x82\"}"), NULL, NULL, 400, "body"},
    {"a lone escaped surrogate", "POST", "/v1/entities", JSON,
     RAW("{\"name\": \"N\\ud800\", \"type\": \"person\"}"), NULL, NULL, 400, "body"},
    {"Latin-1 text", "POST", "/v1/articles", JSON,
     RAW("{\"title\": \"Caf\xe9\", \"body\": \"b\", \"source\": \"s\","
         " \"published_at\": \"2010-01-01\"}"),
     NULL, NULL, 400, "body"},

    /* NUL and other control characters. */
    {"a raw NUL in a string", "POST", "/v1/entities", JSON,
     RAW("{\"name\": \"N\0x\", \"type\": \"person\"}"), NULL, NULL, 400, "body"},
    {"an escaped NUL in a string", "POST", "/v1/entities", JSON,
     RAW("{\"name\": \"N\\u0000x\", \"type\": \"person\"}"), NULL, NULL, 400, "body"},
    {"an escaped NUL in a patch", "PATCH", "/v1/quotes/gates-russia-not-a-threat", JSON,
     RAW("{\"text\": \"\\u0000\"}"), NULL, NULL, 400, "body"},
    {"a NUL after the object", "POST", "/v1/entities", JSON, RAW("{" ENTITY_OK "}\0"), NULL, NULL,
     400, "body"},
    {"a NUL in a key", "POST", "/v1/entities", JSON,
     RAW("{\"na\0me\": \"N\", \"type\": \"person\"}"), NULL, NULL, 400, "body"},
    {"an escaped control character", "POST", "/v1/entities", JSON,
     RAW("{\"name\": \"N\\u0007\", \"type\": \"person\"}"), NULL, NULL, 400, "name"},
    {"an escaped escape in an alias", "POST", "/v1/entities/robert-gates/aliases", JSON,
     RAW("{\"aliases\": [\"\\u001b[31m\"]}"), NULL, NULL, 400, "aliases[0]"},

    /* Absurd nesting. */
    {"arrays nested 10,000 deep", "POST", "/v1/entities", JSON, NULL, 0, deep_arrays, NULL, 400,
     "body"},
    {"objects nested 10,000 deep", "POST", "/v1/entities", JSON, NULL, 0, deep_objects, NULL, 400,
     "body"},
    {"a top-level array 10,000 deep", "PATCH", "/v1/entities/robert-gates", JSON, NULL, 0,
     deep_top_level, NULL, 400, "body"},

    /* Too large. */
    {"a body over 1 MiB", "POST", "/v1/entities", JSON, NULL, 0, over_max_body, NULL, 413, NULL},
    {"a patch over 1 MiB", "PATCH", "/v1/entities/robert-gates", JSON, NULL, 0, over_max_body,
     NULL, 413, NULL},

    /* Not JSON at all. */
    {"text/plain", "POST", "/v1/entities", "text/plain", RAW("{" ENTITY_OK "}"), NULL, NULL, 415,
     "Content-Type"},
    {"no Content-Type", "POST", "/v1/entities", NULL, RAW("{" ENTITY_OK "}"), NULL, NULL, 415,
     "Content-Type"},
    {"a form", "POST", "/v1/articles", "application/x-www-form-urlencoded", RAW("title=T"), NULL,
     NULL, 415, "Content-Type"},
    {"a JSON-like type", "POST", "/v1/entities", "application/jsonx", RAW("{" ENTITY_OK "}"), NULL,
     NULL, 415, "Content-Type"},
    {"NDJSON to a record", "POST", "/v1/entities", "application/x-ndjson", RAW("{" ENTITY_OK "}"),
     NULL, NULL, 415, "Content-Type"},
    {"a patch as text/plain", "PATCH", "/v1/entities/robert-gates", "text/plain",
     RAW("{\"name\": \"X\"}"), NULL, NULL, 415, "Content-Type"},
    {"merge-patch to a POST", "POST", "/v1/quotes", "application/merge-patch+json",
     RAW("{\"article\": \"" ARTICLE_1 "\", \"speaker\": \"robert-gates\", \"text\": \"t\"}"), NULL,
     NULL, 415, "Content-Type"},
    {"aliases as text/plain", "POST", "/v1/entities/robert-gates/aliases", "text/plain",
     RAW("{\"aliases\": [\"Bob\"]}"), NULL, NULL, 415, "Content-Type"},
    {"JSON to the import", "POST", "/v1/import", JSON,
     RAW("{\"type\": \"entity\", \"name\": \"N\", \"entity_type\": \"person\"}\n"), NULL, NULL, 415,
     "Content-Type"},

    /* A slug another record has. */
    {"an entity slug taken", "POST", "/v1/entities", JSON,
     RAW("{" ENTITY_OK ", \"slug\": \"robert-gates\"}"), NULL, NULL, 409, "slug"},
    {"an article slug taken", "POST", "/v1/articles", JSON,
     RAW("{" ARTICLE_OK ", \"slug\": \"" ARTICLE_1 "\"}"), NULL, NULL, 409, "slug"},
    {"an agreement slug taken", "POST", "/v1/agreements", JSON,
     RAW("{" AGREEMENT_OK ", \"slug\": \"new-start-treaty\"}"), NULL, NULL, 409, "slug"},
    {"a quote slug taken", "POST", "/v1/quotes", JSON,
     RAW("{\"article\": \"" ARTICLE_1 "\", \"speaker\": \"robert-gates\", \"text\": \"t\","
         " \"slug\": \"gates-russia-not-a-threat\"}"),
     NULL, NULL, 409, "slug"},
    {"a patch to a taken slug", "PATCH", "/v1/entities/olga-oliker", JSON,
     RAW("{\"slug\": \"robert-gates\"}"), NULL, NULL, 409, "slug"},

    /* Conflicts with what is stored. */
    {"a supersedes cycle", "PATCH", "/v1/agreements/" ACCORD, JSON,
     RAW("{\"supersedes\": \"" MEMORANDUM "\"}"), NULL, NULL, 409, "supersedes"},
    {"superseding itself", "PATCH", "/v1/agreements/new-start-treaty", JSON,
     RAW("{\"supersedes\": \"new-start-treaty\"}"), NULL, NULL, 409, "supersedes"},
    {"deleting a speaker", "DELETE", "/v1/entities/robert-gates", NULL, NULL, 0, NULL, NULL, 409,
     NULL},
    {"merging into itself", "POST", "/v1/entities/robert-gates/merge", JSON,
     RAW("{\"into\": \"robert-gates\"}"), NULL, NULL, 409, "into"},
    {"a stale If-Match", "PATCH", "/v1/entities/robert-gates", JSON, RAW("{\"name\": \"X\"}"), NULL,
     "If-Match: \"v0\"", 412, "If-Match"},
    {"a stale If-Match on delete", "DELETE", "/v1/quotes/gates-russia-not-a-threat", NULL, NULL, 0,
     NULL, "If-Match: \"v0\"", 412, "If-Match"},

    /* References to records that do not exist. */
    {"a mention of no entity", "POST", "/v1/articles", JSON,
     RAW("{" ARTICLE_OK ", \"mentions\": [{\"entity\": \"robert-gates\"},"
         " {\"entity\": \"no-such-entity\"}]}"),
     NULL, NULL, 422, "mentions[1].entity"},
    {"a mention of entity id 999999", "PATCH", "/v1/articles/" ARTICLE_1, JSON,
     RAW("{\"mentions\": [{\"entity\": 999999}]}"), NULL, NULL, 422, "mentions[0].entity"},
    {"a quote in no article", "POST", "/v1/quotes", JSON,
     RAW("{\"article\": \"no-such-article\", \"speaker\": \"robert-gates\", \"text\": \"t\"}"),
     NULL, NULL, 422, "article"},
    {"a quote by no one", "POST", "/v1/quotes", JSON,
     RAW("{\"article\": \"" ARTICLE_1 "\", \"speaker\": \"no-one\", \"text\": \"t\"}"), NULL, NULL,
     422, "speaker"},
    {"a quote moved to no speaker", "PATCH", "/v1/quotes/gates-russia-not-a-threat", JSON,
     RAW("{\"speaker\": 424242}"), NULL, NULL, 422, "speaker"},
    {"a party that does not exist", "POST", "/v1/agreements", JSON,
     RAW("{" AGREEMENT_OK ", \"parties\": [\"russia\", \"atlantis\"]}"), NULL, NULL, 422,
     "parties[1]"},
    {"a signatory that does not exist", "POST", "/v1/agreements", JSON,
     RAW("{" AGREEMENT_OK ", \"signatories\": [\"nobody\"]}"), NULL, NULL, 422, "signatories[0]"},
    {"an article that does not exist", "PATCH", "/v1/agreements/new-start-treaty", JSON,
     RAW("{\"articles\": [\"" ARTICLE_1 "\", \"no-such-article\"]}"), NULL, NULL, 422,
     "articles[1]"},
    {"superseding no agreement", "POST", "/v1/agreements", JSON,
     RAW("{" AGREEMENT_OK ", \"supersedes\": \"no-such-agreement\"}"), NULL, NULL, 422,
     "supersedes"},
    {"an entity slug as a quote's article", "POST", "/v1/quotes", JSON,
     RAW("{\"article\": \"robert-gates\", \"speaker\": \"robert-gates\", \"text\": \"t\"}"), NULL,
     NULL, 422, "article"},
    {"merging into no entity", "POST", "/v1/entities/geoff-morrell/merge", JSON,
     RAW("{\"into\": \"no-such-entity\"}"), NULL, NULL, 422, "into"},

    /* Records that are not there at all. */
    {"merging no entity", "POST", "/v1/entities/no-such-entity/merge", JSON,
     RAW("{\"into\": \"pentagon\"}"), NULL, NULL, 404, NULL},
    {"patching no entity", "PATCH", "/v1/entities/no-such-entity", JSON, RAW("{\"name\": \"X\"}"),
     NULL, NULL, 404, NULL},
    {"deleting no article", "DELETE", "/v1/articles/999999", NULL, NULL, 0, NULL, NULL, 404, NULL},
    {"a malformed id", "PATCH", "/v1/entities/Robert%20Gates", JSON, RAW("{\"name\": \"X\"}"),
     NULL, NULL, 400, "id"},
};

#define BAD_INPUT_COUNT (sizeof bad_inputs / sizeof bad_inputs[0])

static void start_bad_input(void)
{
    ts = test_server_start();
}

TestSuite(bad_input, .init = start_bad_input, .fini = stop, .timeout = 30);

ParameterizedTestParameters(bad_input, is_refused_clearly_and_changes_nothing)
{
    static size_t rows[BAD_INPUT_COUNT];
    for (size_t i = 0; i < BAD_INPUT_COUNT; i++)
        rows[i] = i;
    return cr_make_param_array(size_t, rows, BAD_INPUT_COUNT);
}

ParameterizedTest(size_t *row, bad_input, is_refused_clearly_and_changes_nothing)
{
    const struct bad_input *in = &bad_inputs[*row];
    size_t body_len = in->body_len, before_len;
    char *made = in->make != NULL ? in->make(&body_len) : NULL;
    const char *body = made != NULL ? made : in->body;
    const char *headers[] = {in->header, NULL};

    /* A record named in the path: its version must not move either. */
    char etag_before[40] = "";
    if (strcmp(in->method, "POST") != 0) {
        struct http_result res = http_get(ts, in->path);
        if (res.status == 200 && http_header(&res, "ETag") != NULL)
            snprintf(etag_before, sizeof etag_before, "%s", http_header(&res, "ETag"));
        http_result_free(&res);
    }

    char *before = test_server_snapshot(ts, &before_len);
    struct http_result res =
        http_send(ts, in->method, in->path, in->content_type, body, body_len, headers);
    cr_assert_eq(res.status, in->status, "%s: expected %ld, got %ld: %s", in->name, in->status,
                 res.status, res.body);
    const char *named = problem_field(res.json);
    cr_assert(in->field == NULL || (named != NULL && strcmp(named, in->field) == 0),
              "%s: expected field %s: %s", in->name, in->field ? in->field : "", res.body);
    http_assert_problem(&res, in->status, in->field);
    if (in->field == NULL && in->status != 409 && in->status != 404)
        cr_assert_null(problem_field(res.json), "%s: names %s", in->name, problem_field(res.json));
    http_result_free(&res);

    assert_store_is(before, before_len, in->name);
    if (etag_before[0] != '\0') {
        char etag_after[40];
        etag_of(in->path, etag_after, sizeof etag_after);
        cr_assert_str_eq(etag_after, etag_before, "%s: the record's version moved", in->name);
    }
    free(before);
    free(made);
}
