/* Full-text search: GET /v1/search and q= on /v1/articles and /v1/quotes
 * over HTTP against a real server, the index kept in step by every way of
 * writing, and (suite search_store) the query compiler, the migration and
 * the query plans on a store file of the test's own. */
#include <errno.h>
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SQLite directly, for two things the store interface rightly does not
 * offer: FTS5's own integrity check of an index against its records, and
 * turning a store back into the version-3 file an older wirebase left. */
#include <sqlite3.h>

#include "db/articles.h"
#include "db/candidates.h"
#include "db/conn.h"
#include "db/doc_sizes.h"
#include "db/entities.h"
#include "db/quotes.h"
#include "db/rank.h"
#include "db/relations.h"
#include "db/schema.h"
#include "db/search.h"
#include "db/transaction.h"
#include "db/writes.h"
#include "server/cursor.h"
#include "server/sample.h"
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

TestSuite(search, .init = start, .fini = stop, .timeout = 60);

#define SEED "us-russian-defense-chiefs-promote-deeper-ties"

/* ---- helpers ----------------------------------------------------------- */

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Percent-encodes everything but unreserved characters, so a query string
 * carries the test's text exactly. */
static void url_encode(const char *in, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
        cr_assert_lt(n + 4, outlen, "url_encode: output too small");
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p) != NULL) {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
}

/* GET `base`?q=<query encoded><extra>, which must answer 200; the body
 * (caller frees). extra is "" or "&name=value...". */
static json_t *get_q(const char *base, const char *query, const char *extra)
{
    char encoded[4096], path[4300];
    url_encode(query, encoded, sizeof encoded);
    snprintf(path, sizeof path, "%s?q=%s%s", base, encoded, extra);
    struct http_result res = http_get(ts, path);
    cr_assert_eq(res.status, 200, "GET %s: %ld %s", path, res.status, res.body);
    json_t *body = json_incref(res.json);
    http_result_free(&res);
    return body;
}

static json_t *search(const char *query)
{
    return get_q("/v1/search", query, "");
}

/* The hit of `type` with `slug` in a page (borrowed), or NULL. */
static json_t *find_hit(const json_t *page, const char *type, const char *slug)
{
    size_t i;
    json_t *hit;
    json_array_foreach(json_object_get(page, "data"), i, hit)
        if (strcmp(str(hit, "slug"), slug) == 0 &&
            (type == NULL || strcmp(str(hit, "type"), type) == 0))
            return hit;
    return NULL;
}

/* Whether a search for `query` finds the record of `type` with `slug`. */
static bool finds(const char *query, const char *type, const char *slug)
{
    char extra[64];
    snprintf(extra, sizeof extra, "&type=%s&limit=100", type);
    json_t *page = get_q("/v1/search", query, extra);
    bool found = find_hit(page, type, slug) != NULL;
    json_decref(page);
    return found;
}

/* A write with the admin key that must answer `status`; the body (caller
 * frees). */
static json_t *write_ok(const char *method, const char *path, const char *json, long status)
{
    struct http_result res = http_write(ts, method, path, json, NULL);
    cr_assert_eq(res.status, status, "%s %s %s: expected %ld, got %ld: %s", method, path,
                 json ? json : "", status, res.status, res.body);
    json_t *body = json_incref(res.json);
    http_result_free(&res);
    return body;
}

/* Posts an article; its slug into slug_out. */
static void post_article(const char *title, const char *body, char *slug_out, size_t len)
{
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s}", "title", title, "body", body, "source",
                            "Search wire", "published_at", "2011-03-01");
    char *text = json_dumps(rec, 0);
    json_t *article = write_ok("POST", "/v1/articles", text, 201);
    snprintf(slug_out, len, "%s", str(article, "slug"));
    json_decref(article);
    free(text);
    json_decref(rec);
}

static void post_quote(const char *article, const char *speaker, const char *text,
                       char *slug_out, size_t len)
{
    json_t *rec =
        json_pack("{s:s, s:s, s:s}", "article", article, "speaker", speaker, "text", text);
    char *body = json_dumps(rec, 0);
    json_t *quote = write_ok("POST", "/v1/quotes", body, 201);
    snprintf(slug_out, len, "%s", str(quote, "slug"));
    json_decref(quote);
    free(body);
    json_decref(rec);
}

/* The search that must be refused: 400 naming q, never a 500. `raw` goes
 * into the URL as written (so %00 and %FF arrive as such). */
static void assert_refused(const char *base, const char *raw)
{
    char path[4300];
    snprintf(path, sizeof path, "%s?q=%s", base, raw);
    struct http_result res = http_get(ts, path);
    cr_assert_eq(res.status, 400, "GET %s: expected 400, got %ld: %s", path, res.status, res.body);
    http_assert_problem(&res, 400, "q");
    http_result_free(&res);
}

/* Runs FTS5's integrity check on every index of the server's store; with
 * rank 1 it also compares the external-content indexes with the records,
 * so a trigger that deleted the wrong text would fail here. */
static void assert_file_index_intact(const char *db_path)
{
    static const char *const checks[] = {
        "INSERT INTO article_fts (article_fts, rank) VALUES ('integrity-check', 1)",
        "INSERT INTO quote_fts (quote_fts, rank) VALUES ('integrity-check', 1)",
        "INSERT INTO entity_fts (entity_fts) VALUES ('integrity-check')",
    };
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(db_path, &raw), SQLITE_OK);
    sqlite3_busy_timeout(raw, 5000);
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        cr_assert_eq(sqlite3_exec(raw, checks[i], NULL, NULL, NULL), SQLITE_OK, "%s: %s",
                     checks[i], sqlite3_errmsg(raw));
    cr_assert_eq(sqlite3_close(raw), SQLITE_OK);
}

static void assert_index_intact(const struct test_server *server)
{
    assert_file_index_intact(server->db_path);
}

/* ---- finding, ranking, snippets ---------------------------------------- */

Test(search, a_search_for_memorandum_finds_the_seed_article_with_a_marked_snippet_and_its_link)
{
    json_t *page = search("memorandum");
    json_t *hit = find_hit(page, "article", SEED);
    cr_assert_not_null(hit, "no seed article in %s", json_dumps(page, 0));
    cr_assert_str_eq(str(hit, "type"), "article");
    cr_assert_str_eq(str(hit, "title"), "US, Russian defense chiefs promote deeper ties");
    cr_assert_str_eq(str(hit, "link"), "/v1/articles/" SEED);
    cr_assert(json_is_integer(json_object_get(hit, "id")));
    cr_assert(strcasestr(str(hit, "snippet"), "<mark>memorandum</mark>") != NULL, "snippet: %s",
              str(hit, "snippet"));
    cr_assert(json_is_null(json_object_get(page, "next_cursor")));
    json_decref(page);

    /* Case does not matter, and the link leads to the article. */
    page = search("MEMORANDUM");
    cr_assert_not_null(find_hit(page, "article", SEED));
    json_decref(page);
    struct http_result res = http_get(ts, "/v1/articles/" SEED);
    cr_assert_eq(res.status, 200);
    http_result_free(&res);
}

Test(search, every_hit_has_type_id_slug_title_snippet_and_link)
{
    json_t *page = search("serdyukov");
    size_t i;
    json_t *hit;
    bool types[3] = {false, false, false};
    cr_assert_gt(json_array_size(json_object_get(page, "data")), 2);
    json_array_foreach(json_object_get(page, "data"), i, hit) {
        const char *type = str(hit, "type");
        char link[300];
        cr_assert_not_null(type);
        cr_assert(json_is_integer(json_object_get(hit, "id")));
        cr_assert_not_null(str(hit, "title"));
        cr_assert(strstr(str(hit, "snippet"), "<mark>") != NULL, "%s", str(hit, "snippet"));
        const char *collection = strcmp(type, "entity") == 0  ? "entities"
                                 : strcmp(type, "quote") == 0 ? "quotes"
                                                              : "articles";
        snprintf(link, sizeof link, "/v1/%s/%s", collection, str(hit, "slug"));
        cr_assert_str_eq(str(hit, "link"), link);
        types[0] |= strcmp(type, "article") == 0;
        types[1] |= strcmp(type, "entity") == 0;
        types[2] |= strcmp(type, "quote") == 0;
    }
    cr_assert(types[0] && types[1], "articles and entities both match serdyukov");
    json_decref(page);
}

Test(search, the_type_filter_keeps_only_hits_of_that_type)
{
    static const char *const types[] = {"article", "quote", "entity"};
    for (size_t t = 0; t < 3; t++) {
        char extra[32];
        snprintf(extra, sizeof extra, "&type=%s", types[t]);
        json_t *page = get_q("/v1/search", "defense", extra);
        size_t i;
        json_t *hit;
        cr_assert_gt(json_array_size(json_object_get(page, "data")), 0, "no %s hit", types[t]);
        json_array_foreach(json_object_get(page, "data"), i, hit)
            cr_assert_str_eq(str(hit, "type"), types[t]);
        json_decref(page);
    }
    cr_assert(finds("serdyukov", "entity", "anatoly-serdyukov"));
    cr_assert_not(finds("serdyukov", "article", "anatoly-serdyukov"));

    struct http_result res = http_get(ts, "/v1/search?q=defense&type=agreement");
    http_assert_problem(&res, 400, "type");
    http_result_free(&res);
}

Test(search, a_word_in_the_title_ranks_above_the_same_word_only_in_the_body)
{
    char in_body[200], in_title[200];
    /* The body article comes first, so a lower id cannot explain the order. */
    post_article("Harbour talks resume",
                 "Delegates met again. The zeppelin question came up once, late in the day.",
                 in_body, sizeof in_body);
    post_article("Zeppelin plan approved", "Delegates met again and approved the plan.", in_title,
                 sizeof in_title);
    json_t *page = search("zeppelin");
    json_t *data = json_object_get(page, "data");
    cr_assert_eq(json_array_size(data), 2, "%s", json_dumps(page, 0));
    cr_assert_str_eq(str(json_array_get(data, 0), "slug"), in_title);
    cr_assert_str_eq(str(json_array_get(data, 1), "slug"), in_body);
    cr_assert_str_eq(str(json_array_get(data, 0), "snippet"),
                     "<mark>Zeppelin</mark> plan approved");
    json_decref(page);
}

Test(search, an_exact_phrase_matches_only_its_words_in_that_order)
{
    char ordered[200], reversed[200];
    post_article("Harbour notes one", "A blue whale surfaced near the pier.", ordered,
                 sizeof ordered);
    post_article("Harbour notes two", "The whale was not blue, said the pilot.", reversed,
                 sizeof reversed);
    cr_assert(finds("\"blue whale\"", "article", ordered));
    cr_assert_not(finds("\"blue whale\"", "article", reversed));
    /* Without quotes, both words anywhere. */
    cr_assert(finds("blue whale", "article", ordered));
    cr_assert(finds("blue whale", "article", reversed));
    json_t *page = search("\"blue whale\"");
    cr_assert(strstr(str(find_hit(page, "article", ordered), "snippet"),
                     "<mark>blue whale</mark>") != NULL);
    json_decref(page);
}

