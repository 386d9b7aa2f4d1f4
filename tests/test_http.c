/* HTTP behaviour shared by every route: ETags and 304s, Cache-Control,
 * Last-Modified, gzip, CORS and preflight, Link paging, ?fields=. */
#include <criterion/criterion.h>
#include <time.h>
#include <zlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/config.h"
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

TestSuite(http, .init = start, .fini = stop, .timeout = 30);

static const char *const read_paths[] = {
    "/v1/articles",
    "/v1/articles?entity=robert-gates&limit=2",
    "/v1/articles/us-russian-defense-chiefs-promote-deeper-ties",
    "/v1/entities?type=person",
    "/v1/entities/robert-gates",
    "/v1/agreements?status=signed",
    "/v1/agreements/new-start-treaty",
    "/v1/quotes?speaker=robert-gates",
    "/v1/quotes/gates-russia-not-a-threat",
    "/readyz",
    "/version",
};

/* The ETag of a GET, copied. */
static void etag_of(const char *path, const char *const *headers, char *out, size_t len)
{
    struct http_result res = http_request(ts, "GET", path, NULL, 0, headers);
    cr_assert_eq(res.status, 200, "%s: %s", path, res.body);
    const char *etag = http_header(&res, "ETag");
    cr_assert_not_null(etag, "%s has no ETag", path);
    snprintf(out, len, "%s", etag);
    http_result_free(&res);
}

Test(http, every_data_read_has_a_strong_etag_and_revalidates_to_304)
{
    for (size_t i = 0; i < sizeof read_paths / sizeof read_paths[0]; i++) {
        const char *path = read_paths[i];
        if (strcmp(path, "/readyz") == 0 || strcmp(path, "/version") == 0)
            continue; /* probes are never cached; see below */
        char etag[64], header[96];
        etag_of(path, NULL, etag, sizeof etag);
        cr_assert(etag[0] == '"', "%s: a strong tag, not W/: %s", path, etag);
        snprintf(header, sizeof header, "If-None-Match: %s", etag);
        struct http_result res =
            http_request(ts, "GET", path, NULL, 0, (const char *const[]){header, NULL});
        cr_assert_eq(res.status, 304, "%s with its own tag", path);
        cr_assert_eq(res.body_len, 0, "a 304 has no body");
        cr_assert_str_eq(http_header(&res, "ETag"), etag);
        http_result_free(&res);

        /* A list of tags, and "*", match too; another tag does not. */
        snprintf(header, sizeof header, "If-None-Match: \"x\", %s", etag);
        res = http_request(ts, "GET", path, NULL, 0, (const char *const[]){header, NULL});
        cr_assert_eq(res.status, 304);
        http_result_free(&res);
        res = http_request(ts, "GET", path, NULL, 0,
                           (const char *const[]){"If-None-Match: \"s1-0000000000000000\"", NULL});
        cr_assert_eq(res.status, 200);
        http_result_free(&res);
    }
}

Test(http, a_write_anywhere_changes_the_tags_and_the_old_tag_gets_a_fresh_body)
{
    char before[64], after[64], header[96];
    etag_of("/v1/articles", NULL, before, sizeof before);
    struct http_result res = http_write(ts, "POST", "/v1/entities",
                                        "{\"name\": \"Fresh Face\", \"type\": \"person\"}", NULL);
    cr_assert_eq(res.status, 201);
    http_result_free(&res);
    etag_of("/v1/articles", NULL, after, sizeof after);
    cr_assert_str_neq(before, after);
    snprintf(header, sizeof header, "If-None-Match: %s", before);
    res = http_request(ts, "GET", "/v1/articles", NULL, 0, (const char *const[]){header, NULL});
    cr_assert_eq(res.status, 200);
    cr_assert_gt(res.body_len, 0);
    http_result_free(&res);
}

Test(http, a_refused_write_leaves_the_tags_alone)
{
    char before[64], after[64];
    etag_of("/v1/entities/robert-gates", NULL, before, sizeof before);
    struct http_result res = http_write(ts, "PATCH", "/v1/entities/robert-gates",
                                        "{\"type\": \"planet\"}", NULL);
    cr_assert_eq(res.status, 400);
    http_result_free(&res);
    etag_of("/v1/entities/robert-gates", NULL, after, sizeof after);
    cr_assert_str_eq(before, after);
}

