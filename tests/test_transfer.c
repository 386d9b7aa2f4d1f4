/* Bulk transfer over HTTP: GET /v1/export and POST /v1/import (NDJSON), the
 * round trip into an empty store, all-or-nothing and partial imports, and
 * uploads larger than --max-body that are spooled to disk. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

TestSuite(transfer, .init = start, .fini = stop, .timeout = 60);

#define NDJSON "application/x-ndjson"

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static json_int_t num(const json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

/* POST /v1/import on `to` with the admin key. `query` is "" or "?...". */
static struct http_result import(const struct test_server *to, const char *query,
                                 const char *body, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/v1/import%s", query);
    return http_send(to, "POST", path, NDJSON, body, len, NULL);
}

static struct http_result import_text(const struct test_server *to, const char *query,
                                      const char *body)
{
    return import(to, query, body, strlen(body));
}

/* GET /v1/export, which must answer 200 as NDJSON; the result's body is the
 * export. */
static struct http_result export_of(const struct test_server *from)
{
    struct http_result res = http_get(from, "/v1/export");
    cr_assert_eq(res.status, 200, "%s", res.body);
    cr_assert_str_eq(http_header(&res, "Content-Type"), "application/x-ndjson");
    return res;
}

static void assert_imported(const json_t *answer, int entities, int articles, int quotes,
                            int agreements)
{
    json_t *counts = json_object_get(answer, "imported");
    cr_assert_eq(num(counts, "entities"), entities, "entities: %lld",
                 (long long)num(counts, "entities"));
    cr_assert_eq(num(counts, "articles"), articles, "articles: %lld",
                 (long long)num(counts, "articles"));
    cr_assert_eq(num(counts, "quotes"), quotes, "quotes: %lld", (long long)num(counts, "quotes"));
    cr_assert_eq(num(counts, "agreements"), agreements, "agreements: %lld",
                 (long long)num(counts, "agreements"));
}

static void assert_store_is(const struct test_server *s, const char *before, size_t before_len,
                            const char *what)
{
    size_t after_len;
    char *after = test_server_snapshot(s, &after_len);
    cr_assert(after_len == before_len && memcmp(before, after, before_len) == 0,
              "%s changed the store (%zu bytes before, %zu after)", what, before_len, after_len);
    free(after);
}

static long status_of_get(const struct test_server *s, const char *path)
{
    struct http_result res = http_get(s, path);
    long status = res.status;
    http_result_free(&res);
    return status;
}

/* Exports `from`, imports that into a new empty server, exports it again
 * and asserts the two exports are the same bytes. */
static void assert_round_trip(const struct test_server *from)
{
    struct http_result first = export_of(from);
    cr_assert_gt(first.body_len, 0);
    struct test_server *empty = test_server_start_config(NULL, false);
    struct http_result nothing = export_of(empty);
    cr_assert_eq(nothing.body_len, 0, "the empty store exports nothing: %s", nothing.body);
    http_result_free(&nothing);

    struct http_result res = import(empty, "", first.body, first.body_len);
    cr_assert_eq(res.status, 200, "%s", res.body);
    cr_assert_eq(json_array_size(json_object_get(res.json, "errors")), 0, "%s", res.body);
    http_result_free(&res);

    struct http_result second = export_of(empty);
    size_t common = 0;
    while (common < first.body_len && common < second.body_len &&
           first.body[common] == second.body[common])
        common++;
    cr_assert(first.body_len == second.body_len && common == first.body_len,
              "the exports differ from byte %zu:\n%.300s\n---\n%.300s", common,
              first.body + (common > 100 ? common - 100 : 0),
              second.body + (common > 100 ? common - 100 : 0));
    http_result_free(&second);
    http_result_free(&first);
    test_server_stop(empty);
}

/* ---- export ------------------------------------------------------------ */

Test(transfer, the_export_is_one_typed_record_a_line_in_reference_order)
{
    struct http_result res = export_of(ts);
    cr_assert_not_null(strstr(http_header(&res, "Content-Disposition"), "attachment"));
    cr_assert_eq(res.body[res.body_len - 1], '\n');
    const char *order[] = {"entity", "article", "quote", "agreement"};
    int counts[4] = {0};
    size_t kind = 0;
    for (char *line = res.body; *line != '\0';) {
        char *end = strchr(line, '\n');
        cr_assert_not_null(end);
        cr_assert_eq(strncmp(line, "{\"type\":\"", 9), 0, "type leads the line: %.60s", line);
        json_t *rec = json_loadb(line, (size_t)(end - line), 0, NULL);
        cr_assert_not_null(rec, "%.100s", line);
        const char *type = str(rec, "type");
        while (kind < 4 && strcmp(order[kind], type) != 0)
            kind++;
        cr_assert_lt(kind, 4, "%s out of order", type);
        counts[kind]++;
        if (kind == 0) {
            cr_assert_not_null(str(rec, "entity_type"), "an entity's own type is entity_type");
            cr_assert_not_null(str(rec, "slug"));
        }
        json_decref(rec);
        line = end + 1;
    }
    cr_assert_eq(counts[0], 32);
    cr_assert_eq(counts[1], 3);
    cr_assert_eq(counts[2], 11);
    cr_assert_eq(counts[3], 8);
    /* The snapshot the tests compare is this same export. */
    size_t len;
    char *snapshot = test_server_snapshot(ts, &len);
    cr_assert_eq(len, res.body_len);
    cr_assert_eq(memcmp(snapshot, res.body, len), 0);
    free(snapshot);
    http_result_free(&res);
}