Test(search, a_trailing_star_matches_words_that_start_with_the_prefix)
{
    char slug[200];
    post_article("Harbour notes", "The quarantine of the harbour ended on Monday.", slug,
                 sizeof slug);
    cr_assert(finds("quarant*", "article", slug));
    cr_assert(finds("\"harbour end\"*", "article", slug), "a phrase ending in a prefix");
    cr_assert_not(finds("quarant", "article", slug), "without the star the word is whole");
    cr_assert_not(finds("quaranx*", "article", slug));
}

Test(search, a_minus_leaves_out_matches_holding_the_word_or_phrase)
{
    char ships[200], planes[200];
    post_article("Harbour log one", "Convoy of ships left the harbour at dawn.", ships,
                 sizeof ships);
    post_article("Harbour log two", "Convoy of planes left the airfield at dawn.", planes,
                 sizeof planes);
    cr_assert(finds("convoy -ships", "article", planes));
    cr_assert_not(finds("convoy -ships", "article", ships));
    cr_assert_not(finds("convoy -\"the harbour\"", "article", ships));
    cr_assert(finds("convoy -\"the harbour\"", "article", planes));
    /* Leaving out a word no match holds leaves every match. */
    cr_assert(finds("convoy -submarines", "article", ships));
    cr_assert(finds("convoy -submarines", "article", planes));
}

Test(search, accents_and_case_do_not_matter_either_way)
{
    char slug[200];
    post_article("Sérdyukov meets Åsa Öberg in Brüssel", "Talks on the café terrace.", slug,
                 sizeof slug);
    cr_assert(finds("serdyukov", "article", slug));
    cr_assert(finds("asa oberg brussel", "article", slug));
    cr_assert(finds("CAFE", "article", slug));
    /* An accented query finds the plain spelling too. */
    cr_assert(finds("sérdyukov", "article", SEED));
    cr_assert(finds("Sérdyukov", "entity", "anatoly-serdyukov"));
}

Test(search, html_in_a_record_comes_back_escaped_and_only_the_marks_are_tags)
{
    char slug[200];
    post_article("Markup test",
                 "<script>alert(1)</script> Rock & roll \"quoted\" <b>xylophone</b> > less",
                 slug, sizeof slug);
    json_t *page = search("xylophone");
    json_t *hit = find_hit(page, "article", slug);
    cr_assert_not_null(hit);
    const char *snippet = str(hit, "snippet");
    cr_assert(strstr(snippet, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL, "%s", snippet);
    cr_assert(strstr(snippet, "Rock &amp; roll &quot;quoted&quot;") != NULL, "%s", snippet);
    cr_assert(strstr(snippet, "&lt;b&gt;<mark>xylophone</mark>&lt;/b&gt; &gt; less") != NULL,
              "%s", snippet);
    /* With the marks taken out, no tag is left. */
    char plain[1024];
    size_t n = 0;
    for (const char *p = snippet; *p != '\0' && n + 1 < sizeof plain;) {
        if (strncmp(p, "<mark>", 6) == 0)
            p += 6;
        else if (strncmp(p, "</mark>", 7) == 0)
            p += 7;
        else
            plain[n++] = *p++;
    }
    plain[n] = '\0';
    cr_assert_null(strchr(plain, '<'), "%s", snippet);
    cr_assert_null(strchr(plain, '>'), "%s", snippet);
    json_decref(page);
}

Test(search, pages_of_tied_and_untied_hits_cover_every_match_once_in_rank_order)
{
    /* 24 articles with the same text tie on rank; 6 more rank above them. */
    for (int i = 0; i < 30; i++) {
        char title[64], slug[200];
        snprintf(title, sizeof title, i < 24 ? "Dispatch %d" : "Quokka dispatch %d", i);
        post_article(title, "A quokka was seen near the harbour again today.", slug, sizeof slug);
    }
    json_t *whole = get_q("/v1/search", "quokka", "&type=article&limit=100");
    json_t *ids = http_page_ids(whole);
    cr_assert_eq(json_array_size(ids), 30);
    for (size_t i = 0; i < 6; i++)
        cr_assert(strncmp(str(json_array_get(json_object_get(whole, "data"), i), "title"),
                          "Quokka", 6) == 0, "titled hits first");

    static const int limits[] = {1, 7, 10, 29, 30};
    for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
        char first[128];
        snprintf(first, sizeof first, "/v1/search?q=quokka&type=article&limit=%d", limits[l]);
        json_t *walked = http_walk(ts, first);
        cr_assert(json_equal(walked, ids), "limit %d: walked %s", limits[l], json_dumps(walked, 0));
        json_decref(walked);
    }
    json_decref(ids);
    json_decref(whole);

    /* Across types too: the walk sees each (type, id) once, in order. */
    char quote[200];
    post_quote(SEED, "robert-gates", "The harbour is calm.", quote, sizeof quote);
    json_decref(write_ok("POST", "/v1/entities",
                         "{\"name\": \"Harbour Authority\", \"type\": \"organization\"}", 201));
    json_t *all = get_q("/v1/search", "harbour", "&limit=100");
    size_t total = json_array_size(json_object_get(all, "data"));
    cr_assert_gt(total, 30);
    char path[128] = "/v1/search?q=harbour&limit=4";
    size_t seen = 0;
    for (int pages = 0; pages < 100; pages++) {
        struct http_result res = http_get(ts, path);
        cr_assert_eq(res.status, 200, "%s", res.body);
        size_t i;
        json_t *hit;
        json_array_foreach(json_object_get(res.json, "data"), i, hit) {
            json_t *expected = json_array_get(json_object_get(all, "data"), seen++);
            cr_assert(json_equal(hit, expected), "hit %zu differs", seen - 1);
        }
        const char *next = str(res.json, "next_cursor");
        if (next == NULL) {
            http_result_free(&res);
            break;
        }
        snprintf(path, sizeof path, "/v1/search?q=harbour&limit=4&cursor=%s", next);
        http_result_free(&res);
    }
    cr_assert_eq(seen, total);
    json_decref(all);
}

/* ---- refused queries ----------------------------------------------------- */

/* As they appear in the URL. */
static const char *const hostile[] = {
    "%22unbalanced",                /* "unbalanced */
    "memorandum%20%22defense",      /* an open phrase after a word */
    "-x",                           /* only an exclusion */
    "-x%20-%22y%20z%22",            /* only exclusions */
    "-",                            /* a bare minus */
    "*",                            /* a bare star */
    "memo%20*",                     /* a star of its own */
    "",                             /* empty */
    "%20%20%20",                    /* only spaces */
    "%22%22",                       /* an empty phrase */
    "NEAR(",                        /* FTS5 NEAR group */
    "NEAR(a%20b)",
    "title:x",                      /* a column filter */
    "%7Btitle%20body%7D:x",         /* a column set */
    "AND%20OR%20NOT",               /* operators */
    "memorandum%20OR%20treaty",
    "%5E",                          /* initial-token marker */
    "%5Ememorandum",
    "%7B%7D",
    "a%2Bb",                        /* FTS5 phrase concatenation */
    "a*b",
    "memo**",
    "%22a%22b",                     /* a phrase glued to a word */
    "a%22b%22",
    "...",                          /* nothing to search for */
    "%E2%80%94",                    /* an em dash */
    "%00",                          /* NUL */
    "memo%00randum",
    "%FF",                          /* invalid UTF-8 */
    "caf%C3",
    "%01",                          /* a control character */
};

Test(search, malformed_and_hostile_queries_are_400_naming_q_and_never_500)
{
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        assert_refused("/v1/search", hostile[i]);
        assert_refused("/v1/articles", hostile[i]);
        assert_refused("/v1/quotes", hostile[i]);
    }
}

Test(search, a_query_over_256_bytes_or_32_terms_is_400_and_at_the_limits_it_is_accepted)
{
    char q[400];
    memset(q, 'a', 256);
    q[256] = '\0';
    json_decref(search(q));
    memset(q, 'a', 257);
    q[257] = '\0';
    assert_refused("/v1/search", q);
    assert_refused("/v1/articles", q);

    /* 32 words are accepted, 33 are not. */
    size_t n = 0;
    for (int i = 0; i < 32; i++)
        n += (size_t)snprintf(q + n, sizeof q - n, "%sw", i ? " " : "");
    json_decref(search(q));
    snprintf(q + n, sizeof q - n, " w");
    char encoded[1024];
    url_encode(q, encoded, sizeof encoded);
    assert_refused("/v1/search", encoded);
    assert_refused("/v1/quotes", encoded);
}

Test(search, q_is_required_and_other_parameters_are_checked)
{
    struct http_result res = http_get(ts, "/v1/search");
    http_assert_problem(&res, 400, "q");
    http_result_free(&res);
    res = http_get(ts, "/v1/search?q=memorandum&sort=rank");
    http_assert_problem(&res, 400, "sort");
    http_result_free(&res);
    res = http_get(ts, "/v1/search?q=memorandum&limit=0");
    http_assert_problem(&res, 400, "limit");
    http_result_free(&res);
    res = http_get(ts, "/v1/search?q=memorandum&limit=101");
    http_assert_problem(&res, 400, "limit");
    http_result_free(&res);
    res = http_get(ts, "/v1/search?q=memorandum&cursor=nonsense");
    http_assert_problem(&res, 400, "cursor");
    http_result_free(&res);

    /* A cursor of another list, and search cursors with forged keys. */
    static const char *const keys[] = {"2010-09-15", "nan,article", "inf,article",
                                       "-1.5,agreement", "-1.5", "x,article", ""};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        struct keyset at = {.set = true, .id = 1};
        char cursor[CURSOR_MAX], path[CURSOR_MAX + 64];
        snprintf(at.key, sizeof at.key, "%s", keys[i]);
        cr_assert(cursor_encode(i == 0 ? "articles" : "search", &at, cursor, sizeof cursor));
        snprintf(path, sizeof path, "/v1/search?q=memorandum&cursor=%s", cursor);
        res = http_get(ts, path);
        http_assert_problem(&res, 400, "cursor");
        http_result_free(&res);
    }
}

/* ---- q= on the lists ----------------------------------------------------- */

Test(search, q_filters_the_article_list_in_its_own_order_and_pages)
{
    json_t *page = get_q("/v1/articles", "memorandum", "");
    json_t *data = json_object_get(page, "data");
    cr_assert_eq(json_array_size(data), 2, "%s", json_dumps(page, 0));
    /* Newest first, as without q. */
    cr_assert_str_eq(str(json_array_get(data, 0), "slug"),
                     "us-russian-defense-working-group-drafts-first-agenda");
    cr_assert_str_eq(str(json_array_get(data, 1), "slug"), SEED);
    json_decref(page);

    page = get_q("/v1/articles", "memorandum -agenda", "&source=Expatica%20news");
    data = json_object_get(page, "data");
    cr_assert_eq(json_array_size(data), 1);
    cr_assert_str_eq(str(json_array_get(data, 0), "slug"), SEED);
    json_decref(page);

    page = get_q("/v1/articles", "memorandum", "&entity=robert-gates&since=2010-01-01");
    cr_assert_gt(json_array_size(json_object_get(page, "data")), 0);
    json_decref(page);

    json_t *walked = http_walk(ts, "/v1/articles?q=defen*&limit=1");
    page = get_q("/v1/articles", "defen*", "&limit=100");
    json_t *ids = http_page_ids(page);
    cr_assert_eq(json_array_size(ids), 3);
    cr_assert(json_equal(walked, ids));
    json_decref(ids);
    json_decref(page);
    json_decref(walked);
}