Test(http, cache_control_is_short_for_lists_longer_for_records_and_off_for_probes)
{
    struct {
        const char *path;
        const char *cache;
    } cases[] = {
        {"/v1/articles", "public, max-age=5"},
        {"/v1/entities?type=person", "public, max-age=5"},
        {"/v1/articles/us-russian-defense-chiefs-promote-deeper-ties", "public, max-age=60"},
        {"/v1/entities/robert-gates", "public, max-age=60"},
        {"/healthz", "no-store"},
        {"/readyz", "no-store"},
        {"/v1/articles?limit=0", "no-store"},
        {"/v1/entities/nobody", "no-store"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_result res = http_get(ts, cases[i].path);
        cr_assert_str_eq(http_header(&res, "Cache-Control"), cases[i].cache, "%s",
                         cases[i].path);
        http_result_free(&res);
    }
    struct http_result res = http_write(ts, "POST", "/v1/entities",
                                        "{\"name\": \"No Store\", \"type\": \"person\"}", NULL);
    cr_assert_str_eq(http_header(&res, "Cache-Control"), "no-store");
    http_result_free(&res);
}

Test(http, a_record_says_when_it_last_changed)
{
    struct http_result res = http_get(ts, "/v1/entities/robert-gates");
    const char *modified = http_header(&res, "Last-Modified");
    cr_assert_not_null(modified);
    cr_assert(strstr(modified, " GMT") != NULL, "an HTTP date: %s", modified);
    /* It is the record's updated_at, written the HTTP way. */
    struct tm tm = {0};
    cr_assert_not_null(strptime(json_string_value(json_object_get(res.json, "updated_at")),
                                "%Y-%m-%dT%H:%M:%SZ", &tm));
    char expected[64];
    strftime(expected, sizeof expected, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cr_assert_str_eq(modified, expected);
    http_result_free(&res);
}

/* A GET through libcurl's own gzip decoding: the body as the client sees
 * it, and whether it travelled compressed. */
static struct http_result get_gzip(const char *path, bool *was_gzip)
{
    struct http_result res = http_request(ts, "GET", path, NULL, 0,
                                          (const char *const[]){"Accept-Encoding: gzip", NULL});
    const char *coding = http_header(&res, "Content-Encoding");
    *was_gzip = coding != NULL && strcmp(coding, "gzip") == 0;
    return res;
}

/* Decodes a gzip body with zlib: the test reads the bytes as they came. */
static size_t gunzip(const char *in, size_t len, char *out, size_t cap)
{
    z_stream z = {0};
    cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_FINISH);
    size_t n = z.total_out;
    inflateEnd(&z);
    cr_assert_eq(rc, Z_STREAM_END, "a whole gzip stream");
    return n;
}

/* How many times `name` heads a line of the answer's headers. */
static int header_count(const struct http_result *res, const char *name)
{
    int count = 0;
    size_t name_len = strlen(name);
    for (const char *line = res->headers; line != NULL && *line != '\0';) {
        if (strncasecmp(line, name, name_len) == 0 && line[name_len] == ':')
            count++;
        line = strstr(line, "\r\n");
        line = line != NULL ? line + 2 : NULL;
    }
    return count;
}

/* The response cache keeps the compressed answer for gzip clients (and
 * the plain one for others): asked again, it goes out as it was first sent,
 * marked gzip once, and the plain answer is never mistaken for it. */
Test(http, a_kept_gzip_answer_goes_out_compressed_and_whole)
{
    const char *path = "/v1/articles?limit=5";
    struct http_result plain = http_get(ts, path);
    cr_assert_eq(plain.status, 200);
    struct http_result first = {0};
    for (int round = 0; round < 4; round++) {
        bool was_gzip;
        struct http_result zipped = get_gzip(path, &was_gzip);
        cr_assert_eq(zipped.status, 200);
        cr_assert(was_gzip, "round %d", round);
        cr_assert_eq(header_count(&zipped, "Content-Encoding"), 1, "%s", zipped.headers);
        char *decoded = malloc(plain.body_len + 1);
        size_t n = gunzip(zipped.body, zipped.body_len, decoded, plain.body_len + 1);
        cr_assert_eq(n, plain.body_len);
        cr_assert(memcmp(decoded, plain.body, n) == 0, "round %d decodes to the plain body", round);
        free(decoded);
        if (round == 0) {
            first = zipped;
            continue;
        }
        cr_assert_eq(zipped.body_len, first.body_len);
        cr_assert(memcmp(zipped.body, first.body, first.body_len) == 0);
        http_result_free(&zipped);
    }
    struct http_result again = http_get(ts, path);
    cr_assert_null(http_header(&again, "Content-Encoding"), "a plain client gets the plain answer");
    cr_assert_eq(again.body_len, plain.body_len);
    cr_assert(memcmp(again.body, plain.body, plain.body_len) == 0);
    http_result_free(&again);
    http_result_free(&first);
    http_result_free(&plain);
}

Test(http, gzip_is_used_over_a_kilobyte_and_decodes_to_the_same_body)
{
    bool was_gzip;
    struct http_result plain = http_get(ts, "/v1/articles/us-russian-defense-chiefs-promote-deeper-ties");
    struct http_result zipped = get_gzip("/v1/articles/us-russian-defense-chiefs-promote-deeper-ties",
                                         &was_gzip);
    cr_assert(was_gzip, "a %zu-byte article is compressed", plain.body_len);
    cr_assert_lt(zipped.body_len, plain.body_len);
    char *decoded = malloc(plain.body_len + 1);
    size_t n = gunzip(zipped.body, zipped.body_len, decoded, plain.body_len + 1);
    cr_assert_eq(n, plain.body_len);
    cr_assert(memcmp(decoded, plain.body, n) == 0, "gzip decodes to the plain body");
    cr_assert_str_eq(http_header(&zipped, "Vary"), "Accept-Encoding, Origin");
    /* The two encodings are two representations: two strong tags. */
    char plain_tag[64];
    snprintf(plain_tag, sizeof plain_tag, "%s", http_header(&plain, "ETag"));
    cr_assert_str_neq(http_header(&zipped, "ETag"), plain_tag);
    free(decoded);
    http_result_free(&plain);
    http_result_free(&zipped);

    /* libcurl's own decoder, as a client uses it, gets the same body. */
    struct http_result decoded_by_curl = http_request(
        ts, "GET", "/v1/articles/us-russian-defense-chiefs-promote-deeper-ties", NULL, 0,
        (const char *const[]){"Accept-Encoding: libcurl", NULL});
    cr_assert_str_eq(http_header(&decoded_by_curl, "Content-Encoding"), "gzip");
    struct http_result plain_again =
        http_get(ts, "/v1/articles/us-russian-defense-chiefs-promote-deeper-ties");
    cr_assert_eq(decoded_by_curl.body_len, plain_again.body_len);
    cr_assert(memcmp(decoded_by_curl.body, plain_again.body, plain_again.body_len) == 0);
    http_result_free(&decoded_by_curl);
    http_result_free(&plain_again);

    /* Small answers go out as they are; q=0 refuses gzip. */
    struct http_result small = get_gzip("/healthz", &was_gzip);
    cr_assert(!was_gzip);
    http_result_free(&small);
    struct http_result refused = http_request(
        ts, "GET", "/v1/articles/us-russian-defense-chiefs-promote-deeper-ties", NULL, 0,
        (const char *const[]){"Accept-Encoding: gzip;q=0, identity", NULL});
    cr_assert_null(http_header(&refused, "Content-Encoding"));
    http_result_free(&refused);
}

static const char *const from_a_dashboard[] = {"Origin: http://dash.example", NULL};

/* Whether the answer's Vary names Origin (a cache must keep the answers to
 * browsers apart from the others). */
static bool varies_by_origin(struct http_result *res)
{
    const char *vary = http_header(res, "Vary");
    return vary != NULL && strstr(vary, "Origin") != NULL;
}

/* How many Vary lines the answer has: one, so the Origin a reply adds
 * never comes as a second line beside the reply's own. */
static int vary_lines(const struct http_result *res)
{
    int count = 0;
    for (const char *line = res->headers; line != NULL && *line != '\0';) {
        if (strncasecmp(line, "Vary:", 5) == 0)
            count++;
        const char *end = strstr(line, "\r\n");
        line = end != NULL ? end + 2 : NULL;
    }
    return count;
}

Test(http, every_answer_allows_other_origins_and_preflight_lists_the_methods)
{
    /* An answer, a 404 problem, a slow read, the stats and then a 304,
     * each asked by a browser on another origin. */
    static const char *const paths[] = {"/v1/articles", "/v1/articles/no-such-article",
                                        "/v1/search?q=memorandum", "/v1/stats"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct http_result res = http_request(ts, "GET", paths[i], NULL, 0, from_a_dashboard);
        cr_assert_str_eq(http_header(&res, "Access-Control-Allow-Origin"), "*", "%s", paths[i]);
        cr_assert_not_null(strstr(http_header(&res, "Access-Control-Expose-Headers"), "ETag"),
                           "%s", paths[i]);
        cr_assert(varies_by_origin(&res), "%s", paths[i]);
        http_result_free(&res);
    }
    struct http_result res = http_get(ts, "/v1/articles");
    char etag[128];
    snprintf(etag, sizeof etag, "If-None-Match: %s", http_header(&res, "ETag"));
    http_result_free(&res);
    res = http_request(ts, "GET", "/v1/articles", NULL, 0,
                       (const char *const[]){"Origin: http://dash.example", etag, NULL});
    cr_assert_eq(res.status, 304);
    cr_assert_str_eq(http_header(&res, "Access-Control-Allow-Origin"), "*");
    cr_assert(varies_by_origin(&res));
    http_result_free(&res);

    res = http_request(ts, "OPTIONS", "/v1/entities/robert-gates", NULL, 0,
                       (const char *const[]){"Origin: http://dash.example",
                                             "Access-Control-Request-Method: PATCH",
                                             "Access-Control-Request-Headers: authorization, if-match",
                                             NULL});
    cr_assert_eq(res.status, 204);
    cr_assert_str_eq(http_header(&res, "Access-Control-Allow-Methods"),
                     "GET, HEAD, PATCH, DELETE, OPTIONS");
    const char *allowed = http_header(&res, "Access-Control-Allow-Headers");
    cr_assert(strstr(allowed, "Authorization") && strstr(allowed, "If-None-Match") &&
              strstr(allowed, "If-Match") && strstr(allowed, "Content-Type"));
    cr_assert_str_eq(http_header(&res, "Access-Control-Allow-Origin"), "*");
    http_result_free(&res);

    /* No key is asked of a preflight, even for a write route. */
    res = http_request(ts, "OPTIONS", "/v1/import", NULL, 0, NULL);
    cr_assert_eq(res.status, 204);
    http_result_free(&res);
    res = http_request(ts, "OPTIONS", "/v1/nowhere", NULL, 0, NULL);
    http_assert_problem(&res, 404, NULL);
    http_result_free(&res);
}

static void one_origin(struct config *cfg)
{
    snprintf(cfg->cors_origin, sizeof cfg->cors_origin, "https://dash.example");
}

Test(http, a_configured_origin_is_named_and_varies)
{
    test_server_stop(ts);
    ts = test_server_start_config(one_origin, true);
    struct http_result res = http_request(ts, "GET", "/v1/articles", NULL, 0, from_a_dashboard);
    cr_assert_str_eq(http_header(&res, "Access-Control-Allow-Origin"), "https://dash.example");
    cr_assert(varies_by_origin(&res));
    http_result_free(&res);
}

/* curl and other services send no Origin: the CORS headers would be bytes
 * on every answer that nothing reads. */
Test(http, a_request_without_an_origin_gets_no_cors_headers_but_still_varies)
{
    static const char *const paths[] = {"/v1/articles", "/v1/articles/no-such-article",
                                        "/v1/search?q=memorandum", "/healthz"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct http_result res = http_get(ts, paths[i]);
        cr_assert_null(http_header(&res, "Access-Control-Allow-Origin"), "%s", paths[i]);
        cr_assert_null(http_header(&res, "Access-Control-Expose-Headers"), "%s", paths[i]);
        cr_assert(varies_by_origin(&res), "%s", paths[i]);
        cr_assert_eq(vary_lines(&res), 1, "%s", paths[i]);
        http_result_free(&res);
    }
}

Test(http, link_next_is_followed_to_the_end_with_no_duplicates_or_gaps)
{
    const char *lists[] = {"/v1/entities?limit=4", "/v1/quotes?limit=3&speaker=robert-gates",
                           "/v1/agreements?limit=2", "/v1/entities?sort=mentions&limit=5&type=location"};
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        json_t *seen = json_array();
        char path[2048];
        snprintf(path, sizeof path, "%s", lists[l]);
        for (int pages = 0; pages < 100; pages++) {
            struct http_result res = http_get(ts, path);
            cr_assert_eq(res.status, 200, "%s", path);
            json_t *ids = http_page_ids(res.json);
            json_array_extend(seen, ids);
            json_decref(ids);
            const char *link = http_header(&res, "Link");
            bool more = !json_is_null(json_object_get(res.json, "next_cursor"));
            cr_assert_eq(link != NULL, more, "%s: Link exactly when there is a next page", path);
            if (link == NULL) {
                http_result_free(&res);
                break;
            }
            cr_assert(link[0] == '<' && strstr(link, ">; rel=\"next\"") != NULL, "%s", link);
            size_t len = strcspn(link + 1, ">");
            snprintf(path, sizeof path, "%.*s", (int)len, link + 1);
            cr_assert_eq(strstr(path, "cursor=") - path > 0, true);
            http_result_free(&res);
        }
        struct http_result whole = http_get(ts, strstr(lists[l], "speaker") != NULL
                                                    ? "/v1/quotes?limit=100&speaker=robert-gates"
                                                : strstr(lists[l], "agreements") != NULL
                                                    ? "/v1/agreements?limit=100"
                                                : strstr(lists[l], "location") != NULL
                                                    ? "/v1/entities?sort=mentions&limit=100&type=location"
                                                    : "/v1/entities?limit=100");
        json_t *ids = http_page_ids(whole.json);
        cr_assert(json_equal(seen, ids), "%s: the pages add up to the whole list", lists[l]);
        json_decref(ids);
        json_decref(seen);
        http_result_free(&whole);
    }
}