Test(transfer, the_sample_round_trips_into_an_empty_server_byte_for_byte)
{
    assert_round_trip(ts);
}

Test(transfer, an_edited_store_round_trips_byte_for_byte)
{
    /* Aliases, a merge, deletions (gaps in ids), a supersedes chain, text
     * with quotes, backslashes and non-ASCII, and a renamed slug. */
    const char *writes[][3] = {
        {"POST", "/v1/entities",
         "{\"name\": \"R. Gates\", \"type\": \"person\", \"aliases\": [\"Bob\", \"B. Gates\"]}"},
        {"POST", "/v1/entities/robert-gates/aliases", "{\"aliases\": [\"SecDef\"]}"},
        {"POST", "/v1/articles",
         "{\"title\": \"\\\"Quoted\\\" \\\\ caf\\u00e9 \xe2\x80\x94 50% _x\", \"body\": \"line\\nline\","
         " \"source\": \"s\", \"published_at\": \"2010-10-01T08:00:00Z\","
         " \"url\": \"https://example.com/?a=1&b=2\","
         " \"mentions\": [{\"entity\": \"r-gates\", \"count\": 2}, {\"entity\": \"moscow\"}]}"},
        {"POST", "/v1/entities/r-gates/merge", "{\"into\": \"robert-gates\"}"},
        {"DELETE", "/v1/entities/pentagon", NULL},
        {"DELETE", "/v1/quotes/oliker-reset-signal-is-huge", NULL},
        {"PATCH", "/v1/entities/olga-oliker", "{\"slug\": \"oliker\", \"description\": null}"},
        {"POST", "/v1/agreements",
         "{\"title\": \"Follow-on\", \"kind\": \"treaty\", \"status\": \"proposed\","
         " \"supersedes\": \"new-start-treaty\", \"parties\": [\"russia\", \"united-states\"],"
         " \"signatories\": [\"oliker\"], \"articles\": [\"pentagon-advances-mi-17-purchase-for-"
         "afghan-forces\", \"us-russian-defense-chiefs-promote-deeper-ties\"]}"},
        {"POST", "/v1/agreements",
         "{\"title\": \"Follow-on\", \"kind\": \"treaty\", \"status\": \"proposed\","
         " \"supersedes\": \"follow-on\"}"},
        {"DELETE", "/v1/agreements/us-russia-defense-working-group-plan", NULL},
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        struct http_result res = http_write(ts, writes[i][0], writes[i][1], writes[i][2], NULL);
        cr_assert(res.status >= 200 && res.status < 300, "%s %s: %s", writes[i][0], writes[i][1],
                  res.body);
        http_result_free(&res);
    }
    assert_round_trip(ts);
}

/* An agreement that another supersedes, then patched back to "signed" by
 * hand: the import keeps the stated status, so the round trip is exact. */
Test(transfer, an_agreement_patched_out_of_superseded_round_trips)
{
    struct http_result res =
        http_write(ts, "PATCH", "/v1/agreements/us-russia-defense-cooperation-accord-1993",
                   "{\"status\": \"signed\"}", NULL);
    cr_assert_eq(res.status, 200, "%s", res.body);
    http_result_free(&res);
    assert_round_trip(ts);
}

/* ---- all or nothing ---------------------------------------------------- */

Test(transfer, a_bad_line_3_is_422_naming_it_and_nothing_is_stored)
{
    const char *body =
        "{\"type\": \"entity\", \"name\": \"Import One\", \"entity_type\": \"person\"}\n"
        "{\"type\": \"entity\", \"name\": \"Import Two\", \"entity_type\": \"organization\"}\n"
        "{\"type\": \"entity\", \"name\": \"Import Three\", \"entity_type\": \"company\"}\n"
        "{\"type\": \"entity\", \"name\": \"Import Four\", \"entity_type\": \"person\"}\n";
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    struct http_result res = import_text(ts, "", body);
    http_assert_problem(&res, 422, "entity_type");
    cr_assert_eq(num(res.json, "line"), 3, "%s", res.body);
    json_t *first = json_array_get(json_object_get(res.json, "errors"), 0);
    cr_assert_eq(num(first, "line"), 3);
    cr_assert_not_null(strstr(str(res.json, "detail"), "line 3"), "%s", res.body);
    http_result_free(&res);
    assert_store_is(ts, before, before_len, "a refused import");
    free(before);
    cr_assert_eq(status_of_get(ts, "/v1/entities/import-one"), 404);
}