Test(search, q_filters_the_quote_list)
{
    json_t *page = get_q("/v1/quotes", "memorandum", "");
    json_t *data = json_object_get(page, "data");
    cr_assert_eq(json_array_size(data), 1, "%s", json_dumps(page, 0));
    cr_assert_str_eq(str(json_array_get(data, 0), "slug"), "lyle-memorandum-framework-calendar");
    json_decref(page);

    page = get_q("/v1/quotes", "memorandum", "&speaker=robert-gates");
    cr_assert_eq(json_array_size(json_object_get(page, "data")), 0);
    json_decref(page);

    page = get_q("/v1/quotes", "russia threat", "&speaker=robert-gates");
    data = json_object_get(page, "data");
    cr_assert_eq(json_array_size(data), 1);
    cr_assert_str_eq(str(json_array_get(data, 0), "slug"), "gates-russia-not-a-threat");
    json_decref(page);
}

/* ---- the index follows every write -------------------------------------- */

Test(search, the_index_follows_article_create_patch_and_delete)
{
    char slug[200], path[300];
    post_article("Gazebo summit", "Ministers met under a gazebo.", slug, sizeof slug);
    cr_assert(finds("gazebo", "article", slug));

    snprintf(path, sizeof path, "/v1/articles/%s", slug);
    json_decref(write_ok("PATCH", path,
                         "{\"title\": \"Pavilion summit\", \"body\": \"Under a tent.\"}", 200));
    cr_assert_not(finds("gazebo", "article", slug), "the old words are gone");
    cr_assert(finds("pavilion", "article", slug));
    cr_assert(finds("tent", "article", slug));

    /* A change of other fields keeps the words. */
    json_decref(write_ok("PATCH", path, "{\"source\": \"Another wire\", \"summary\": \"Sunny.\"}",
                         200));
    cr_assert(finds("pavilion", "article", slug));
    cr_assert(finds("sunny", "article", slug));
    json_decref(write_ok("PATCH", path, "{\"summary\": null}", 200));
    cr_assert_not(finds("sunny", "article", slug));

    json_decref(write_ok("DELETE", path, NULL, 204));
    cr_assert_not(finds("pavilion", "article", slug));
    assert_index_intact(ts);
}

Test(search, the_index_follows_quotes_and_the_cascade_of_their_article)
{
    char article[200], quote[200], path[300];
    post_article("Lantern fair", "Lanterns everywhere.", article, sizeof article);
    post_quote(article, "robert-gates", "The lighthouse keeper was right.", quote, sizeof quote);
    cr_assert(finds("lighthouse", "quote", quote));

    snprintf(path, sizeof path, "/v1/quotes/%s", quote);
    json_decref(write_ok("PATCH", path, "{\"text\": \"The harbourmaster was right.\"}", 200));
    cr_assert_not(finds("lighthouse", "quote", quote));
    cr_assert(finds("harbourmaster", "quote", quote));

    /* Deleting the article takes its quote, and the quote's words. */
    snprintf(path, sizeof path, "/v1/articles/%s", article);
    json_decref(write_ok("DELETE", path, NULL, 204));
    cr_assert_not(finds("harbourmaster", "quote", quote));
    cr_assert_not(finds("lanterns", "article", article));
    assert_index_intact(ts);
}

Test(search, the_index_follows_entities_their_aliases_and_a_merge)
{
    json_decref(write_ok("POST", "/v1/entities",
                         "{\"name\": \"Quillon Varga\", \"type\": \"person\","
                         " \"aliases\": [\"Q. Varga\", \"Vargamaster\"]}",
                         201));
    cr_assert(finds("quillon", "entity", "quillon-varga"));
    cr_assert(finds("vargamaster", "entity", "quillon-varga"));

    /* Aliases added through their own endpoint. */
    json_decref(write_ok("POST", "/v1/entities/robert-gates/aliases",
                         "{\"aliases\": [\"Pentagon Chiefton\"]}", 200));
    cr_assert(finds("chiefton", "entity", "robert-gates"));
    json_t *page = get_q("/v1/search", "chiefton", "&type=entity");
    cr_assert(strstr(str(find_hit(page, "entity", "robert-gates"), "snippet"),
                     "<mark>Chiefton</mark>") != NULL);
    json_decref(page);

    /* A patch of the name and of the aliases. */
    json_decref(write_ok("PATCH", "/v1/entities/quillon-varga",
                         "{\"name\": \"Quillan Varga\", \"aliases\": [\"Vargaking\"]}", 200));
    cr_assert_not(finds("quillon", "entity", "quillon-varga"));
    cr_assert(finds("quillan", "entity", "quillon-varga"));
    cr_assert_not(finds("vargamaster", "entity", "quillon-varga"));
    cr_assert(finds("vargaking", "entity", "quillon-varga"));

    /* A merge: the old name and aliases become the target's aliases, and
     * the old entity leaves the index. */
    json_decref(write_ok("POST", "/v1/entities/quillon-varga/merge", "{\"into\": \"robert-gates\"}",
                         200));
    cr_assert_not(finds("quillan", "entity", "quillon-varga"));
    cr_assert(finds("quillan varga", "entity", "robert-gates"));
    cr_assert(finds("vargaking", "entity", "robert-gates"));

    /* A delete, with its aliases going by cascade. */
    json_decref(write_ok("POST", "/v1/entities",
                         "{\"name\": \"Ephemeral Person\", \"type\": \"person\","
                         " \"aliases\": [\"Fleeting\"]}",
                         201));
    json_decref(write_ok("DELETE", "/v1/entities/ephemeral-person", NULL, 204));
    cr_assert_not(finds("ephemeral", "entity", "ephemeral-person"));
    cr_assert_not(finds("fleeting", "entity", "ephemeral-person"));
    assert_index_intact(ts);
}

Test(search, an_import_is_indexed)
{
    static const char ndjson[] =
        "{\"type\": \"entity\", \"slug\": \"ozymandias\", \"name\": \"Ozymandias\","
        " \"entity_type\": \"person\", \"aliases\": [\"King of Kings\"]}\n"
        "{\"type\": \"article\", \"slug\": \"sands-report\", \"title\": \"Sands report\","
        " \"source\": \"Import wire\", \"published_at\": \"2011-04-01\","
        " \"body\": \"Two vast and trunkless legs of stone.\"}\n"
        "{\"type\": \"quote\", \"slug\": \"look-on-my-works\", \"article\": \"sands-report\","
        " \"speaker\": \"ozymandias\", \"text\": \"Look on my works, ye mighty, and despair.\"}\n";
    struct http_result res = http_send(ts, "POST", "/v1/import", "application/x-ndjson", ndjson,
                                       sizeof ndjson - 1, NULL);
    cr_assert_eq(res.status, 200, "%s", res.body);
    http_result_free(&res);
    cr_assert(finds("trunkless", "article", "sands-report"));
    cr_assert(finds("despair", "quote", "look-on-my-works"));
    cr_assert(finds("\"king of kings\"", "entity", "ozymandias"));
    assert_index_intact(ts);
}

Test(search, a_loaded_dataset_is_indexed)
{
    struct test_server *other = test_server_start_with(
        "{\"entities\": [{\"name\": \"Bartholomew Fennick\", \"type\": \"person\"}],"
        " \"articles\": [{\"title\": \"Fennick returns\", \"source\": \"Load wire\","
        "   \"published_at\": \"2011-05-01\", \"body\": \"The marmalade was excellent.\","
        "   \"mentions\": [{\"entity\": \"bartholomew-fennick\"}]}]}");
    struct http_result res = http_get(other, "/v1/search?q=marmalade");
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(str(json_array_get(json_object_get(res.json, "data"), 0), "slug"),
                     "fennick-returns");
    http_result_free(&res);
    res = http_get(other, "/v1/search?q=fennick&type=entity");
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(str(json_array_get(json_object_get(res.json, "data"), 0), "slug"),
                     "bartholomew-fennick");
    http_result_free(&res);
    assert_index_intact(other);
    test_server_stop(other);
}

/* ---- the store: compiler, migration, plans ------------------------------- */

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

TestSuite(search_store, .init = make_folder, .fini = remove_folder, .timeout = 60);

static struct store *open_store(bool *created)
{
    struct store_options opts = {.path = path, .busy_timeout_ms = 5000, .cache_size_kib = 2048};
    char err[512] = "";
    bool made = false;
    struct store *s = store_open(&opts, &made, err, sizeof err);
    cr_assert_not_null(s, "store_open: %s", err);
    if (created != NULL)
        *created = made;
    return s;
}

static struct db *open_with_sample(void)
{
    char err[512];
    store = open_store(NULL);
    cr_assert_eq(sample_load(store, NULL, err, sizeof err), DB_OK, "sample: %s", err);
    struct db *db = store_reader(store);
    cr_assert_not_null(db);
    return db;
}

Test(search_store, every_term_becomes_a_quoted_fts5_string)
{
    static const struct {
        const char *query, *match;
    } cases[] = {
        {"memorandum", "(\"memorandum\")"},
        {"  Defense   memorandum ", "(\"Defense\" AND \"memorandum\")"},
        {"\"working group\" defen*", "(\"working group\" AND \"defen\"*)"},
        {"gates -russia -\"new start\"", "(\"gates\") NOT \"russia\" NOT \"new start\""},
        {"-russia gates", "(\"gates\") NOT \"russia\""},
        {"\"title:x OR y\"", "(\"title:x OR y\")"},
        {"\"NEAR(a b)\"*", "(\"NEAR(a b)\"*)"},
        {"us-russian o'brien", "(\"us-russian\" AND \"o'brien\")"},
        {"sérdyukov", "(\"sérdyukov\")"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char match[SEARCH_MATCH_MAX], why[256] = "";
        cr_assert_eq(db_search_compile(cases[i].query, match, sizeof match, why, sizeof why), DB_OK,
                     "%s: %s", cases[i].query, why);
        cr_assert_str_eq(match, cases[i].match, "%s", cases[i].query);
    }
}

Test(search_store, the_compiler_refuses_with_a_reason)
{
    static const char *const bad[] = {"", "   ", "-x", "\"open", "*", "a\"b", "title:x", "AND",
                                      "NEAR(", "^a", "{a}", "a+b", "\"\"", "...", "\xff",
                                      "a\x01", "memo**", "-", "--x", "\"a\"b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char match[SEARCH_MATCH_MAX], why[256] = "";
        cr_assert_eq(db_search_compile(bad[i], match, sizeof match, why, sizeof why), DB_INVALID,
                     "\"%s\" compiled to %s", bad[i], match);
        cr_assert_gt(strlen(why), 10, "\"%s\" has no reason", bad[i]);
    }
    char match[SEARCH_MATCH_MAX];
    cr_assert_eq(db_search_compile(NULL, match, sizeof match, NULL, 0), DB_INVALID);
    /* Too small an output buffer is a refusal, never an overflow. */
    cr_assert_eq(db_search_compile("memorandum", match, 8, NULL, 0), DB_INVALID);
}

Test(search_store, db_search_refuses_bad_queries_types_and_keys)
{
    struct db *db = open_with_sample();
    json_t *items = NULL;
    struct keyset next, after = {.set = true, .key = "nan,article", .id = 1};
    bool capped;
    cr_assert_eq(db_search(db, "title:x", NULL, NULL, 10, &items, &next, &capped), DB_INVALID);
    cr_assert_eq(db_search(db, "memorandum", "agreement", NULL, 10, &items, &next, &capped), DB_INVALID);
    cr_assert_eq(db_search(db, "memorandum", NULL, &after, 10, &items, &next, &capped), DB_INVALID);
    cr_assert_null(items);
    cr_assert_eq(db_search(db, "memorandum", "article", NULL, 10, &items, &next, &capped), DB_OK);
    cr_assert_eq(json_array_size(items), 2);
    json_decref(items);
}

/* A connection of the test's own, with wb_bm25. */
static sqlite3 *ranking_connection(int flags)
{
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &raw, flags, NULL), SQLITE_OK);
    cr_assert_eq(rank_register(raw), SQLITE_OK);
    return raw;
}