Test(http, fields_keeps_only_the_named_fields_of_each_item)
{
    struct http_result res = http_get(ts, "/v1/articles?fields=id,title");
    cr_assert_eq(res.status, 200);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(res.json, "data"), i, item) {
        cr_assert_eq(json_object_size(item), 2);
        cr_assert_not_null(json_object_get(item, "id"));
        cr_assert_not_null(json_object_get(item, "title"));
    }
    http_result_free(&res);

    res = http_get(ts, "/v1/entities?fields=slug&type=person&limit=2");
    cr_assert_eq(json_object_size(json_array_get(json_object_get(res.json, "data"), 0)), 1);
    cr_assert_not_null(json_object_get(res.json, "next_cursor"), "paging still works");
    http_result_free(&res);

    const char *bad[] = {"/v1/articles?fields=", "/v1/articles?fields=id,,title",
                         "/v1/articles?fields=id,", "/v1/articles?fields=ID",
                         "/v1/articles?fields=id,nope", "/v1/articles?fields=id;title"};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        res = http_get(ts, bad[b]);
        http_assert_problem(&res, 400, "fields");
        http_result_free(&res);
    }
    /* A single record is not a list: fields is unknown there. */
    res = http_get(ts, "/v1/entities/robert-gates?fields=name");
    http_assert_problem(&res, 400, "fields");
    http_result_free(&res);
}