Test(transfer, each_kind_of_bad_line_is_422_with_its_line_number)
{
    const char *good = "{\"type\": \"entity\", \"name\": \"Fine\", \"entity_type\": \"person\"}\n";
    struct {
        const char *line;
        const char *field;
    } bad[] = {
        {"{\"type\": \"entity\", \"name\": ", "line"},
        {"[1, 2]", "type"},
        {"{\"name\": \"No type\", \"entity_type\": \"person\"}", "type"},
        {"{\"type\": \"person\", \"name\": \"X\"}", "type"},
        {"{\"type\": \"entity\", \"name\": \"X\"}", "entity_type"},
        {"{\"type\": \"entity\", \"name\": \"X\", \"entity_type\": \"person\", \"age\": 3}", "age"},
        {"{\"type\": \"entity\", \"name\": \"X\", \"entity_type\": \"person\", \"slug\": "
         "\"robert-gates\"}",
         "slug"},
        {"{\"type\": \"article\", \"title\": \"T\", \"body\": \"b\", \"source\": \"s\","
         " \"published_at\": \"2010-02-30\"}",
         "published_at"},
        {"{\"type\": \"quote\", \"article\": \"nope\", \"speaker\": \"robert-gates\", \"text\": "
         "\"t\"}",
         "article"},
        {"{\"type\": \"agreement\", \"title\": \"A\", \"kind\": \"deal\", \"status\": \"signed\","
         " \"parties\": [\"atlantis\"]}",
         "parties[0]"},
        {"{\"type\": \"agreement\", \"title\": \"A\", \"kind\": \"deal\", \"status\": \"signed\","
         " \"supersedes\": \"no-such-agreement\"}",
         "supersedes"},
        {"{\"type\": \"entity\", \"name\": \"X\xff\", \"entity_type\": \"person\"}", "line"},
        {"{\"type\": \"entity\", \"name\": \"X\\u0000\", \"entity_type\": \"person\"}", "line"},
    };
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[1024];
        /* Two good lines, a blank one, then the bad line: line 4. */
        int len = snprintf(body, sizeof body, "%s%s\n%s\n%s", good,
                           "{\"type\": \"entity\", \"name\": \"Fine too\", \"entity_type\": "
                           "\"person\"}",
                           "", bad[i].line);
        struct http_result res = import(ts, "", body, (size_t)len);
        http_assert_problem(&res, 422, bad[i].field);
        cr_assert_eq(num(res.json, "line"), 4, "%s: %s", bad[i].line, res.body);
        http_result_free(&res);
    }
    assert_store_is(ts, before, before_len, "refused imports");
    free(before);
}

Test(transfer, a_line_over_2_mib_is_422_and_nothing_is_stored)
{
    size_t big = 2 * 1024 * 1024 + 64;
    const char *head = "{\"type\": \"entity\", \"name\": \"Fine\", \"entity_type\": \"person\"}\n"
                       "{\"type\": \"article\", \"title\": \"Huge\", \"source\": \"s\","
                       " \"published_at\": \"2010-01-01\", \"body\": \"";
    const char *tail = "\"}\n{\"type\": \"entity\", \"name\": \"After\", \"entity_type\": "
                       "\"person\"}\n";
    size_t hl = strlen(head), tl = strlen(tail);
    char *body = malloc(hl + big + tl);
    memcpy(body, head, hl);
    memset(body + hl, 'x', big);
    memcpy(body + hl + big, tail, tl);

    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    struct http_result res = import(ts, "", body, hl + big + tl);
    http_assert_problem(&res, 422, NULL);
    cr_assert_eq(num(res.json, "line"), 2, "%s", res.body);
    http_result_free(&res);
    assert_store_is(ts, before, before_len, "an import with a huge line");
    free(before);

    /* Partial mode skips it and keeps the lines around it. */
    res = import(ts, "?mode=partial", body, hl + big + tl);
    cr_assert_eq(res.status, 200, "%s", res.body);
    assert_imported(res.json, 2, 0, 0, 0);
    json_t *errors = json_object_get(res.json, "errors");
    cr_assert_eq(json_array_size(errors), 1);
    cr_assert_eq(num(json_array_get(errors, 0), "line"), 2);
    http_result_free(&res);
    cr_assert_eq(status_of_get(ts, "/v1/entities/after"), 200);
    free(body);
}

/* ---- partial ----------------------------------------------------------- */

Test(transfer, partial_mode_stores_the_good_lines_and_lists_each_bad_one)
{
    const char *body =
        "{\"type\": \"entity\", \"name\": \"Good One\", \"entity_type\": \"person\"}\n"
        "{\"type\": \"entity\", \"name\": \n"
        "{\"type\": \"article\", \"title\": \"Good article\", \"body\": \"b\", \"source\": \"s\","
        " \"published_at\": \"2010-01-01\", \"mentions\": [{\"entity\": \"good-one\"}]}\n"
        "{\"type\": \"quote\", \"article\": \"good-article\", \"speaker\": \"no-one\", \"text\": "
        "\"t\"}\n"
        "\n"
        "{\"type\": \"agreement\", \"title\": \"Bad\", \"kind\": \"pact\", \"status\": \"signed\"}\n"
        "{\"type\": \"quote\", \"article\": \"good-article\", \"speaker\": \"good-one\", \"text\": "
        "\"Said well.\"}\n"
        "{\"type\": \"agreement\", \"title\": \"Loop\", \"kind\": \"deal\", \"status\": \"signed\","
        " \"supersedes\": \"loop\"}\n";
    struct http_result res = import_text(ts, "?mode=partial", body);
    cr_assert_eq(res.status, 200, "%s", res.body);
    assert_imported(res.json, 1, 1, 1, 1);
    json_t *errors = json_object_get(res.json, "errors");
    cr_assert_eq(json_array_size(errors), 4, "%s", res.body);
    const long lines[] = {2, 4, 6, 8};
    const char *fields[] = {"", "speaker", "kind", "supersedes"};
    for (size_t i = 0; i < 4; i++) {
        json_t *e = json_array_get(errors, i);
        cr_assert_eq(num(e, "line"), lines[i], "%s", res.body);
        cr_assert_str_eq(str(e, "field"), fields[i], "%s", res.body);
        cr_assert_not_null(str(e, "message"));
    }
    http_result_free(&res);

    cr_assert_eq(status_of_get(ts, "/v1/entities/good-one"), 200);
    cr_assert_eq(status_of_get(ts, "/v1/articles/good-article"), 200);
    cr_assert_eq(status_of_get(ts, "/v1/quotes/said-well"), 200);
    cr_assert_eq(status_of_get(ts, "/v1/agreements/bad"), 404);
    /* The self-superseding agreement is kept; only its link was refused. */
    res = http_get(ts, "/v1/agreements/loop");
    cr_assert_eq(res.status, 200);
    cr_assert(json_is_null(json_object_get(res.json, "supersedes")));
    http_result_free(&res);
}