/* Ranks of every row `match` finds in `fts`, by FTS5's bm25 and by
 * wb_bm25, on a connection of the test's own: they must be the same
 * doubles, bit for bit. Returns how many rows were compared. */
static int compare_ranks(sqlite3 *raw, const char *fts, const char *weights, const char *query,
                         long long version)
{
    char match[SEARCH_MATCH_MAX], sql[512];
    cr_assert_eq(db_search_compile(query, match, sizeof match, NULL, 0), DB_OK, "%s", query);
    snprintf(sql, sizeof sql,
             "SELECT rowid, bm25(%s, %s), wb_bm25(%s, '%s', ?2, ?1, %s) FROM %s"
             " WHERE %s MATCH ?1", fts, weights, fts, fts, weights, fts, fts);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(raw));
    sqlite3_bind_text(st, 1, match, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, version);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        double fts5 = sqlite3_column_double(st, 1), ours = sqlite3_column_double(st, 2);
        cr_assert(memcmp(&fts5, &ours, sizeof fts5) == 0, "%s in %s, row %lld: bm25 %.17g, wb_bm25 %.17g",
                  query, fts, (long long)sqlite3_column_int64(st, 0), fts5, ours);
        rows++;
    }
    sqlite3_finalize(st);
    return rows;
}

Test(search_store, wb_bm25_gives_bm25s_scores_to_the_last_bit)
{
    static const char *const queries[] = {
        "memorandum", "defense cooperation", "\"defense minister\"", "defen*",
        "memorandum -nato", "russia -\"new start\" minister", "serdyukov gates",
    };
    (void)open_with_sample();
    sqlite3 *raw = ranking_connection(SQLITE_OPEN_READONLY);
    int compared = 0;
    /* Twice: counted, then remembered. */
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
            compared += compare_ranks(raw, "article_fts", "10.0, 3.0, 1.0", queries[i], 7);
            compared += compare_ranks(raw, "entity_fts", "10.0, 3.0", queries[i], 7);
            compared += compare_ranks(raw, "quote_fts", "1.0", queries[i], 7);
        }
    cr_assert_gt(compared, 20, "too few rows matched to compare");
    sqlite3_close(raw);
}

Test(search_store, term_counts_are_remembered_and_follow_new_articles)
{
    struct db *db = open_with_sample();
    json_t *items = NULL;
    struct keyset next;
    bool capped;

    rank_forget();
    long long before = rank_count_walks();
    cr_assert_eq(db_search(db, "defense minister", NULL, NULL, 5, &items, &next, &capped), DB_OK);
    json_decref(items);
    long long first = rank_count_walks() - before;
    /* Two words in three indexes (an index without a match ranks nothing). */
    cr_assert_gt(first, 0);
    cr_assert_leq(first, 6);

    /* The same words again, and one of them in another query: remembered. */
    before = rank_count_walks();
    cr_assert_eq(db_search(db, "defense minister", NULL, NULL, 5, &items, &next, &capped), DB_OK);
    json_decref(items);
    cr_assert_eq(db_search(db, "minister defense", "article", NULL, 5, &items, &next, &capped), DB_OK);
    json_decref(items);
    cr_assert_eq(rank_count_walks() - before, 0);

    /* A new article moves the store version and adds rows on top of the
     * index: the counts are brought up to date, not walked again. */
    enum db_status status;
    struct record_error err = {0};
    struct db *w = db_write_begin(store, &status);
    cr_assert_not_null(w);
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s}", "title", "Defense minister visits",
                            "source", "Test Wire", "published_at", "2012-01-02",
                            "body", "The defense minister arrived.");
    int64_t id = 0;
    cr_assert(db_record_create(w, KIND_ARTICLE, rec, &id, &err), "%s", err.message);
    cr_assert_eq(db_write_commit(store, w), DB_OK);
    json_decref(rec);
    before = rank_count_walks();
    long long tails_before = rank_count_tails();
    cr_assert_eq(db_search(db, "defense minister", NULL, NULL, 5, &items, &next, &capped), DB_OK);
    cr_assert_eq(rank_count_walks() - before, 0);
    cr_assert_gt(rank_count_tails() - tails_before, 0);
    /* And the new article is found, ranked first: its title holds both. */
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 0), "id")), id);
    json_decref(items);
}

/* ---- counts across writes ------------------------------------------------ */