Test(http, head_carries_the_same_headers_as_get)
{
    for (size_t i = 0; i < sizeof read_paths / sizeof read_paths[0]; i++) {
        struct http_result get = http_get(ts, read_paths[i]);
        struct http_result head = http_request(ts, "HEAD", read_paths[i], NULL, 0, NULL);
        cr_assert_eq(head.status, 200, "HEAD %s", read_paths[i]);
        cr_assert_eq(head.body_len, 0);
        const char *names[] = {"Content-Type", "ETag", "Cache-Control", "Content-Length"};
        for (size_t n = 0; n < 4; n++) {
            const char *g = http_header(&get, names[n]);
            char copy[256];
            snprintf(copy, sizeof copy, "%s", g ? g : "(none)");
            const char *h = http_header(&head, names[n]);
            cr_assert_str_eq(h ? h : "(none)", copy, "%s of HEAD %s", names[n], read_paths[i]);
        }
        http_result_free(&get);
        http_result_free(&head);
    }
}

Test(http, the_next_link_cannot_be_bent_by_the_query_string)
{
    /* A q that tries to close the <...> and add a link of its own. */
    struct http_result res =
        http_get(ts, "/v1/entities?limit=2&q=r%3E;rel=prev,%3C//evil.example/x");
    cr_assert_eq(res.status, 200, "%s", res.body);
    http_result_free(&res);
    res = http_get(ts, "/v1/search?q=the%20-a>;rel=prev,<//evil.example/x&limit=1");
    const char *link = http_header(&res, "Link");
    if (link != NULL) {
        cr_assert_eq(strchr(link + 1, '<'), NULL, "one link only: %s", link);
        cr_assert_eq(strstr(link, ">") - link, (long)(strstr(link, ">; rel=\"next\"") - link),
                     "the URI ends where rel begins: %s", link);
    }
    http_result_free(&res);

    /* An encoded "cursor" name is still the cursor: one in the next link. */
    struct http_result first = http_get(ts, "/v1/entities?limit=2");
    char path[512];
    snprintf(path, sizeof path, "/v1/entities?limit=2&%%63ursor=%s",
             json_string_value(json_object_get(first.json, "next_cursor")));
    res = http_get(ts, path);
    cr_assert_eq(res.status, 200, "%s", res.body);
    link = http_header(&res, "Link");
    cr_assert_not_null(link);
    cr_assert_eq(strstr(link, "%63ursor"), NULL, "the old cursor is gone: %s", link);
    http_result_free(&res);
    http_result_free(&first);
}