Test(transfer, partial_mode_with_only_good_lines_reports_no_errors)
{
    struct http_result res = import_text(
        ts, "?mode=partial", "{\"type\": \"entity\", \"name\": \"Only\", \"entity_type\": \"product\"}");
    cr_assert_eq(res.status, 200, "%s", res.body);
    assert_imported(res.json, 1, 0, 0, 0);
    cr_assert_eq(json_array_size(json_object_get(res.json, "errors")), 0);
    http_result_free(&res);
}

/* ---- the request --------------------------------------------------------- */

Test(transfer, a_wrong_content_type_is_415)
{
    const char *line = "{\"type\": \"entity\", \"name\": \"X\", \"entity_type\": \"person\"}\n";
    const char *types[] = {"application/json", "text/plain", NULL, "application/ndjson-ish"};
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    for (size_t i = 0; i < 4; i++) {
        struct http_result res =
            http_send(ts, "POST", "/v1/import", types[i], line, strlen(line), NULL);
        http_assert_problem(&res, 415, "Content-Type");
        http_result_free(&res);
    }
    assert_store_is(ts, before, before_len, "imports of the wrong type");
    free(before);
    /* Parameters after the type are fine. */
    struct http_result res = http_send(ts, "POST", "/v1/import", "application/x-ndjson; charset=utf-8",
                                       line, strlen(line), NULL);
    cr_assert_eq(res.status, 200, "%s", res.body);
    http_result_free(&res);
}

Test(transfer, an_unknown_mode_or_parameter_is_400)
{
    const char *line = "{\"type\": \"entity\", \"name\": \"X\", \"entity_type\": \"person\"}\n";
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    struct http_result res = import_text(ts, "?mode=some", line);
    http_assert_problem(&res, 400, "mode");
    http_result_free(&res);
    res = import_text(ts, "?mode=PARTIAL", line);
    http_assert_problem(&res, 400, "mode");
    http_result_free(&res);
    res = import_text(ts, "?dry_run=1", line);
    http_assert_problem(&res, 400, "dry_run");
    http_result_free(&res);
    assert_store_is(ts, before, before_len, "imports with a bad mode");
    free(before);
    res = import_text(ts, "?mode=all", line);
    cr_assert_eq(res.status, 200, "explicit all is the default: %s", res.body);
    http_result_free(&res);
}

Test(transfer, an_import_without_a_key_is_401_and_with_a_read_key_403)
{
    const char *line = "{\"type\": \"entity\", \"name\": \"X\", \"entity_type\": \"person\"}\n";
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    struct http_result res = http_request(ts, "POST", "/v1/import", line, strlen(line),
                                          (const char *[]){"Content-Type: " NDJSON, NULL});
    http_assert_problem(&res, 401, NULL);
    cr_assert_not_null(http_header(&res, "WWW-Authenticate"));
    http_result_free(&res);

    char key[KEY_TEXT_SIZE], auth[128];
    cr_assert_eq(db_key_create(ts->store, "reader", KEY_SCOPE_READ, key, sizeof key), DB_OK);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    res = http_request(ts, "POST", "/v1/import", line, strlen(line),
                       (const char *[]){"Content-Type: " NDJSON, auth, NULL});
    http_assert_problem(&res, 403, NULL);
    http_result_free(&res);
    assert_store_is(ts, before, before_len, "an unauthorised import");
    free(before);

    /* The export is a read: open by default. */
    res = http_get(ts, "/v1/export");
    cr_assert_eq(res.status, 200);
    http_result_free(&res);
}

Test(transfer, blank_lines_and_crlf_are_skipped_but_still_counted)
{
    const char *body = "\n"
                       "   \n"
                       "{\"type\": \"entity\", \"name\": \"Crlf\", \"entity_type\": \"person\"}\r\n"
                       "\t\r\n"
                       "\r\n"
                       "{\"type\": \"entity\", \"name\": \"Last\", \"entity_type\": \"person\"}";
    struct http_result res = import_text(ts, "", body);
    cr_assert_eq(res.status, 200, "%s", res.body);
    assert_imported(res.json, 2, 0, 0, 0);
    http_result_free(&res);
    res = http_get(ts, "/v1/entities/crlf");
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(str(res.json, "name"), "Crlf");
    http_result_free(&res);

    /* Line numbers count the blank lines: the bad record is line 4. */
    res = import_text(ts, "", "\n\n{\"type\": \"entity\", \"name\": \"A\", \"entity_type\": "
                              "\"person\"}\n{\"type\": \"entity\"}\n");
    http_assert_problem(&res, 422, NULL);
    cr_assert_eq(num(res.json, "line"), 4, "%s", res.body);
    http_result_free(&res);

    /* An empty upload imports nothing and succeeds. */
    res = import_text(ts, "", "\n\n");
    cr_assert_eq(res.status, 200, "%s", res.body);
    assert_imported(res.json, 0, 0, 0, 0);
    http_result_free(&res);
}