/* The one number `sql` answers, on the test's own connection. */
static long long read_number(sqlite3 *raw, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static long long read_version(sqlite3 *raw)
{
    return read_number(raw, "SELECT version FROM store_meta");
}

/* How many counts a ranking walked and how many it brought up to date. */
struct count_moves {
    long long walks, tails;
};

/* wb_bm25 against bm25 at the store's version, as a search would rank,
 * for each of `queries`, which must match at least `least` rows in all. */
static struct count_moves ranks_agree_on(sqlite3 *raw, const char *const *queries, size_t count,
                                         int least)
{
    long long walks = rank_count_walks(), tails = rank_count_tails(), version = read_version(raw);
    int compared = 0;
    for (size_t i = 0; i < count; i++) {
        compared += compare_ranks(raw, "article_fts", "10.0, 3.0, 1.0", queries[i], version);
        compared += compare_ranks(raw, "quote_fts", "1.0", queries[i], version);
    }
    cr_assert_geq(compared, least, "too few rows matched to compare");
    return (struct count_moves){rank_count_walks() - walks, rank_count_tails() - tails};
}

/* ranks_agree_on words, prefixes and phrases. */
static struct count_moves ranks_agree(sqlite3 *raw)
{
    /* "bulwark*" quoted is the word alone (the tokenizer drops the star):
     * one row, where the prefix has two; each has a count of its own. */
    static const char *const queries[] = {"defense minister", "defen*", "\"defense minister\"",
                                          "bulwark*", "\"bulwark*\""};
    return ranks_agree_on(raw, queries, sizeof queries / sizeof queries[0], 4);
}

/* One write transaction of store `s`: `sql` run in it, or else the
 * article `patch`ed or deleted (patch NULL). */
static void write_in(struct store *s, const char *sql, int64_t article, const char *patch)
{
    enum db_status status;
    struct record_error err = {0};
    struct db *w = db_write_begin(s, &status);
    cr_assert_not_null(w);
    if (sql != NULL) {
        cr_assert_eq(conn_exec(w, sql), DB_OK, "%s", sql);
    } else if (patch != NULL) {
        json_t *changes = json_loads(patch, 0, NULL);
        cr_assert(db_record_patch(w, KIND_ARTICLE, article, changes, &err), "%s", err.message);
        json_decref(changes);
    } else {
        cr_assert(db_record_delete(w, KIND_ARTICLE, article, &err), "%s", err.message);
    }
    cr_assert_eq(db_write_commit(s, w), DB_OK);
}

static void write_once(const char *sql, int64_t article, const char *patch)
{
    write_in(store, sql, article, patch);
}

/* "bulwark" alone and in "bulwarks": the prefix bulwark* holds both. */
#define BULWARK_ARTICLES                                                                      \
    "INSERT INTO articles (id, slug, title, source, published_at, body) VALUES"               \
    " (800, 'bulwarks', 'Bulwarks', 'Test Wire', '2012-01-02', 'They held.'),"                \
    " (801, 'a-bulwark', 'A bulwark', 'Test Wire', '2012-01-02', 'It stands.')"

#define ADDED_ARTICLE(id)                                                                     \
    "INSERT INTO articles (id, slug, title, source, published_at, body) VALUES (" #id        \
    ", 'added-" #id "', 'Defense minister " #id "', 'Test Wire', '2012-01-02',"               \
    " 'The defense minister spoke.')"

#define ADDED_QUOTE(id, article)                                                              \
    "INSERT INTO quotes (id, slug, article_id, speaker_id, text) VALUES (" #id ", 'added-" #id  \
    "', " article ", (SELECT min(id) FROM entities WHERE type = 'person'),"                     \
    " 'The defense minister will sign.')"

Test(search_store, term_counts_follow_new_rows_and_are_walked_again_after_other_changes)
{
    (void)open_with_sample();
    sqlite3 *raw = ranking_connection(SQLITE_OPEN_READONLY);
    write_once(ADDED_QUOTE(1000, "(SELECT min(id) FROM articles)"), 0, NULL);
    write_once(BULWARK_ARTICLES, 0, NULL);
    rank_forget();
    cr_assert_gt(ranks_agree(raw).walks, 0);

    /* Rows above the largest id: each count gains only what they hold. */
    write_once(ADDED_ARTICLE(1000), 0, NULL);
    struct count_moves moved = ranks_agree(raw);
    cr_assert_eq(moved.walks, 0);
    cr_assert_gt(moved.tails, 0);

    /* A row below the largest, an edit, a delete: counted again, as the
     * rows under the old largest id are not what they were. */
    write_once(ADDED_ARTICLE(900), 0, NULL);
    cr_assert_gt(ranks_agree(raw).walks, 0);
    write_once(NULL, 1000, "{\"body\": \"Nothing said.\", \"title\": \"Quiet\"}");
    cr_assert_gt(ranks_agree(raw).walks, 0);
    write_once(NULL, 900, NULL);
    cr_assert_gt(ranks_agree(raw).walks, 0);

    /* And after those, new rows are followed again: an article, then a
     * quote in it. */
    write_once(ADDED_ARTICLE(1100), 0, NULL);
    moved = ranks_agree(raw);
    cr_assert_eq(moved.walks, 0);
    cr_assert_gt(moved.tails, 0);
    write_once(ADDED_QUOTE(1001, "1100"), 0, NULL);
    moved = ranks_agree(raw);
    cr_assert_eq(moved.walks, 0);
    cr_assert_gt(moved.tails, 0);

    /* Deleting the article takes its quote by cascade: both indexes lose
     * rows under their old largest ids. */
    write_once(NULL, 1100, NULL);
    cr_assert_gt(ranks_agree(raw).walks, 0);
    sqlite3_close(raw);
}

/* A count made inside a write transaction that is then taken back is not
 * remembered: the next commit gives its version to other rows. */
Test(search_store, counts_made_in_a_write_that_is_taken_back_are_not_remembered)
{
    struct db *db = open_with_sample();
    sqlite3 *raw = ranking_connection(SQLITE_OPEN_READONLY);
    rank_forget();
    enum db_status status;
    struct db *w = db_write_begin(store, &status);
    cr_assert_not_null(w);
    cr_assert_eq(conn_exec(w, ADDED_ARTICLE(1000)), DB_OK);
    cr_assert_eq(conn_exec(w, "UPDATE store_meta SET version = version + 1"), DB_OK);
    json_t *items = NULL;
    struct keyset next;
    bool capped;
    cr_assert_eq(db_search(w, "defense minister", NULL, NULL, 5, &items, &next, &capped), DB_OK);
    json_decref(items);
    db_write_abort(store, w);

    /* The same version, committed with three such articles instead of one. */
    write_once(ADDED_ARTICLE(1001) "; " ADDED_ARTICLE(1002) "; " ADDED_ARTICLE(1003)
               "; UPDATE store_meta SET version = version + 1",
               0, NULL);
    (void)ranks_agree(raw);
    cr_assert_eq(db_search(db, "defense minister", NULL, NULL, 5, &items, &next, &capped), DB_OK);
    json_decref(items);
    sqlite3_close(raw);
}

/* Row lengths (db/doc_sizes.h) on a connection that only reads: each row's
 * is read once, read again after the index is rewritten, and the scores
 * stay bm25's throughout; a connection that writes keeps none. */
static long long size_reads_ranking(sqlite3 *raw, const char *query, int expect_rows)
{
    long long before = rank_size_reads();
    cr_assert_eq(compare_ranks(raw, "article_fts", "10.0, 3.0, 1.0", query, read_version(raw)),
                 expect_rows, "%s", query);
    return rank_size_reads() - before;
}

Test(search_store, row_lengths_are_read_once_per_reader_and_again_after_a_rewrite)
{
    (void)open_with_sample();
    write_once(BULWARK_ARTICLES, 0, NULL);
    sqlite3 *raw = ranking_connection(SQLITE_OPEN_READONLY);

    cr_assert_eq(size_reads_ranking(raw, "bulwark*", 2), 2);
    cr_assert_eq(size_reads_ranking(raw, "bulwark*", 2), 0, "kept lengths were read again");

    /* A row on top is not a rewrite: only its length is new. */
    write_once("INSERT INTO articles (id, slug, title, source, published_at, body) VALUES"
               " (802, 'bulwarked', 'Bulwarked', 'Test Wire', '2012-01-02', 'Walls.')",
               0, NULL);
    cr_assert_eq(size_reads_ranking(raw, "bulwark*", 3), 1);

    /* An edit that lengthens a row it still matches: every length is read
     * again, and the scores (compared bit for bit) use the new one. */
    write_once(NULL, 801, "{\"body\": \"It stands, as a bulwark stands, for years and years"
                          " against the sea and the wind and the tide.\"}");
    cr_assert_eq(size_reads_ranking(raw, "bulwark*", 3), 3);
    cr_assert_eq(size_reads_ranking(raw, "bulwark*", 3), 0);
    sqlite3_close(raw);

    /* A connection that can write may rank rows its transaction later
     * rolls back: it reads every length every time. */
    raw = ranking_connection(SQLITE_OPEN_READWRITE);
    cr_assert_eq(size_reads_ranking(raw, "bulwark*", 3), 3);
    cr_assert_eq(size_reads_ranking(raw, "bulwark*", 3), 3);
    sqlite3_close(raw);
}

/* A process that ends leaves its counts in the store (term_counts), and
 * the next one starts from them instead of walking each posting list
 * again: as they were if nothing was written since, brought up to date
 * after new rows, walked after any other change. Saving them does not
 * move the store version. */
static sqlite3 *reopened(sqlite3 *raw)
{
    sqlite3_close(raw);
    store_close(store);
    rank_forget(); /* what a new process starts with */
    store = open_store(NULL);
    return ranking_connection(SQLITE_OPEN_READONLY);
}

Test(search_store, term_counts_are_saved_when_the_store_closes_and_used_after_a_restart)
{
    (void)open_with_sample();
    write_once(ADDED_QUOTE(1000, "(SELECT min(id) FROM articles)"), 0, NULL);
    write_once(BULWARK_ARTICLES, 0, NULL);
    sqlite3 *raw = ranking_connection(SQLITE_OPEN_READONLY);
    rank_forget();
    long long version = read_version(raw);
    cr_assert_gt(ranks_agree(raw).walks, 0);

    raw = reopened(raw);
    cr_assert_eq(read_version(raw), version, "saving the counts moved the store version");
    struct count_moves moved = ranks_agree(raw);
    cr_assert_eq(moved.walks, 0);
    cr_assert_eq(moved.tails, 0);

    /* Rows added on top while no process held the counts in memory. */
    raw = reopened(raw);
    write_once(ADDED_ARTICLE(1100), 0, NULL);
    write_once(ADDED_QUOTE(1001, "1100"), 0, NULL);
    moved = ranks_agree(raw);
    cr_assert_eq(moved.walks, 0);
    cr_assert_gt(moved.tails, 0);

    /* An edit between two processes: the saved counts are walked again. */
    raw = reopened(raw);
    write_once(NULL, 1100, "{\"body\": \"Nothing said.\", \"title\": \"Quiet\"}");
    cr_assert_gt(ranks_agree(raw).walks, 0);
    sqlite3_close(raw);
}

/* `wirebase terms` after a bulk import: the commonest words' counts read
 * from each index's vocabulary, saved, and used by the next process as a
 * count it saved itself, whatever the case a query writes a word in. */
static const char *const single_words[] = {"defense minister", "Defense MINISTER", "signed",
                                           "D\xc3\xa9" "fense", "\"defense.\""};
#define SINGLE_WORDS (sizeof single_words / sizeof single_words[0])

Test(search_store, common_term_counts_from_the_vocabulary_spare_the_first_walks)
{
    (void)open_with_sample();
    write_once(ADDED_QUOTE(1000, "(SELECT min(id) FROM articles)"), 0, NULL);
    write_once(ADDED_ARTICLE(1000), 0, NULL);
    int64_t saved = 0;
    cr_assert_eq(db_count_common_terms(store, 1, DB_COMMON_TERMS_MAX, &saved), DB_OK);
    cr_assert_gt(saved, 10);

    sqlite3 *raw = reopened(ranking_connection(SQLITE_OPEN_READONLY));
    struct count_moves moved = ranks_agree_on(raw, single_words, SINGLE_WORDS, 4);
    cr_assert_eq(moved.walks, 0, "a word the vocabulary counted was walked");
    cr_assert_eq(moved.tails, 0);

    /* New rows on top: brought up to date from the vocabulary's count. */
    raw = reopened(raw);
    write_once(ADDED_ARTICLE(1100), 0, NULL);
    write_once(ADDED_QUOTE(1001, "1100"), 0, NULL);
    moved = ranks_agree_on(raw, single_words, SINGLE_WORDS, 4);
    cr_assert_eq(moved.walks, 0);
    cr_assert_gt(moved.tails, 0);

    /* A phrase of two words and prefixes are not in the vocabulary, not
     * even a prefix that is a whole word the vocabulary counted. */
    static const char *const others[] = {"\"defense minister\"", "defen*", "defense*"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        cr_assert_gt(ranks_agree_on(raw, &others[i], 1, 1).walks, 0, "%s", others[i]);

    /* An edit since the count: walked again, not trusted. */
    raw = reopened(raw);
    write_once(NULL, 1100, "{\"body\": \"Nothing said.\", \"title\": \"Quiet\"}");
    cr_assert_gt(ranks_agree_on(raw, single_words, SINGLE_WORDS, 4).walks, 0);
    sqlite3_close(raw);
}

/* term_counts keeps the RANK_SAVED_MAX newest counts, and a count is
 * never replaced by one made at an older version. */
Test(search_store, saved_counts_keep_the_newest_and_never_go_back)
{
    (void)open_with_sample();
    sqlite3 *raw = ranking_connection(SQLITE_OPEN_READWRITE);
    size_t n = RANK_SAVED_MAX + 10;
    struct rank_saved_count *counts = calloc(n, sizeof *counts);
    cr_assert_not_null(counts);
    for (size_t i = 0; i < n; i++) {
        char word[32];
        snprintf(word, sizeof word, "w%zu", i);
        cr_assert(rank_term_key("article_fts", false, word, counts[i].key, sizeof counts[i].key));
        counts[i].version = (int64_t)i + 1;
        counts[i].rows = (int64_t)i;
    }
    cr_assert(rank_save_counts(raw, counts, n));
    cr_assert_eq(read_number(raw, "SELECT count(*) FROM term_counts"), RANK_SAVED_MAX);
    cr_assert_eq(read_number(raw, "SELECT min(version) FROM term_counts"), 11);

    /* w100, saved at version 101: an older count leaves it, a newer one
     * replaces it. */
    struct rank_saved_count again = counts[100];
    again.version = 50;
    again.rows = 999;
    cr_assert(rank_save_counts(raw, &again, 1));
    cr_assert_eq(read_number(raw, "SELECT rows FROM term_counts WHERE key ="
                                  " 'article_fts' || char(31) || '=' || char(31) || 'w100'"),
                 100);
    again.version = (int64_t)n + 1;
    cr_assert(rank_save_counts(raw, &again, 1));
    cr_assert_eq(read_number(raw, "SELECT rows FROM term_counts WHERE key ="
                                  " 'article_fts' || char(31) || '=' || char(31) || 'w100'"),
                 999);
    free(counts);
    sqlite3_close(raw);
}

Test(search_store, common_term_counts_keep_to_their_limits)
{
    (void)open_with_sample();
    int64_t saved = -1;
    cr_assert_eq(db_count_common_terms(store, 1000000, DB_COMMON_TERMS_MAX, &saved), DB_OK);
    cr_assert_eq(saved, 0, "no word of the sample is in a million rows");

    /* At most `most` of each of the two indexes, the commonest. */
    cr_assert_eq(db_count_common_terms(store, 1, 3, &saved), DB_OK);
    cr_assert_leq(saved, 6);
    cr_assert_geq(saved, 4);
    sqlite3 *raw = reopened(ranking_connection(SQLITE_OPEN_READONLY));
    /* "a" is in every sample article and in most quotes. */
    static const char *const common[] = {"a"}, *const rare[] = {"memorandum"};
    cr_assert_eq(ranks_agree_on(raw, common, 1, 4).walks, 0);
    cr_assert_gt(ranks_agree_on(raw, rare, 1, 1).walks, 0);
    sqlite3_close(raw);

    cr_assert_eq(db_count_common_terms(store, 0, 10, &saved), DB_INVALID);
    cr_assert_eq(db_count_common_terms(store, 1, 0, &saved), DB_INVALID);
    cr_assert_eq(db_count_common_terms(store, 1, DB_COMMON_TERMS_MAX + 1, &saved), DB_INVALID);
}

/* ---- candidates kept across versions ------------------------------------- */

/* A search's page, cursor and cap as one text, to compare two searches. */
static char *search_text(struct db *db, const char *query, const char *type,
                         const struct keyset *after, int limit, struct keyset *next)
{
    json_t *items = NULL;
    bool capped = false;
    cr_assert_eq(db_search(db, query, type, after, limit, &items, next, &capped), DB_OK, "%s",
                 query);
    json_t *all = json_pack("{s:o, s:b, s:s, s:I}", "items", items, "capped", capped, "next",
                            next->set ? next->key : "", "next_id", (json_int_t)next->id);
    char *text = json_dumps(all, JSON_SORT_KEYS);
    json_decref(all);
    return text;
}

/* Whether db_search's items hold the record `id`. */
static bool holds_id(const json_t *items, json_int_t id)
{
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
        if (json_integer_value(json_object_get(item, "id")) == id)
            return true;
    return false;
}

/* A store made again at the same path within one process is another
 * store: nothing remembered of the first (counts, kept lists) may serve
 * it, even at the same version. */
static void remove_store_files(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal", "-docs", "-docs.idx"};
    char file[400];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(file, sizeof file, "%s%s", path, suffixes[i]);
        cr_assert(remove(file) == 0 || errno == ENOENT, "%s", file);
    }
}

Test(search_store, a_store_made_again_at_the_same_path_is_searched_afresh)
{
    struct db *db = open_with_sample();
    write_once(ADDED_ARTICLE(1000), 0, NULL);
    sqlite3 *raw = ranking_connection(SQLITE_OPEN_READONLY);
    long long version = read_version(raw);
    (void)ranks_agree(raw);
    struct keyset next;
    free(search_text(db, "defense minister", NULL, NULL, 1, &next));
    sqlite3_close(raw);
    store_close(store);
    remove_store_files();

    /* The same version, and article 1000 no longer about defense. */
    db = open_with_sample();
    write_once("INSERT INTO articles (id, slug, title, source, published_at, body) VALUES"
               " (1000, 'quiet-1000', 'Quiet day', 'Test Wire', '2012-01-02', 'Nothing.')",
               0, NULL);
    raw = ranking_connection(SQLITE_OPEN_READONLY);
    cr_assert_eq(read_version(raw), version, "the two stores must be at one version");
    (void)ranks_agree(raw);
    /* A page of one: its cursor holds the last hit's rank. */
    char *found = search_text(db, "defense minister", NULL, NULL, 1, &next);
    rank_forget(); /* what a new process starts with */
    char *fresh = search_text(db, "defense minister", NULL, NULL, 1, &next);
    cr_assert_str_eq(found, fresh);
    free(found);
    free(fresh);
    sqlite3_close(raw);
}

#define KEPT_QUERIES 6
static const char *const kept_queries[KEPT_QUERIES] = {
    "defense minister", "memorandum", "defen*", "\"defense minister\"", "minister -nato",
    "sign",
};

/* Every query's first two pages, as `texts[query][page]`. */
static void search_all(struct db *db, char *texts[KEPT_QUERIES][2])
{
    for (int q = 0; q < KEPT_QUERIES; q++) {
        struct keyset next, after;
        texts[q][0] = search_text(db, kept_queries[q], NULL, NULL, 2, &next);
        after = next;
        texts[q][1] = after.set ? search_text(db, kept_queries[q], NULL, &after, 2, &next)
                                : strdup("");
    }
}

/* After the write, each query ranked from the lists kept before it must
 * give what a process that kept nothing gives, page by page. Returns how
 * many index searches used a kept list. */
static long long kept_matches_fresh(struct db *db, const char *write_sql, int64_t article,
                                    const char *patch)
{
    char *before[KEPT_QUERIES][2], *kept[KEPT_QUERIES][2], *fresh[KEPT_QUERIES][2];
    search_all(db, before);
    write_once(write_sql, article, patch);
    long long reused = candidates_reused();
    search_all(db, kept);
    reused = candidates_reused() - reused;
    rank_forget();
    search_all(db, fresh);
    for (int q = 0; q < KEPT_QUERIES; q++)
        for (int page = 0; page < 2; page++) {
            cr_assert_str_eq(kept[q][page], fresh[q][page], "\"%s\", page %d", kept_queries[q],
                             page + 1);
            free(before[q][page]);
            free(kept[q][page]);
            free(fresh[q][page]);
        }
    return reused;
}

Test(search_store, kept_candidates_rank_as_a_fresh_reading_does_after_any_write)
{
    struct db *db = open_with_sample();
    rank_forget();
    /* Rows on top that match some queries (a new row gives the basis) and
     * not others (the basis is read on a kept row). */
    cr_assert_gt(kept_matches_fresh(db, ADDED_ARTICLE(1000), 0, NULL), 0);
    cr_assert_gt(kept_matches_fresh(db, ADDED_QUOTE(1000, "1000"), 0, NULL), 0);
    cr_assert_gt(kept_matches_fresh(db, BULWARK_ARTICLES, 0, NULL), 0);
    /* A write to no index: the lists are scored again as they are. */
    cr_assert_gt(kept_matches_fresh(db, "UPDATE articles SET source = 'Other Wire' WHERE id = 1000",
                                    0, NULL),
                 0);
    /* A row below the largest, an edit, a delete: the article index is
     * read whole again (the quote index's list still serves). */
    kept_matches_fresh(db, ADDED_ARTICLE(900), 0, NULL);
    kept_matches_fresh(db, NULL, 1000, "{\"title\": \"Quiet\", \"body\": \"Signed nothing.\"}");
    kept_matches_fresh(db, NULL, 900, NULL);
}

Test(search_store, a_rewritten_index_is_read_whole_again)
{
    struct db *db = open_with_sample();
    json_t *items = NULL;
    struct keyset next;
    bool capped;
    rank_forget();
    cr_assert_eq(db_search(db, "defense", "article", NULL, 5, &items, &next, &capped), DB_OK);
    json_decref(items);

    write_once(ADDED_ARTICLE(1000), 0, NULL);
    long long reused = candidates_reused();
    cr_assert_eq(db_search(db, "defense", "article", NULL, 5, &items, &next, &capped), DB_OK);
    cr_assert_eq(candidates_reused() - reused, 1, "rows on top: the kept list serves");
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 0), "id")), 1000);
    json_decref(items);

    write_once(NULL, 1000, "{\"title\": \"Quiet\", \"body\": \"Nothing said.\"}");
    reused = candidates_reused();
    cr_assert_eq(db_search(db, "defense", "article", NULL, 5, &items, &next, &capped), DB_OK);
    cr_assert_eq(candidates_reused() - reused, 0, "an edit: the kept list must not serve");
    cr_assert_not(holds_id(items, 1000), "the edit is missed");
    json_decref(items);
}