Test(http, if_none_match_compares_weakly_and_star_never_hides_a_missing_record)
{
    char etag[64], header[96];
    etag_of("/v1/entities/robert-gates", NULL, etag, sizeof etag);
    snprintf(header, sizeof header, "If-None-Match: W/%s", etag);
    struct http_result res = http_request(ts, "GET", "/v1/entities/robert-gates", NULL, 0,
                                          (const char *const[]){header, NULL});
    cr_assert_eq(res.status, 304);
    http_result_free(&res);
    res = http_request(ts, "GET", "/v1/entities/nobody-here", NULL, 0,
                       (const char *const[]){"If-None-Match: *", NULL});
    http_assert_problem(&res, 404, NULL);
    http_result_free(&res);
}

Test(http, accept_encoding_is_read_the_way_rfc_9110_says)
{
    struct {
        const char *header;
        bool gzip;
    } cases[] = {
        {"Accept-Encoding: gzip", true},
        {"Accept-Encoding: *", true},
        {"Accept-Encoding: *;q=0, gzip", true},
        {"Accept-Encoding: gzip;Q=0", false},
        {"Accept-Encoding: gzip; q=0.0, *", false},
        {"Accept-Encoding: identity", false},
        {"Accept-Encoding: br, GZIP;q=0.5", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_result res =
            http_request(ts, "GET", "/v1/articles/us-russian-defense-chiefs-promote-deeper-ties",
                         NULL, 0, (const char *const[]){cases[i].header, NULL});
        const char *coding = http_header(&res, "Content-Encoding");
        cr_assert_eq(coding != NULL, cases[i].gzip, "%s", cases[i].header);
        http_result_free(&res);
    }
}

Test(http, until_the_last_day_of_9999_still_means_everything_before_it)
{
    struct http_result all = http_get(ts, "/v1/articles");
    struct http_result upto = http_get(ts, "/v1/articles?until=9999-12-31");
    cr_assert(json_equal(json_object_get(all.json, "data"), json_object_get(upto.json, "data")));
    http_result_free(&all);
    http_result_free(&upto);
}

/* ---- the response cache ------------------------------------------------ */

/* The headers that describe the representation, in one string, to compare
 * a cached answer with the one first built. */
static void describe(struct http_result *res, char *out, size_t len)
{
    static const char *const names[] = {"ETag", "Cache-Control", "Vary", "Link",
                                        "Last-Modified", "Content-Type", "Content-Encoding"};
    size_t n = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = http_header(res, names[i]);
        n += (size_t)snprintf(out + n, len - n, "%s=%s;", names[i], v != NULL ? v : "-");
        cr_assert_lt(n, len);
    }
}