/* ---- references -------------------------------------------------------- */

Test(transfer, lines_refer_by_slug_to_records_earlier_in_the_stream_and_in_the_store)
{
    const char *body =
        "{\"type\": \"entity\", \"slug\": \"new-minister\", \"name\": \"New Minister\","
        " \"entity_type\": \"person\", \"aliases\": [\"Minister\"]}\n"
        "{\"type\": \"article\", \"slug\": \"ministers-meet\", \"title\": \"Ministers meet\","
        " \"body\": \"b\", \"source\": \"s\", \"published_at\": \"2011-01-01\","
        " \"mentions\": [{\"entity\": \"new-minister\", \"count\": 2},"
        " {\"entity\": \"robert-gates\", \"count\": 1}]}\n"
        "{\"type\": \"quote\", \"article\": \"ministers-meet\", \"speaker\": \"new-minister\","
        " \"text\": \"Good talks.\"}\n"
        "{\"type\": \"agreement\", \"title\": \"Ministers accord\", \"kind\": \"accord\","
        " \"status\": \"signed\", \"signed_on\": \"2011-01-01\","
        " \"parties\": [\"russia\", \"united-states\"], \"signatories\": [\"new-minister\"],"
        " \"articles\": [\"ministers-meet\"]}\n";
    struct http_result res = import_text(ts, "", body);
    cr_assert_eq(res.status, 200, "%s", res.body);
    assert_imported(res.json, 1, 1, 1, 1);
    http_result_free(&res);

    res = http_get(ts, "/v1/entities/new-minister");
    cr_assert_eq(res.status, 200);
    cr_assert_eq(num(res.json, "mention_count"), 2);
    cr_assert_eq(num(res.json, "quote_count"), 1);
    cr_assert_eq(json_array_size(json_object_get(res.json, "agreements")), 1);
    http_result_free(&res);
    res = http_get(ts, "/v1/entities/robert-gates");
    cr_assert_eq(num(res.json, "mention_count"), 8);
    http_result_free(&res);
}

Test(transfer, supersedes_may_name_an_agreement_later_in_the_stream)
{
    const char *body =
        "{\"type\": \"agreement\", \"slug\": \"newer\", \"title\": \"Newer\", \"kind\": \"deal\","
        " \"status\": \"signed\", \"supersedes\": \"older\"}\n"
        "{\"type\": \"agreement\", \"slug\": \"oldest\", \"title\": \"Oldest\", \"kind\": \"deal\","
        " \"status\": \"in_force\"}\n"
        "{\"type\": \"agreement\", \"slug\": \"older\", \"title\": \"Older\", \"kind\": \"deal\","
        " \"status\": \"signed\", \"supersedes\": \"oldest\"}\n";
    struct http_result res = import_text(ts, "", body);
    cr_assert_eq(res.status, 200, "%s", res.body);
    assert_imported(res.json, 0, 0, 0, 3);
    http_result_free(&res);

    res = http_get(ts, "/v1/agreements/newer");
    cr_assert_str_eq(str(json_object_get(res.json, "supersedes"), "slug"), "older");
    http_result_free(&res);
    /* An import keeps the statuses its lines state: it restores a store,
     * it does not apply the API's rule for newly linked agreements. */
    res = http_get(ts, "/v1/agreements/older");
    cr_assert_str_eq(str(res.json, "status"), "signed");
    cr_assert_str_eq(str(json_object_get(res.json, "supersedes"), "slug"), "oldest");
    http_result_free(&res);
    res = http_get(ts, "/v1/agreements/oldest");
    cr_assert_str_eq(str(res.json, "status"), "in_force");
    http_result_free(&res);
}

Test(transfer, a_supersedes_cycle_in_the_stream_is_422_on_the_line_that_closes_it)
{
    const char *body =
        "{\"type\": \"agreement\", \"slug\": \"ring-a\", \"title\": \"A\", \"kind\": \"deal\","
        " \"status\": \"signed\", \"supersedes\": \"ring-b\"}\n"
        "{\"type\": \"agreement\", \"slug\": \"ring-b\", \"title\": \"B\", \"kind\": \"deal\","
        " \"status\": \"signed\", \"supersedes\": \"ring-a\"}\n";
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    struct http_result res = import_text(ts, "", body);
    http_assert_problem(&res, 422, "supersedes");
    cr_assert_eq(num(res.json, "line"), 2, "%s", res.body);
    http_result_free(&res);
    assert_store_is(ts, before, before_len, "a cyclic import");
    free(before);
}

/* ---- size -------------------------------------------------------------- */

/* Appends printf output to a growing buffer. */
struct text {
    char *data;
    size_t len, cap;
};

static void append(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(struct text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        cr_assert_geq(n, 0);
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        t->cap = t->cap * 2 + (size_t)n + 1;
        t->data = realloc(t->data, t->cap);
        cr_assert_not_null(t->data);
    }
}