/* A kept list whose newest row the index no longer holds, though nothing
 * recorded a rewrite (the index changed behind the triggers' backs), is read
 * whole again: the search still answers, without that row. */
Test(search_store, a_kept_list_that_no_longer_fits_is_read_whole_again)
{
    struct db *db = open_with_sample();
    json_t *items = NULL;
    struct keyset next;
    bool capped;
    rank_forget();
    write_once(ADDED_ARTICLE(1000), 0, NULL);
    cr_assert_eq(db_search(db, "defense", "article", NULL, 5, &items, &next, &capped), DB_OK);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 0), "id")), 1000);
    json_decref(items);

    write_once("INSERT INTO article_fts (article_fts, rowid, title, summary, body)"
               " SELECT 'delete', id, title, summary, body FROM articles WHERE id = 1000;"
               " UPDATE store_meta SET version = version + 1",
               0, NULL);
    cr_assert_eq(db_search(db, "defense", "article", NULL, 5, &items, &next, &capped), DB_OK);
    cr_assert_gt(json_array_size(items), 0);
    cr_assert_not(holds_id(items, 1000));
    json_decref(items);
}

/* One list of `rows` rows of two phrases, as read at `version`. */
static struct candidates list_of(int64_t version, size_t rows, double first_freq)
{
    struct candidates c = {.version = version, .top_rowid = (int64_t)rows,
                           .basis = {.phrases = 2, .avgdl = 7.5, .idf = {0.5, 1.5}}};
    cr_assert(candidates_reserve(&c, rows, 2));
    for (size_t i = 0; i < rows; i++) {
        c.rowids[i] = (int64_t)(rows - i);
        c.tokens[i] = (int32_t)(i % 50 + 1);
        c.freq[2 * i] = i == 0 ? first_freq : (double)(i % 3);
        c.freq[2 * i + 1] = 10.0;
    }
    c.count = rows;
    return c;
}

Test(search_store, kept_lists_come_back_whole_and_stay_within_their_memory)
{
    rank_forget();
    struct candidates made = list_of(7, 1000, 13.0), back = {0};
    candidates_keep("a", &made);
    cr_assert(candidates_lookup("a", &back));
    cr_assert_eq(back.version, 7);
    cr_assert_eq(back.count, 1000);
    cr_assert_eq(back.basis.phrases, 2);
    cr_assert(memcmp(back.rowids, made.rowids, 1000 * sizeof *made.rowids) == 0);
    cr_assert(memcmp(back.tokens, made.tokens, 1000 * sizeof *made.tokens) == 0);
    cr_assert(memcmp(back.freq, made.freq, 2000 * sizeof *made.freq) == 0);
    candidates_clear(&back);

    /* An older reading never replaces a newer one. */
    struct candidates older = list_of(6, 10, 1.0);
    candidates_keep("a", &older);
    cr_assert(candidates_lookup("a", &back));
    cr_assert_eq(back.version, 7);
    candidates_clear(&back);
    candidates_clear(&older);

    /* A count that is not a whole number is not kept at all. */
    struct candidates fractional = list_of(8, 10, 2.5);
    candidates_keep("b", &fractional);
    cr_assert_not(candidates_lookup("b", &back));
    candidates_clear(&fractional);

    /* Past CANDIDATES_BYTES_MAX the least recently used go first. */
    size_t lists = CANDIDATES_BYTES_MAX / (1000 * 16) + 20;
    char key[32];
    for (size_t i = 0; i < lists; i++) {
        snprintf(key, sizeof key, "list %zu", i);
        candidates_keep(key, &made);
        cr_assert(candidates_lookup("list 0", &back), "the list used most recently went");
        candidates_clear(&back);
    }
    cr_assert_not(candidates_lookup("list 1", &back), "nothing gave way");
    snprintf(key, sizeof key, "list %zu", lists - 1);
    cr_assert(candidates_lookup(key, &back));
    candidates_clear(&back);
    candidates_clear(&made);
    rank_forget();
}

/* ---- rows indexed at commit ---------------------------------------------- */

/* One write of the open batch, as the write thread runs it: `sql` in its
 * own savepoint, kept, or taken back when `keep` is false. */
static void batch_write(const char *sql, bool keep)
{
    enum db_status status;
    struct db *w = db_write_begin(store, &status);
    cr_assert_not_null(w, "%d", (int)status);
    cr_assert_eq(conn_exec(w, sql), DB_OK, "%s", sql);
    if (keep)
        cr_assert_eq(db_write_commit(store, w), DB_OK);
    else
        db_write_abort(store, w);
}

static size_t hits_of(struct db *db, const char *query, const char *type)
{
    json_t *items = NULL;
    struct keyset next;
    bool capped;
    cr_assert_eq(db_search(db, query, type, NULL, 10, &items, &next, &capped), DB_OK, "%s", query);
    size_t n = json_array_size(items);
    json_decref(items);
    return n;
}