Test(http, a_repeated_read_is_the_same_answer_and_a_write_ends_it)
{
    static const char *const paths[] = {"/v1/articles?limit=2", "/v1/stats",
                                        "/v1/search?q=memorandum", "/v1/entities/robert-gates",
                                        "/v1/articles?limit=2&fields=id,title"};
    static const char *const gzip[] = {"Accept-Encoding: gzip", NULL};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char first_headers[1024], again_headers[1024];
        struct http_result first = http_get(ts, paths[i]);
        struct http_result again = http_get(ts, paths[i]);
        cr_assert_eq(first.status, 200, "%s", paths[i]);
        cr_assert_eq(again.status, 200, "%s", paths[i]);
        cr_assert_eq(again.body_len, first.body_len, "%s", paths[i]);
        cr_assert(memcmp(again.body, first.body, first.body_len) == 0, "%s", paths[i]);
        describe(&first, first_headers, sizeof first_headers);
        describe(&again, again_headers, sizeof again_headers);
        cr_assert_str_eq(again_headers, first_headers, "%s", paths[i]);

        /* The gzip variant of the same target is its own answer. */
        struct http_result zipped = http_request(ts, "GET", paths[i], NULL, 0, gzip);
        cr_assert_eq(zipped.status, 200);
        char first_tag[80];
        snprintf(first_tag, sizeof first_tag, "%s", http_header(&first, "ETag"));
        cr_assert_str_neq(http_header(&zipped, "ETag"), first_tag, "%s", paths[i]);
        struct http_result plain = http_get(ts, paths[i]);
        cr_assert_null(http_header(&plain, "Content-Encoding"), "%s", paths[i]);
        cr_assert_eq(plain.body_len, first.body_len);
        http_result_free(&plain);
        http_result_free(&zipped);
        http_result_free(&again);
        http_result_free(&first);
    }

    /* A write moves the store version: the next read is built anew. */
    struct http_result before = http_get(ts, "/v1/stats");
    struct http_result res = http_write(ts, "POST", "/v1/entities",
                                        "{\"name\": \"Cache Breaker\", \"type\": \"product\"}",
                                        NULL);
    cr_assert_eq(res.status, 201, "%s", res.body);
    http_result_free(&res);
    struct http_result after = http_get(ts, "/v1/stats");
    json_int_t products_before = json_integer_value(
        json_object_get(json_object_get(before.json, "entities"), "product"));
    json_int_t products_after = json_integer_value(
        json_object_get(json_object_get(after.json, "entities"), "product"));
    cr_assert_eq(products_after, products_before + 1);
    char before_tag[80];
    snprintf(before_tag, sizeof before_tag, "%s", http_header(&before, "ETag"));
    cr_assert_str_neq(http_header(&after, "ETag"), before_tag);
    http_result_free(&after);
    http_result_free(&before);

    /* Errors are never kept: a 404 stays a 404 after the record appears. */
    struct http_result missing = http_get(ts, "/v1/entities/cache-later");
    cr_assert_eq(missing.status, 404);
    http_result_free(&missing);
    res = http_write(ts, "POST", "/v1/entities",
                     "{\"slug\": \"cache-later\", \"name\": \"Cache Later\", \"type\": \"product\"}",
                     NULL);
    cr_assert_eq(res.status, 201, "%s", res.body);
    http_result_free(&res);
    struct http_result found = http_get(ts, "/v1/entities/cache-later");
    cr_assert_eq(found.status, 200);
    http_result_free(&found);
}

static void no_response_cache(struct config *cfg)
{
    cfg->response_cache_entries = 0;
}

Test(http, with_the_response_cache_off_reads_answer_the_same)
{
    struct test_server *plain = test_server_start_config(no_response_cache, true);
    struct http_result a = http_get(plain, "/v1/articles?limit=3");
    struct http_result b = http_get(ts, "/v1/articles?limit=3");
    cr_assert_eq(a.status, 200);
    cr_assert_eq(a.body_len, b.body_len);
    cr_assert(memcmp(a.body, b.body, a.body_len) == 0);
    http_result_free(&b);
    http_result_free(&a);
    test_server_stop(plain);
}