Test(transfer, a_large_import_beyond_max_body_is_spooled_and_stored)
{
    struct text t = {malloc(1 << 20), 0, 1 << 20};
    char pad[201];
    memset(pad, 'p', 200);
    pad[200] = '\0';
    const int entities = 15000, articles = 5000;
    for (int i = 0; i < entities; i++)
        append(&t,
               "{\"type\": \"entity\", \"slug\": \"bulk-%d\", \"name\": \"Bulk %d\","
               " \"entity_type\": \"organization\", \"description\": \"%s\"}\n",
               i, i, pad);
    for (int i = 0; i < articles; i++)
        append(&t,
               "{\"type\": \"article\", \"slug\": \"bulk-article-%d\", \"title\": \"Bulk article %d\","
               " \"body\": \"%s %s\", \"source\": \"Bulk\", \"published_at\": \"2012-01-01\","
               " \"mentions\": [{\"entity\": \"bulk-%d\", \"count\": 2},"
               " {\"entity\": \"bulk-%d\"}]}\n",
               i, i, pad, pad, i, (i + 1) % entities);
    cr_assert_gt(t.len, 4 * ts->cfg.max_body, "%zu bytes", t.len);

    struct http_result res = import(ts, "", t.data, t.len);
    cr_assert_eq(res.status, 200, "%s", res.body);
    assert_imported(res.json, entities, articles, 0, 0);
    http_result_free(&res);

    res = http_get(ts, "/v1/entities/bulk-14999");
    cr_assert_eq(res.status, 200);
    cr_assert_eq(num(res.json, "mention_count"), 0);
    http_result_free(&res);
    res = http_get(ts, "/v1/entities/bulk-1");
    cr_assert_eq(num(res.json, "mention_count"), 3);
    http_result_free(&res);
    res = http_get(ts, "/v1/articles?source=Bulk&limit=1");
    cr_assert_str_eq(str(json_array_get(json_object_get(res.json, "data"), 0), "source"), "Bulk");
    http_result_free(&res);

    /* A record-sized request of the same bytes is refused before reading. */
    res = http_send(ts, "POST", "/v1/entities", "application/json", t.data, t.len, NULL);
    http_assert_problem(&res, 413, NULL);
    http_result_free(&res);
    free(t.data);
}

static void small_limits(struct config *cfg)
{
    cfg->max_body = 256;
    cfg->max_import = 64 * 1024;
}

Test(transfer, the_import_has_its_own_limit_apart_from_max_body)
{
    struct test_server *small = test_server_start_config(small_limits, false);
    struct text t = {malloc(4096), 0, 4096};
    for (int i = 0; i < 100; i++)
        append(&t, "{\"type\": \"entity\", \"name\": \"Small %d\", \"entity_type\": \"person\"}\n",
               i);
    cr_assert_gt(t.len, small->cfg.max_body);
    struct http_result res = import(small, "", t.data, t.len);
    cr_assert_eq(res.status, 200, "%s", res.body);
    assert_imported(res.json, 100, 0, 0, 0);
    http_result_free(&res);

    /* Past --max-import it is 413, and nothing is stored. */
    while (t.len <= small->cfg.max_import)
        append(&t, "{\"type\": \"entity\", \"name\": \"Over %zu\", \"entity_type\": \"person\"}\n",
               t.len);
    size_t before_len;
    char *before = test_server_snapshot(small, &before_len);
    res = import(small, "", t.data, t.len);
    http_assert_problem(&res, 413, NULL);
    http_result_free(&res);
    assert_store_is(small, before, before_len, "an import over the limit");
    free(before);
    free(t.data);
    test_server_stop(small);
}

/* An article naming as many entities as a record may, each with a long
 * slug, exports as one line of more than a megabyte; it must import again. */
Test(transfer, an_article_with_a_very_long_export_line_round_trips)
{
    struct text t = {malloc(1 << 20), 0, 1 << 20};
    const int n = 10000; /* RECORD_LINKS_MAX */
    for (int i = 0; i < n; i++)
        append(&t,
               "{\"type\": \"entity\", \"slug\": \"e%05d-%0110d\", \"name\": \"E %d\","
               " \"entity_type\": \"product\"}\n",
               i, 0, i);
    struct http_result res = import(ts, "", t.data, t.len);
    cr_assert_eq(res.status, 200, "%.300s", res.body);
    http_result_free(&res);
    t.len = 0;
    append(&t, "{\"title\": \"Everything\", \"body\": \"b\", \"source\": \"s\","
               " \"published_at\": \"2012-01-01\", \"mentions\": [");
    for (int i = 0; i < n; i++)
        append(&t, "%s{\"entity\": %d}", i ? ", " : "", 33 + i);
    append(&t, "]}");
    res = http_send(ts, "POST", "/v1/articles", "application/json", t.data, t.len, NULL);
    cr_assert_eq(res.status, 201, "%.300s", res.body);
    http_result_free(&res);
    free(t.data);
    assert_round_trip(ts);
}

/* ---- evidence offsets (issue 6) ---------------------------------------- */

/* What extraction stores, mention spans in the title and the body and a
 * quote's offsets, exports and imports unchanged. The text has non-ASCII
 * before the names, so an offset counted in bytes would not survive. */
Test(transfer, an_extracted_article_round_trips_with_its_offsets)
{
    struct http_result res = http_write(
        ts, "POST", "/v1/articles",
        "{\"slug\": \"zurich-talk\", \"title\": \"Gates in Z\\u00fcrich\", \"source\": \"Wire\","
        " \"published_at\": \"2010-11-19\", \"body\": \"Caf\\u00e9 talk \\u2014 Defense Secretary"
        " Robert Gates met Anatoly Serdyukov in Z\\u00fcrich. \\u201cWe are partners now,\\u201d"
        " Gates said.\"}",
        NULL);
    cr_assert_eq(res.status, 201, "%s", res.body);
    http_result_free(&res);

    res = export_of(ts);
    const char *line = strstr(res.body, "\"slug\":\"zurich-talk\"");
    cr_assert_not_null(line, "%.300s", res.body);
    cr_assert_not_null(strstr(line, "\"spans\":[{\"field\":\"title\",\"start\":0,\"end\":5}"),
                       "the title's mention of Gates: %.600s", line);
    cr_assert_not_null(strstr(res.body, "\"article\":\"zurich-talk\""), "a quote");
    cr_assert_not_null(strstr(strstr(res.body, "\"article\":\"zurich-talk\""), "\"start\":"),
                       "the quote keeps its offsets");
    http_result_free(&res);
    assert_round_trip(ts);
}