static int64_t pending_rows(void)
{
    sqlite3 *raw = NULL;
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(raw, "SELECT count(*) FROM fts_pending", -1, &st, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(raw);
    return n;
}

/* New articles and quotes wait in fts_pending until their transaction
 * commits. Edited, deleted or taken back before then, they were never in
 * the index: the index must hold what the records say when the batch is
 * committed, and nothing pending may be left. */
Test(search_store, a_batch_indexes_its_new_rows_at_commit_as_they_are_then)
{
    struct db *db = open_with_sample();
    cr_assert_eq(db_batch_begin(store), DB_OK);
    batch_write("INSERT INTO articles (id, slug, title, source, published_at, body) VALUES"
                " (700, 'kept', 'Firstword', 'Test Wire', '2012-01-02', 'Plain text.')",
                true);
    batch_write("UPDATE articles SET title = 'Secondword' WHERE id = 700", true);
    batch_write("INSERT INTO articles (id, slug, title, source, published_at, body) VALUES"
                " (701, 'gone', 'Doomedword', 'Test Wire', '2012-01-02', 'Plain text.')",
                true);
    batch_write("DELETE FROM articles WHERE id = 701", true);
    batch_write("INSERT INTO articles (id, slug, title, source, published_at, body) VALUES"
                " (702, 'taken-back', 'Unwrittenword', 'Test Wire', '2012-01-02', 'Text.')",
                false);
    batch_write("INSERT INTO quotes (id, slug, article_id, speaker_id, text) VALUES (900,"
                " 'said', 700, (SELECT min(id) FROM entities WHERE type = 'person'),"
                " 'Quotedword here.')",
                true);
    batch_write("UPDATE quotes SET text = 'Requotedword here.' WHERE id = 900", true);
    /* And an article that was indexed before the batch, edited in it. */
    batch_write("UPDATE articles SET title = 'Oldrowword' WHERE id = (SELECT min(id) FROM"
                " articles)",
                true);
    cr_assert_eq(db_batch_end(store), DB_OK);

    cr_assert_eq(pending_rows(), 0);
    assert_file_index_intact(path);
    cr_assert_eq(hits_of(db, "secondword", "article"), 1);
    cr_assert_eq(hits_of(db, "firstword", "article"), 0);
    cr_assert_eq(hits_of(db, "doomedword", "article"), 0);
    cr_assert_eq(hits_of(db, "unwrittenword", "article"), 0);
    cr_assert_eq(hits_of(db, "requotedword", "quote"), 1);
    cr_assert_eq(hits_of(db, "quotedword", "quote"), 0);
    cr_assert_eq(hits_of(db, "oldrowword", "article"), 1);

    /* A write on its own commits its rows indexed too, and deleting the
     * article afterwards takes both out of the index (its quote by
     * cascade). */
    write_once("INSERT INTO articles (id, slug, title, source, published_at, body) VALUES"
               " (703, 'alone', 'Aloneword', 'Test Wire', '2012-01-02', 'Text.')",
               0, NULL);
    cr_assert_eq(hits_of(db, "aloneword", "article"), 1);
    write_once(NULL, 700, NULL);
    cr_assert_eq(hits_of(db, "secondword", "article"), 0);
    cr_assert_eq(hits_of(db, "requotedword", "quote"), 0);
    cr_assert_eq(pending_rows(), 0);
    assert_file_index_intact(path);
}

/* Counts are kept per process, and a process (these tests, for one) may
 * open two stores: one store's counts must not be brought up to date with
 * another's rows. */
Test(search_store, term_counts_of_one_store_are_not_used_for_another)
{
    (void)open_with_sample();
    sqlite3 *first = NULL, *second = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &first, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    cr_assert_eq(rank_register(first), SQLITE_OK);
    rank_forget();
    (void)ranks_agree(first);

    char other_path[320];
    snprintf(other_path, sizeof other_path, "%s/other.db", dir);
    struct store_options opts = {.path = other_path, .busy_timeout_ms = 5000,
                                 .cache_size_kib = 2048};
    char err[512] = "";
    bool made = false;
    struct store *other = store_open(&opts, &made, err, sizeof err);
    cr_assert_not_null(other, "%s", err);
    /* Its own article, and writes that change nothing but the version,
     * so the second store is at a later version than the first. */
    write_in(other, ADDED_ARTICLE(600), 0, NULL);
    write_in(other, ADDED_ARTICLE(601), 0, NULL);
    write_in(other,
             "INSERT INTO articles (id, slug, title, source, published_at, body) VALUES"
             " (602, 'rain', 'Rain', 'Test Wire', '2012-01-02', 'It rained.'),"
             " (603, 'snow', 'Snow', 'Test Wire', '2012-01-02', 'It snowed.'),"
             " (604, 'sun', 'Sun', 'Test Wire', '2012-01-02', 'It shone.')",
             0, NULL);
    for (int i = 0; i < 12; i++)
        write_in(other, "DELETE FROM articles WHERE id = 0", 0, NULL);
    cr_assert_eq(sqlite3_open_v2(other_path, &second, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    cr_assert_eq(rank_register(second), SQLITE_OK);
    cr_assert_gt(read_version(second), read_version(first), "the second store must be ahead");
    cr_assert_gt(ranks_agree(second).walks, 0);
    sqlite3_close(second);
    sqlite3_close(first);
    store_close(other);
}

Test(search_store, migration_4_indexes_the_rows_a_version_3_store_already_has)
{
    store = open_store(NULL);
    char err[512];
    cr_assert_eq(sample_load(store, NULL, err, sizeof err), DB_OK, "%s", err);
    store_close(store);
    store = NULL;

    /* Back to version 3: no search tables or tallies, nor their triggers,
     * nor the entities' quote counts. */
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(path, &raw), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(raw,
                                    "SELECT group_concat('DROP ' || type || ' ' || name, ';')"
                                    " FROM sqlite_schema WHERE (type = 'trigger' AND (name LIKE"
                                    " '%fts%' OR name LIKE '%tallied%')) OR (type = 'table' AND"
                                    " name IN ('article_fts', 'quote_fts', 'entity_fts',"
                                    " 'tallies'))",
                                    -1, &st, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    char *drops = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    cr_assert_eq(sqlite3_exec(raw, drops, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(raw));
    free(drops);
    cr_assert_eq(sqlite3_exec(raw, "ALTER TABLE entities DROP COLUMN quote_count", NULL, NULL,
                              NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(raw));
    /* And what migration 6 added. */
    cr_assert_eq(sqlite3_exec(raw,
                              "DROP TABLE mention_spans; DROP TRIGGER names_added;"
                              " DROP TRIGGER names_removed; DROP TRIGGER names_changed;"
                              " DROP TRIGGER aliases_added; DROP TRIGGER aliases_removed;"
                              " ALTER TABLE quotes DROP COLUMN span_start;"
                              " ALTER TABLE quotes DROP COLUMN span_end;"
                              " ALTER TABLE agreement_articles DROP COLUMN span_start;"
                              " ALTER TABLE agreement_articles DROP COLUMN span_end;"
                              " ALTER TABLE store_meta DROP COLUMN names_version;"
                              /* And the index migration 7 dropped. */
                              " CREATE INDEX entities_by_mentions ON entities"
                              " (mention_count DESC, id);"
                              /* And the tables of migrations 9-11 (their
                               * triggers went above). */
                              " DROP TABLE fts_rewrites; DROP TABLE term_counts;"
                              " DROP TABLE fts_pending;"
                              /* And migration 12's column. */
                              " ALTER TABLE store_meta DROP COLUMN instance;",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(raw));
    cr_assert_eq(sqlite3_exec(raw, "PRAGMA user_version = 3", NULL, NULL, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_close(raw), SQLITE_OK);

    bool created = true;
    store = open_store(&created);
    cr_assert_not(created);
    struct db *db = store_reader(store);
    cr_assert_eq(db_schema_version(db), schema_latest_version());
    /* Migration 5 tallied the rows that were there. */
    json_t *stats = NULL;
    cr_assert_eq(db_relations_stats(db, &stats), DB_OK);
    cr_assert_eq(json_integer_value(json_object_get(stats, "articles")), 3);
    cr_assert_eq(json_integer_value(json_object_get(stats, "quotes")), 11);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(stats, "entities"), "total")),
                 32);
    json_decref(stats);
    int64_t gates = 0;
    cr_assert_eq(db_resolve(db, KIND_ENTITY, "robert-gates", &gates), DB_OK);
    cr_assert_eq(db_entity_get(db, gates, &stats), DB_OK);
    cr_assert_eq(json_integer_value(json_object_get(stats, "quote_count")), 4);
    json_decref(stats);
    json_t *items = NULL;
    struct keyset next;
    bool capped;
    cr_assert_eq(db_search(db, "memorandum", "article", NULL, 10, &items, &next, &capped), DB_OK);
    cr_assert_eq(json_array_size(items), 2);
    json_decref(items);
    cr_assert_eq(db_search(db, "nato", "entity", NULL, 10, &items, &next, &capped), DB_OK);
    cr_assert_eq(json_array_size(items), 1, "aliases are indexed");
    cr_assert_str_eq(str(json_array_get(items, 0), "slug"), "north-atlantic-treaty-organization");
    json_decref(items);
    cr_assert_eq(db_search(db, "threat", "quote", NULL, 10, &items, &next, &capped), DB_OK);
    cr_assert_eq(json_array_size(items), 1);
    json_decref(items);
}

/* True for a plan line that reads a whole table: "SCAN t" without an
 * index. FTS5 answers a MATCH from its own index and shows it as "SCAN
 * <fts> VIRTUAL TABLE INDEX n:M..."; without the M it would read it all. */
static bool is_table_scan(const char *line)
{
    while (*line == ' ')
        line++;
    if (strncmp(line, "SCAN ", 5) != 0 || strstr(line, " USING ") != NULL)
        return false;
    if (strncmp(line + 5, "(subquery", 9) == 0 || strncmp(line + 5, "CONSTANT ROW", 12) == 0)
        return false;
    const char *vt = strstr(line, " VIRTUAL TABLE INDEX ");
    return vt == NULL || strstr(vt, ":M") == NULL;
}

static void expect_no_scan(struct db *db, const char *what)
{
    json_t *plan = NULL;
    cr_assert_eq(db_explain_last(db, &plan), DB_OK, "%s: no plan", what);
    size_t i;
    json_t *line;
    bool has_fts = false;
    json_array_foreach(plan, i, line) {
        has_fts |= strstr(json_string_value(line), "VIRTUAL TABLE INDEX") != NULL;
        if (is_table_scan(json_string_value(line))) {
            char *dump = json_dumps(plan, JSON_INDENT(2));
            cr_expect_fail("%s scans a table: \"%s\"\nplan: %s", what, json_string_value(line),
                           dump);
            free(dump);
        }
    }
    cr_expect(has_fts, "%s: the plan does not use the search index", what);
    json_decref(plan);
}

static int64_t resolve(struct db *db, enum db_kind kind, const char *ref)
{
    int64_t id = 0;
    cr_assert_eq(db_resolve(db, kind, ref, &id), DB_OK, "resolve \"%s\"", ref);
    return id;
}

Test(search_store, the_search_query_reads_only_the_indexes)
{
    struct db *db = open_with_sample();
    static const char *const types[] = {NULL, "article", "quote", "entity"};
    struct keyset after = {.set = true, .key = "-1.5e-06,article", .id = 1};
    for (size_t t = 0; t < 4; t++) {
        for (int with_cursor = 0; with_cursor < 2; with_cursor++) {
            json_t *items = NULL;
            struct keyset next;
            bool capped;
            char what[80];
            snprintf(what, sizeof what, "search type=%s%s", types[t] ? types[t] : "all",
                     with_cursor ? " cursor" : "");
            cr_assert_eq(db_search(db, "defense -nato \"working group\" memo*", types[t],
                                   with_cursor ? &after : NULL, 20, &items, &next, &capped),
                         DB_OK, "%s", what);
            json_decref(items);
            expect_no_scan(db, what);
        }
    }
}

Test(search_store, q_filtered_article_and_quote_lists_use_indexes)
{
    struct db *db = open_with_sample();
    int64_t entity = resolve(db, KIND_ENTITY, "robert-gates");
    int64_t agreement =
        resolve(db, KIND_AGREEMENT, "us-russia-defense-cooperation-memorandum-2010");
    int64_t article = resolve(db, KIND_ARTICLE, SEED);

    /* Every combination of the other article filters, with and without a
     * cursor, as the handler can build them. */
    for (int n = 0; n < 64; n++) {
        static const struct keyset cursor = {.set = true, .key = "2015-01-05", .id = 10};
        struct article_filter f = {
            .source = n & 1 ? "Expatica news" : NULL,
            .entity_id = n & 2 ? entity : 0,
            .agreement_id = n & 4 ? agreement : 0,
            .since = n & 8 ? "2010-01-01" : NULL,
            .until = n & 16 ? "2020-12-31" : NULL,
            .q = "memorandum -nato",
        };
        json_t *items = NULL;
        struct keyset next;
        char what[64];
        snprintf(what, sizeof what, "articles q combination %d", n);
        cr_assert_eq(db_article_list(db, &f, n & 32 ? &cursor : NULL, 20, &items, &next), DB_OK,
                     "%s", what);
        json_decref(items);
        expect_no_scan(db, what);
    }
    for (int n = 0; n < 8; n++) {
        static const struct keyset cursor = {.set = true, .key = "", .id = 30};
        struct quote_filter f = {
            .speaker_id = n & 1 ? entity : 0,
            .article_id = n & 2 ? article : 0,
            .q = "memorandum",
        };
        json_t *items = NULL;
        struct keyset next;
        char what[64];
        snprintf(what, sizeof what, "quotes q combination %d", n);
        cr_assert_eq(db_quote_list(db, &f, n & 4 ? &cursor : NULL, 20, &items, &next), DB_OK,
                     "%s", what);
        json_decref(items);
        expect_no_scan(db, what);
    }

    /* A malformed q never reaches SQL. */
    struct article_filter bad = {.q = "title:x"};
    json_t *items = NULL;
    struct keyset next;
    cr_assert_eq(db_article_list(db, &bad, NULL, 20, &items, &next), DB_INVALID);
    struct quote_filter bad_quote = {.q = "\"open"};
    cr_assert_eq(db_quote_list(db, &bad_quote, NULL, 20, &items, &next), DB_INVALID);
    cr_assert_null(items);
}

/* ---- the candidate cap ------------------------------------------------- */

/* SEARCH_CANDIDATES + 5 articles that all hold "zebra", one of them also
 * "okapi"; with the sample, for a store where one word matches more than a
 * search ranks. */
#define CAP_ARTICLES (SEARCH_CANDIDATES + 5)

static void start_crowded(void)
{
    json_t *articles = json_array();
    char slug[32];
    /* "gnu" is in exactly SEARCH_CANDIDATES of them and "hippo" in one
     * more: the two sides of the cap. */
    for (int i = 0; i < CAP_ARTICLES; i++) {
        snprintf(slug, sizeof slug, "zebra-%04d", i);
        char body[64];
        snprintf(body, sizeof body, "a zebra%s%s%s", i == 7 ? " met an okapi" : "",
                 i >= CAP_ARTICLES - SEARCH_CANDIDATES ? " gnu" : "",
                 i >= CAP_ARTICLES - SEARCH_CANDIDATES - 1 ? " hippo" : "");
        json_array_append_new(articles,
                              json_pack("{s:s, s:s, s:s, s:s, s:s}", "slug", slug, "title", slug,
                                        "source", "Savanna Wire", "published_at", "2012-03-04",
                                        "body", body));
    }
    json_t *doc = json_pack("{s:o}", "articles", articles);
    char *text = json_dumps(doc, 0);
    ts = test_server_start_with(text);
    free(text);
    json_decref(doc);
}

TestSuite(search_cap, .init = start_crowded, .fini = stop, .timeout = 60);

static json_t *basis_of(const char *target)
{
    struct http_result res = http_get(ts, target);
    cr_assert_eq(res.status, 200, "%s: %ld", target, res.status);
    json_t *basis = json_incref(json_object_get(res.json, "basis"));
    cr_assert_not_null(basis, "%s: no basis", target);
    http_result_free(&res);
    return basis;
}

Test(search_cap, a_word_in_more_articles_than_the_cap_ranks_the_newest_and_says_so)
{
    json_t *basis = basis_of("/v1/search?q=zebra&type=article");
    cr_assert_eq(json_integer_value(json_object_get(basis, "recent_matches")), SEARCH_CANDIDATES);
    cr_assert(json_is_false(json_object_get(basis, "complete")));
    json_decref(basis);

    /* Every page of the walk holds ranked candidates only, each once: the
     * newest SEARCH_CANDIDATES articles, none of the five oldest. */
    json_t *ids = http_walk(ts, "/v1/search?q=zebra&type=article&limit=100");
    cr_assert_eq(json_array_size(ids), SEARCH_CANDIDATES);
    json_int_t oldest = -1;
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id) {
        for (size_t j = 0; j < i; j++)
            cr_assert_neq(json_integer_value(json_array_get(ids, j)), json_integer_value(id),
                          "a hit came back twice");
        if (oldest < 0 || json_integer_value(id) < oldest)
            oldest = json_integer_value(id);
    }
    json_decref(ids);
    struct http_result first = http_get(ts, "/v1/articles/zebra-0005");
    struct http_result dropped = http_get(ts, "/v1/articles/zebra-0004");
    cr_assert_eq(json_integer_value(json_object_get(first.json, "id")), oldest);
    cr_assert_lt(json_integer_value(json_object_get(dropped.json, "id")), oldest);
    http_result_free(&first);
    http_result_free(&dropped);
}

/* At the cap exactly, every match is ranked and the answer is complete;
 * one more, and the oldest is left out and the answer says so. */
Test(search_cap, the_cap_is_exact)
{
    json_t *basis = basis_of("/v1/search?q=gnu&type=article");
    cr_assert(json_is_true(json_object_get(basis, "complete")));
    json_decref(basis);
    json_t *ids = http_walk(ts, "/v1/search?q=gnu&type=article&limit=100");
    cr_assert_eq(json_array_size(ids), SEARCH_CANDIDATES);
    json_decref(ids);

    basis = basis_of("/v1/search?q=hippo&type=article");
    cr_assert(json_is_false(json_object_get(basis, "complete")));
    json_decref(basis);
    ids = http_walk(ts, "/v1/search?q=hippo&type=article&limit=100");
    cr_assert_eq(json_array_size(ids), SEARCH_CANDIDATES);
    struct http_result oldest = http_get(ts, "/v1/articles/zebra-0004");
    json_int_t left_out = json_integer_value(json_object_get(oldest.json, "id"));
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id) cr_assert_neq(json_integer_value(id), left_out);
    http_result_free(&oldest);
    json_decref(ids);
}

/* The cap holds when the ranked list kept for a word is brought up to
 * date after a write (db/candidates.h): a new match at the cap pushes the
 * oldest out, and the answer then says it is no longer complete. */
Test(search_cap, a_new_match_at_the_cap_pushes_the_oldest_out)
{
    json_t *basis = basis_of("/v1/search?q=gnu&type=article");
    cr_assert(json_is_true(json_object_get(basis, "complete")));
    json_decref(basis);
    char slug[128];
    post_article("Another gnu", "A gnu crossed the river.", slug, sizeof slug);

    basis = basis_of("/v1/search?q=gnu&type=article");
    cr_assert(json_is_false(json_object_get(basis, "complete")));
    json_decref(basis);
    json_t *ids = http_walk(ts, "/v1/search?q=gnu&type=article&limit=100");
    cr_assert_eq(json_array_size(ids), SEARCH_CANDIDATES);
    char added_path[200];
    snprintf(added_path, sizeof added_path, "/v1/articles/%s", slug);
    struct http_result added = http_get(ts, added_path);
    struct http_result oldest = http_get(ts, "/v1/articles/zebra-0005");
    bool has_added = false;
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id) {
        has_added |= json_integer_value(id) == json_integer_value(json_object_get(added.json, "id"));
        cr_assert_neq(json_integer_value(id), json_integer_value(json_object_get(oldest.json, "id")),
                      "the oldest gnu is still ranked");
    }
    cr_assert(has_added, "the new gnu is not ranked");
    http_result_free(&added);
    http_result_free(&oldest);
    json_decref(ids);
}

Test(search_cap, a_precise_query_is_ranked_whole)
{
    json_t *basis = basis_of("/v1/search?q=zebra+okapi");
    cr_assert(json_is_true(json_object_get(basis, "complete")));
    json_decref(basis);
    struct http_result res = http_get(ts, "/v1/search?q=zebra+okapi");
    cr_assert_eq(json_array_size(json_object_get(res.json, "data")), 1);
    cr_assert_str_eq(str(json_array_get(json_object_get(res.json, "data"), 0), "slug"),
                     "zebra-0007");
    http_result_free(&res);

    /* The sample's own words stay complete beside the crowd. */
    basis = basis_of("/v1/search?q=memorandum");
    cr_assert(json_is_true(json_object_get(basis, "complete")));
    json_decref(basis);
}

/* The row lengths a connection keeps are bounded: ranking rows all over a
 * big store keeps the blocks made last, and forgets the oldest. */
Test(doc_sizes, the_kept_lengths_stay_under_a_mebibyte_and_the_newest_blocks_stay)
{
    struct doc_sizes *sizes = doc_sizes_new();
    cr_assert_not_null(sizes);
    cr_assert(doc_sizes_rewritten_at(sizes, 1));
    const int64_t blocks = 1000, rows_per_block = 4096;
    for (int64_t b = 0; b < blocks; b++)
        doc_sizes_put(sizes, b * rows_per_block + 7, (int)(b % 500));
    cr_assert_leq(doc_sizes_bytes(sizes), (size_t)(1024 * 1024 + 16 * 1024),
                  "%zu bytes kept", doc_sizes_bytes(sizes));
    int tokens = -1;
    for (int64_t b = blocks - 128; b < blocks; b++) {
        cr_assert(doc_sizes_get(sizes, b * rows_per_block + 7, &tokens), "block %lld", (long long)b);
        cr_assert_eq(tokens, (int)(b % 500));
    }
    cr_assert_not(doc_sizes_get(sizes, 7, &tokens), "the oldest block is forgotten");
    cr_assert_not(doc_sizes_get(sizes, (blocks - 129) * rows_per_block + 7, &tokens));

    /* A forgotten block is made again when its rows are ranked again. */
    doc_sizes_put(sizes, 8, 42);
    cr_assert(doc_sizes_get(sizes, 8, &tokens));
    cr_assert_eq(tokens, 42);
    cr_assert_not(doc_sizes_get(sizes, (blocks - 128) * rows_per_block + 7, &tokens),
                  "it took the place of the oldest");

    /* A rewrite of the index forgets them all. */
    cr_assert(doc_sizes_rewritten_at(sizes, 2));
    cr_assert_not(doc_sizes_get(sizes, 8, &tokens));
    cr_assert_lt(doc_sizes_bytes(sizes), (size_t)4096);
    doc_sizes_free(sizes);
}