/* An article line whose one mention has the spans %s; a literal, so the
 * compiler checks the format. */
#define SPANS_ARTICLE                                                                              \
    "{\"type\": \"article\", \"slug\": \"spans\", \"title\": \"Gates\", \"source\": \"s\","        \
    " \"published_at\": \"2010-01-01\", \"body\": \"Robert Gates spoke.\", \"mentions\":"          \
    " [{\"entity\": \"robert-gates\", \"spans\": [%s]}]}\n"

/* Offsets on an import line are checked like any field: by name, and the
 * line that has them is the one named. */
Test(transfer, bad_offsets_on_a_line_are_422_naming_the_field)
{
    struct {
        const char *spans;
        const char *field;
    } bad[] = {
        {"{\"field\": \"body\", \"start\": 0, \"end\": 20}", "mentions[0].spans[0].end"},
        {"{\"field\": \"body\", \"start\": 5, \"end\": 5}", "mentions[0].spans[0].end"},
        {"{\"field\": \"title\", \"start\": 0, \"end\": 12}", "mentions[0].spans[0].end"},
        {"{\"field\": \"body\", \"start\": -1, \"end\": 4}", "mentions[0].spans[0].start"},
        {"{\"field\": \"body\", \"start\": \"0\", \"end\": 4}", "mentions[0].spans[0].start"},
        {"{\"field\": \"summary\", \"start\": 0, \"end\": 4}", "mentions[0].spans[0].field"},
        {"{\"start\": 0, \"end\": 12}, 7", "mentions[0].spans[1]"},
    };
    size_t before_len;
    char *before = test_server_snapshot(ts, &before_len);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[1024];
        int len = snprintf(body, sizeof body, SPANS_ARTICLE, bad[i].spans);
        struct http_result res = import(ts, "", body, (size_t)len);
        http_assert_problem(&res, 422, bad[i].field);
        cr_assert_eq(num(res.json, "line"), 1, "%s", res.body);
        http_result_free(&res);
    }
    /* A quote's offsets lie in its article's body; both or neither. */
    const char *quotes[][2] = {
        {"\"start\": 13, \"end\": 99", "end"},
        {"\"start\": 19, \"end\": 20", "start"},
        {"\"start\": 13", "end"},
    };
    for (size_t i = 0; i < sizeof quotes / sizeof quotes[0]; i++) {
        char body[1024];
        int len = snprintf(body, sizeof body, SPANS_ARTICLE, "");
        len += snprintf(body + len, sizeof body - (size_t)len,
                        "{\"type\": \"quote\", \"article\": \"spans\", \"speaker\":"
                        " \"robert-gates\", \"text\": \"spoke\", %s}\n",
                        quotes[i][0]);
        struct http_result res = import(ts, "", body, (size_t)len);
        http_assert_problem(&res, 422, quotes[i][1]);
        cr_assert_eq(num(res.json, "line"), 2, "%s", res.body);
        http_result_free(&res);
    }
    assert_store_is(ts, before, before_len, "refused imports");
    free(before);
}

static json_t *get_json(const char *path)
{
    struct http_result res = http_get(ts, path);
    cr_assert_eq(res.status, 200, "GET %s: %s", path, res.body);
    json_t *doc = json_incref(res.json);
    http_result_free(&res);
    return doc;
}

/* The spans of the article's entity `slug`, as "field:start-end ..." text. */
static void spans_of(const json_t *article, const char *slug, char *out, size_t cap)
{
    size_t i, k;
    json_t *e, *s;
    out[0] = '\0';
    json_array_foreach(json_object_get(article, "entities"), i, e) {
        if (strcmp(str(e, "slug"), slug) != 0)
            continue;
        json_array_foreach(json_object_get(e, "mentions"), k, s) {
            size_t used = strlen(out);
            snprintf(out + used, cap - used, "%s%s:%lld-%lld", used ? " " : "", str(s, "field"),
                     (long long)num(s, "start"), (long long)num(s, "end"));
        }
    }
}

/* Offsets point into the text as it was. A patch that changes the body
 * keeps those over text that reads the same and drops the others, so the
 * store never holds an offset past its text and still imports its own
 * export; a patch that sends mentions states its spans itself. */
Test(transfer, a_patched_body_keeps_only_the_offsets_that_still_hold)
{
    const char *writes[][3] = {
        {"POST", "/v1/articles?extract=false",
         "{\"slug\": \"evidence\", \"title\": \"Gates and Serdyukov\", \"source\": \"s\","
         " \"published_at\": \"2010-09-15\", \"body\": \"Robert Gates met Anatoly Serdyukov in"
         " Moscow. \\\"We agree,\\\" Gates said.\", \"mentions\": ["
         "{\"entity\": \"robert-gates\", \"spans\": [{\"field\": \"title\", \"start\": 0, \"end\": 5},"
         " {\"field\": \"body\", \"start\": 0, \"end\": 12}, {\"field\": \"body\", \"start\": 58,"
         " \"end\": 63}]}, {\"entity\": \"moscow\", \"spans\": [{\"field\": \"body\", \"start\": 38,"
         " \"end\": 44}]}]}"},
        {"POST", "/v1/quotes",
         "{\"slug\": \"we-agree\", \"article\": \"evidence\", \"speaker\": \"robert-gates\","
         " \"text\": \"We agree,\", \"start\": 47, \"end\": 56}"},
        /* Same length, one word changed: only Moscow's span is stale. */
        {"PATCH", "/v1/articles/evidence",
         "{\"body\": \"Robert Gates met Anatoly Serdyukov in Moskva. \\\"We agree,\\\" Gates"
         " said.\"}"},
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        struct http_result res = http_write(ts, writes[i][0], writes[i][1], writes[i][2], NULL);
        cr_assert(res.status >= 200 && res.status < 300, "%s %s: %s", writes[i][0], writes[i][1],
                  res.body);
        http_result_free(&res);
    }
    char spans[256];
    json_t *doc = get_json("/v1/articles/evidence");
    spans_of(doc, "robert-gates", spans, sizeof spans);
    cr_assert_str_eq(spans, "title:0-5 body:0-12 body:58-63");
    spans_of(doc, "moscow", spans, sizeof spans);
    cr_assert_str_eq(spans, "");
    const json_t *quote = json_array_get(json_object_get(doc, "quotes"), 0);
    cr_assert_eq(num(quote, "start"), 47, "%s", json_dumps(quote, 0));
    json_decref(doc);

    /* A new body shorter than every offset: none holds, the title's do. */
    struct http_result res =
        http_write(ts, "PATCH", "/v1/articles/evidence", "{\"body\": \"Short.\"}", NULL);
    cr_assert_eq(res.status, 200, "%s", res.body);
    http_result_free(&res);
    doc = get_json("/v1/articles/evidence");
    spans_of(doc, "robert-gates", spans, sizeof spans);
    cr_assert_str_eq(spans, "title:0-5");
    quote = json_array_get(json_object_get(doc, "quotes"), 0);
    cr_assert(json_is_null(json_object_get(quote, "start")), "%s", json_dumps(quote, 0));
    json_decref(doc);

    /* Spans sent with the patch are the client's: checked, not filtered. */
    res = http_write(ts, "PATCH", "/v1/articles/evidence",
                     "{\"body\": \"Gates.\", \"mentions\": [{\"entity\": \"robert-gates\","
                     " \"spans\": [{\"field\": \"body\", \"start\": 0, \"end\": 12}]}]}",
                     NULL);
    http_assert_problem(&res, 400, "mentions[0].spans[0].end");
    http_result_free(&res);
    assert_round_trip(ts);
}

/* Where an article reports an agreement travels on the agreement's line as
 * {article, start, end}: it survives a PATCH of the agreement and the round
 * trip, and is checked against the article's body like any offset. */
Test(transfer, an_agreements_evidence_survives_a_patch_and_the_round_trip)
{
    const char *writes[][3] = {
        {"POST", "/v1/articles?extract=false",
         "{\"slug\": \"pact-story\", \"title\": \"A pact\", \"source\": \"s\","
         " \"published_at\": \"2010-09-15\", \"body\": \"The ministers signed a transit pact.\"}"},
        {"POST", "/v1/agreements",
         "{\"slug\": \"transit-pact\", \"title\": \"Transit pact\", \"kind\": \"deal\","
         " \"status\": \"proposed\", \"articles\":"
         " [\"us-russian-defense-chiefs-promote-deeper-ties\","
         " {\"article\": \"pact-story\", \"start\": 23, \"end\": 35}]}"},
        {"PATCH", "/v1/agreements/transit-pact", "{\"status\": \"signed\"}"},
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        struct http_result res = http_write(ts, writes[i][0], writes[i][1], writes[i][2], NULL);
        cr_assert(res.status >= 200 && res.status < 300, "%s %s: %s", writes[i][0], writes[i][1],
                  res.body);
        http_result_free(&res);
    }
    json_t *doc = get_json("/v1/articles/pact-story");
    const json_t *pact = json_array_get(json_object_get(doc, "agreements"), 0);
    cr_assert_str_eq(str(pact, "status"), "signed");
    cr_assert_eq(num(pact, "start"), 23, "%s", json_dumps(pact, 0));
    cr_assert_eq(num(pact, "end"), 35);
    json_decref(doc);

    struct http_result res = export_of(ts);
    cr_assert_not_null(strstr(res.body, "\"articles\":[\"us-russian-defense-chiefs-promote-"
                                        "deeper-ties\",{\"article\":\"pact-story\",\"start\":23,"
                                        "\"end\":35}]"),
                       "%s", strstr(res.body, "transit-pact"));
    http_result_free(&res);

    res = http_write(ts, "PATCH", "/v1/agreements/transit-pact",
                     "{\"articles\": [{\"article\": \"pact-story\", \"start\": 23, \"end\": 99}]}",
                     NULL);
    http_assert_problem(&res, 400, "articles[0].end");
    http_result_free(&res);
    res = http_write(ts, "PATCH", "/v1/agreements/transit-pact",
                     "{\"articles\": [{\"article\": \"pact-story\", \"from\": 22}]}", NULL);
    http_assert_problem(&res, 400, "articles[0].from");
    http_result_free(&res);
    assert_round_trip(ts);
}
