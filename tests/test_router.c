/* Unit tests of the pure parts of the server: route matching
 * (server/router.h), pagination cursors (server/cursor.h) and settings
 * (server/config.h). No server, no database. */

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/config.h"
#include "server/cursor.h"
#include "server/router.h"
#include "server/routes.h"

/* ---- router ------------------------------------------------------------ */

TestSuite(router, .timeout = 10);

/* A handler is never called by router_match; the table only needs one that
 * is distinct per route so a match can be told apart. */
static int handler_a(const struct request *req, struct reply *rep)
{
    (void)req;
    (void)rep;
    return 200;
}

static int handler_b(const struct request *req, struct reply *rep)
{
    (void)req;
    (void)rep;
    return 201;
}

static const struct route local_routes[] = {
    {"GET", "/things", handler_a, 0},
    {"POST", "/things", handler_b, 0},
    {"DELETE", "/things/{id}", handler_b, 0},
    {"GET", "/things/{id}", handler_a, 0},
    {"PUT", "/things/{id}", handler_b, 0},
    {"POST", "/jobs", handler_b, 0},
    {"GET", "/things/{id}/parts/{id}", handler_a, 0},
};
static const size_t local_count = sizeof local_routes / sizeof local_routes[0];

static enum route_result match_real(const char *method, const char *path, struct route_match *m)
{
    return router_match(routes, route_count, method, path, m);
}

Test(router, the_article_list_matches_get)
{
    struct route_match m;
    cr_assert_eq(match_real("GET", "/v1/articles", &m), ROUTE_FOUND);
    cr_assert_not_null(m.route);
    cr_assert_str_eq(m.route->pattern, "/v1/articles");
    cr_assert_str_eq(m.route->method, "GET");
    cr_assert_null(m.id, "a pattern without {id} has no id");
    cr_assert_eq(m.id_len, 0);
}

Test(router, every_real_route_matches_its_own_pattern)
{
    for (size_t i = 0; i < route_count; i++) {
        char path[128];
        const char *brace = strstr(routes[i].pattern, "{id}");
        if (brace != NULL)
            snprintf(path, sizeof path, "%.*s7%s", (int)(brace - routes[i].pattern),
                     routes[i].pattern, brace + 4);
        else
            snprintf(path, sizeof path, "%s", routes[i].pattern);
        struct route_match m;
        cr_expect_eq(match_real(routes[i].method, path, &m), ROUTE_FOUND, "%s %s", routes[i].method,
                     path);
        cr_expect_eq(m.route, &routes[i], "%s matched another route", path);
    }
}

Test(router, an_article_id_points_into_the_path)
{
    const char *path = "/v1/articles/42";
    struct route_match m;
    cr_assert_eq(match_real("GET", path, &m), ROUTE_FOUND);
    cr_assert_str_eq(m.route->pattern, "/v1/articles/{id}");
    cr_assert_eq(m.id, path + strlen("/v1/articles/"), "id must point into the path");
    cr_assert_eq(m.id_len, 2);
    cr_assert_eq(strncmp(m.id, "42", m.id_len), 0);
}

Test(router, a_slug_is_an_id_too)
{
    const char *path = "/v1/entities/robert-gates";
    struct route_match m;
    cr_assert_eq(match_real("GET", path, &m), ROUTE_FOUND);
    cr_assert_str_eq(m.route->pattern, "/v1/entities/{id}");
    cr_assert_eq(m.id_len, strlen("robert-gates"));
    cr_assert_eq(strncmp(m.id, "robert-gates", m.id_len), 0);
}

Test(router, head_is_served_by_the_get_route)
{
    struct route_match m;
    cr_assert_eq(match_real("HEAD", "/v1/articles/7", &m), ROUTE_FOUND);
    cr_assert_str_eq(m.route->method, "GET");
    cr_assert_str_eq(m.route->pattern, "/v1/articles/{id}");
    cr_assert_eq(m.id_len, 1);
    cr_assert_eq(match_real("HEAD", "/healthz", &m), ROUTE_FOUND);
}

Test(router, an_unrouted_method_is_a_bad_method_listing_the_allowed_ones)
{
    struct route_match m;
    cr_assert_eq(match_real("PUT", "/v1/articles", &m), ROUTE_BAD_METHOD);
    cr_assert_null(m.route);
    cr_assert_str_eq(m.allow, "GET, HEAD, POST");
    cr_assert_eq(match_real("POST", "/v1/articles/42", &m), ROUTE_BAD_METHOD);
    cr_assert_str_eq(m.allow, "GET, HEAD, PATCH, DELETE");
    cr_assert_eq(match_real("DELETE", "/healthz", &m), ROUTE_BAD_METHOD);
    cr_assert_str_eq(m.allow, "GET, HEAD");
}

Test(router, methods_are_case_sensitive)
{
    struct route_match m;
    cr_assert_eq(match_real("get", "/v1/articles", &m), ROUTE_BAD_METHOD);
}

Test(router, unknown_paths_are_not_found)
{
    static const char *const paths[] = {
        "/",
        "",
        "/v1",
        "/v1/",
        "/v2/articles",
        "/v1/article",
        "/v1/articlesx",
        "/V1/articles",
        "v1/articles",
        "/v1/nothing/42",
        "//v1/articles",
        "/healthz/x",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct route_match m;
        cr_expect_eq(match_real("GET", paths[i], &m), ROUTE_NOT_FOUND, "\"%s\"", paths[i]);
        cr_expect_null(m.route, "\"%s\"", paths[i]);
        cr_expect_str_empty(m.allow, "\"%s\": nothing to allow on an unknown path", paths[i]);
    }
}

Test(router, a_trailing_slash_is_not_found)
{
    struct route_match m;
    cr_assert_eq(match_real("GET", "/v1/articles/", &m), ROUTE_NOT_FOUND,
                 "\"/v1/articles/\" is neither the list nor an empty {id}");
    cr_assert_eq(match_real("GET", "/v1/articles/42/", &m), ROUTE_NOT_FOUND);
    cr_assert_eq(match_real("GET", "/healthz/", &m), ROUTE_NOT_FOUND);
}

Test(router, an_empty_id_segment_is_not_found)
{
    struct route_match m;
    cr_assert_eq(match_real("GET", "/v1/articles//", &m), ROUTE_NOT_FOUND);
    cr_assert_eq(match_real("GET", "/v1/articles//42", &m), ROUTE_NOT_FOUND);
    cr_assert_eq(router_match(local_routes, local_count, "GET", "/things//parts/1", &m),
                 ROUTE_NOT_FOUND);
}

Test(router, extra_segments_are_not_found)
{
    struct route_match m;
    cr_assert_eq(match_real("GET", "/v1/articles/42/quotes", &m), ROUTE_NOT_FOUND);
    cr_assert_eq(match_real("GET", "/v1/articles/42/x/y", &m), ROUTE_NOT_FOUND);
    cr_assert_eq(match_real("POST", "/v1/articles/42/quotes", &m), ROUTE_NOT_FOUND,
                 "an unknown path is 404 whatever the method");
}

Test(router, an_encoded_slash_stays_inside_the_id_segment)
{
    const char *path = "/v1/articles/a%2Fb";
    struct route_match m;
    cr_assert_eq(match_real("GET", path, &m), ROUTE_FOUND);
    cr_assert_str_eq(m.route->pattern, "/v1/articles/{id}");
    cr_assert_eq(m.id_len, strlen("a%2Fb"), "the id is still percent-encoded");
    cr_assert_eq(strncmp(m.id, "a%2Fb", m.id_len), 0);
}

Test(router, a_local_table_finds_each_method_of_a_path)
{
    struct route_match m;
    cr_assert_eq(router_match(local_routes, local_count, "GET", "/things", &m), ROUTE_FOUND);
    cr_assert_eq(m.route, &local_routes[0]);
    cr_assert_eq(router_match(local_routes, local_count, "POST", "/things", &m), ROUTE_FOUND);
    cr_assert_eq(m.route, &local_routes[1]);
    cr_assert_eq(router_match(local_routes, local_count, "PUT", "/things/x1", &m), ROUTE_FOUND);
    cr_assert_eq(m.route, &local_routes[4]);
    cr_assert_eq(m.id_len, 2);
    cr_assert_eq(router_match(local_routes, local_count, "DELETE", "/things/x1", &m), ROUTE_FOUND);
    cr_assert_eq(m.route, &local_routes[2]);
}

Test(router, allow_lists_every_method_of_the_path_once_in_table_order)
{
    struct route_match m;
    cr_assert_eq(router_match(local_routes, local_count, "PATCH", "/things", &m), ROUTE_BAD_METHOD);
    cr_assert_str_eq(m.allow, "GET, HEAD, POST");
    cr_assert_eq(router_match(local_routes, local_count, "PATCH", "/things/1", &m),
                 ROUTE_BAD_METHOD);
    cr_assert_str_eq(m.allow, "DELETE, GET, HEAD, PUT");
}

Test(router, head_on_a_path_without_get_is_a_bad_method)
{
    struct route_match m;
    cr_assert_eq(router_match(local_routes, local_count, "HEAD", "/jobs", &m), ROUTE_BAD_METHOD);
    cr_assert_str_eq(m.allow, "POST", "HEAD is only offered where GET is");
    cr_assert_eq(router_match(local_routes, local_count, "GET", "/jobs", &m), ROUTE_BAD_METHOD);
}

Test(router, the_last_id_of_a_pattern_with_two_ids_is_reported)
{
    const char *path = "/things/abc/parts/9";
    struct route_match m;
    cr_assert_eq(router_match(local_routes, local_count, "GET", path, &m), ROUTE_FOUND);
    cr_assert_eq(m.route, &local_routes[6]);
    cr_assert_eq(m.id, path + strlen("/things/abc/parts/"));
    cr_assert_eq(m.id_len, 1);
}

Test(router, an_empty_table_finds_nothing)
{
    struct route_match m;
    cr_assert_eq(router_match(local_routes, 0, "GET", "/things", &m), ROUTE_NOT_FOUND);
}

/* ---- cursor ------------------------------------------------------------ */

TestSuite(cursor, .timeout = 10);

/* base64url without padding, to build cursors the server never would. */
static void b64url(const char *plain, char *out, size_t outlen)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *in = (const unsigned char *)plain;
    size_t len = strlen(plain), n = 0;
    cr_assert_geq(outlen, (len * 4 + 2) / 3 + 1);
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[n++] = alphabet[(v >> 18) & 63];
        out[n++] = alphabet[(v >> 12) & 63];
        if (i + 1 < len)
            out[n++] = alphabet[(v >> 6) & 63];
        if (i + 2 < len)
            out[n++] = alphabet[v & 63];
    }
    out[n] = '\0';
}

static struct keyset keyset_of(int64_t id, const char *key)
{
    struct keyset at = {.set = true, .id = id};
    snprintf(at.key, sizeof at.key, "%s", key);
    return at;
}

/* Encodes then decodes and checks that the position came back unchanged. */
static void assert_round_trip(const char *tag, int64_t id, const char *key)
{
    struct keyset at = keyset_of(id, key), back;
    char text[CURSOR_MAX];
    memset(&back, 0, sizeof back);
    cr_assert(cursor_encode(tag, &at, text, sizeof text), "encode %s/%s", tag, key);
    cr_assert(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                  strlen(text),
              "cursor \"%s\" must be base64url without padding", text);
    cr_assert(cursor_decode(text, tag, &back), "decode of \"%s\" (%s/%s)", text, tag, key);
    cr_assert(back.set);
    cr_assert_eq(back.id, id);
    cr_assert_str_eq(back.key, key);
}

Test(cursor, a_cursor_round_trips_its_id_and_key)
{
    assert_round_trip("articles", 42, "2010-09-15");
    assert_round_trip("articles", 1, "2010-09-15T12:30:00Z");
    assert_round_trip("entities-by-mentions", 9, "0");
    assert_round_trip("agreements", INT64_MAX, "");
}

Test(cursor, keys_with_bars_round_trip)
{
    assert_round_trip("entities", 3, "a|b");
    assert_round_trip("entities", 3, "|");
    assert_round_trip("entities", 3, "||7|");
}

Test(cursor, utf8_keys_round_trip)
{
    assert_round_trip("entities", 12, "zo\xC3\xAB \xE2\x82\xAC \xF0\x9F\x98\x80");
}

Test(cursor, every_key_length_round_trips_and_the_longest_key_fits)
{
    char key[KEYSET_KEY_MAX];
    for (size_t len = 0; len < sizeof key; len += len < 8 ? 1 : 37) {
        memset(key, 'k', len);
        key[len] = '\0';
        assert_round_trip("entities", 5, key);
    }
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    assert_round_trip("entities-by-mentions", INT64_MAX, key);
}

Test(cursor, encode_fails_when_the_output_does_not_fit)
{
    struct keyset at = keyset_of(1, "2010-01-01");
    char text[8];
    cr_assert_not(cursor_encode("articles", &at, text, sizeof text));
}

Test(cursor, another_lists_cursor_is_refused)
{
    struct keyset at = keyset_of(5, "x"), back;
    char text[CURSOR_MAX];
    cr_assert(cursor_encode("entities", &at, text, sizeof text));
    cr_assert_not(cursor_decode(text, "articles", &back));
    cr_assert_not(cursor_decode(text, "entities-by-mentions", &back),
                  "one sort order's cursor must not serve another");
    cr_assert(cursor_encode("entities-by-mentions", &at, text, sizeof text));
    cr_assert_not(cursor_decode(text, "entities", &back), "a tag that merely starts alike");
}

Test(cursor, garbage_is_refused)
{
    static const char *const texts[] = {
        "",      "!!!!", "not a cursor", "abc$", "QUJD\n", " QUJD",
        "QUJD ", "A",    "YXJ0aWNsZXM", /* "articles" alone: no id */
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct keyset back;
        cr_expect_not(cursor_decode(texts[i], "articles", &back), "\"%s\"", texts[i]);
    }
}

Test(cursor, padding_is_refused)
{
    struct keyset at = keyset_of(5, "2010-01-01"), back;
    char text[CURSOR_MAX];
    /* Lengths that need one and two padding characters in plain base64. */
    for (int pad = 1; pad <= 2; pad++) {
        at.id = pad == 1 ? 5 : 55;
        for (int tries = 0; tries < 3; tries++) {
            snprintf(at.key, sizeof at.key, "2010-01-0%d", tries + 1);
            cr_assert(cursor_encode("articles", &at, text, sizeof text));
            if (strlen(text) % 4 == 0)
                continue;
            cr_assert(cursor_decode(text, "articles", &back));
            strcat(text, strlen(text) % 4 == 2 ? "==" : "=");
            cr_expect_not(cursor_decode(text, "articles", &back), "\"%s\"", text);
        }
    }
}

Test(cursor, plain_base64_characters_are_refused)
{
    /* "articles|1|a?b?c?" has '_' in base64url, which plain base64 spells
     * '/'; "~~~" gives '-', spelled '+'. Only the url-safe spelling is ours. */
    static const char *const plains[] = {"articles|1|a?b?c?", "articles|1|~~~"};
    for (size_t i = 0; i < sizeof plains / sizeof plains[0]; i++) {
        char text[CURSOR_MAX];
        struct keyset back;
        b64url(plains[i], text, sizeof text);
        cr_assert(cursor_decode(text, "articles", &back), "\"%s\" as base64url", text);
        cr_assert(strpbrk(text, "-_") != NULL, "%s", text);
        for (char *p = text; *p != '\0'; p++) {
            if (*p == '-')
                *p = '+';
            else if (*p == '_')
                *p = '/';
        }
        cr_expect_not(cursor_decode(text, "articles", &back), "\"%s\"", text);
    }
}

Test(cursor, stray_bits_in_the_last_character_are_refused)
{
    char text[CURSOR_MAX];
    struct keyset back;
    struct keyset at = keyset_of(1, "2010-01-0");
    /* "articles|1|2010-01-0" is 20 bytes: the last group carries 2 bytes in
     * three characters, whose last two bits must be zero. */
    cr_assert(cursor_encode("articles", &at, text, sizeof text));
    size_t len = strlen(text);
    cr_assert_eq(len % 4, 3);
    cr_assert(cursor_decode(text, "articles", &back));
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    text[len - 1] = alphabet[(strchr(alphabet, text[len - 1]) - alphabet) | 1];
    cr_assert_not(cursor_decode(text, "articles", &back), "a second spelling of one cursor");
}

Test(cursor, ids_that_are_not_positive_numbers_are_refused)
{
    static const char *const plains[] = {
        "articles|0|2010-01-01",           "articles|-5|2010-01-01",
        "articles|abc|2010-01-01",         "articles||2010-01-01",
        "articles|1.5|2010-01-01",         "articles| 7|2010-01-01",
        "articles|99999999999999999999|x",
    };
    for (size_t i = 0; i < sizeof plains / sizeof plains[0]; i++) {
        char text[CURSOR_MAX];
        struct keyset back;
        b64url(plains[i], text, sizeof text);
        cr_expect_not(cursor_decode(text, "articles", &back), "%s", plains[i]);
    }
}

Test(cursor, a_hand_made_cursor_of_the_right_shape_is_accepted)
{
    char text[CURSOR_MAX];
    struct keyset back;
    b64url("articles|17|2010-01-01", text, sizeof text);
    cr_assert(cursor_decode(text, "articles", &back));
    cr_assert_eq(back.id, 17);
    cr_assert_str_eq(back.key, "2010-01-01");
}

Test(cursor, control_characters_and_invalid_utf8_inside_are_refused)
{
    static const char *const plains[] = {"articles|1|a\x01", "articles|1|\xff", "articles|1|\xC3"};
    for (size_t i = 0; i < sizeof plains / sizeof plains[0]; i++) {
        char text[CURSOR_MAX];
        struct keyset back;
        b64url(plains[i], text, sizeof text);
        cr_expect_not(cursor_decode(text, "articles", &back), "plain %zu", i);
    }
}

Test(cursor, over_long_text_is_refused)
{
    char *text = malloc(CURSOR_MAX + 2);
    struct keyset back;
    cr_assert_not_null(text);
    memset(text, 'A', CURSOR_MAX + 1);
    text[CURSOR_MAX + 1] = '\0';
    cr_expect_not(cursor_decode(text, "articles", &back));
    free(text);
}

Test(cursor, a_well_formed_cursor_with_a_key_too_long_for_a_keyset_is_refused)
{
    /* Fits CURSOR_MAX as text but decodes past what a keyset key holds. */
    char plain[700], text[CURSOR_MAX];
    struct keyset back;
    int n = snprintf(plain, sizeof plain, "articles|1|");
    memset(plain + n, 'k', sizeof plain - (size_t)n - 1);
    plain[sizeof plain - 1] = '\0';
    b64url(plain, text, sizeof text);
    cr_assert_leq(strlen(text), CURSOR_MAX);
    cr_expect_not(cursor_decode(text, "articles", &back));
}

/* ---- config ------------------------------------------------------------ */

/* The environment is process-wide; Criterion forks per test, but clear the
 * variables these tests set anyway so a run with --no-fork stays sane. */
static void clear_env(void)
{
    unsetenv("WIREBASE_THREADS");
    unsetenv("WIREBASE_DB");
    unsetenv("WIREBASE_READ_ONLY");
    unsetenv("WIREBASE_LISTEN");
}

TestSuite(config, .init = clear_env, .fini = clear_env, .timeout = 10);

static void assert_listen(const char *text, const char *host, unsigned short port)
{
    char got_host[256] = "unchanged";
    unsigned short got_port = 1234;
    cr_assert(config_parse_listen(text, got_host, sizeof got_host, &got_port), "\"%s\"", text);
    cr_assert_str_eq(got_host, host, "\"%s\"", text);
    cr_assert_eq(got_port, port, "\"%s\"", text);
}

Test(config, listen_accepts_ipv4_and_port)
{
    assert_listen("127.0.0.1:8080", "127.0.0.1", 8080);
    assert_listen("0.0.0.0:65535", "0.0.0.0", 65535);
}

Test(config, listen_accepts_bracketed_ipv6_and_port_zero)
{
    assert_listen("[::1]:0", "::1", 0);
    assert_listen("[fe80::1:2]:443", "fe80::1:2", 443);
}

Test(config, listen_without_host_means_loopback)
{
    assert_listen(":9000", "127.0.0.1", 9000);
}

Test(config, listen_rejects_what_is_not_numeric_addr_and_port)
{
    static const char *const texts[] = {
        "localhost:80",
        "1.2.3.4",
        "1.2.3.4:70000",
        "[::1]8080",
        "1.2.3.4:",
        "[::1]:",
        "[::1",
        "[]:80",
        "1.2.3.4:-1",
        "1.2.3.4:80x",
        "1.2.3:80",
        "",
        ":",
        "[::1]:99999",
        "1.2.3.4:65536",
        "999.1.1.1:80",
        /* IPv6 only in brackets: "2001:db8::1:80" is an address by itself. */
        "::1:80",
        "2001:db8::1:80",
        "[1.2.3.4]:80",
        /* The port is digits only. */
        "1.2.3.4: 80",
        "1.2.3.4:+80",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char host[256] = "unchanged";
        unsigned short port = 1234;
        cr_expect_not(config_parse_listen(texts[i], host, sizeof host, &port), "\"%s\"", texts[i]);
        cr_expect_str_eq(host, "unchanged", "\"%s\": host written on failure", texts[i]);
        cr_expect_eq(port, 1234, "\"%s\": port written on failure", texts[i]);
    }
}

Test(config, listen_refuses_a_host_longer_than_the_buffer)
{
    char host[4];
    unsigned short port;
    cr_assert_not(config_parse_listen("127.0.0.1:80", host, sizeof host, &port));
}

Test(config, the_defaults_are_the_documented_ones)
{
    struct config cfg;
    config_defaults(&cfg);
    cr_assert_str_eq(cfg.db_path, "wirebase.db");
    cr_assert_str_eq(cfg.listen_host, "127.0.0.1");
    cr_assert_eq(cfg.port, 8080);
    cr_assert_eq(cfg.threads, 2);
    cr_assert_eq(cfg.max_body, 1024 * 1024);
    cr_assert_eq(cfg.max_request_head, 8192);
    cr_assert_not(cfg.read_only);
}

/* Runs config_load on "wirebase serve ARGS..." with defaults first. */
static enum config_result load(struct config *cfg, char *err, size_t errlen, int argc, char **argv)
{
    config_defaults(cfg);
    err[0] = '\0';
    return config_load(cfg, argc, argv, 2, err, errlen);
}

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

Test(config, max_request_head_is_kept_between_1_and_64_kib)
{
    char *ok[] = {"wirebase", "serve", "--max-request-head", "16384"};
    char *small[] = {"wirebase", "serve", "--max-request-head", "1023"};
    char *large[] = {"wirebase", "serve", "--max-request-head", "65537"};
    struct config cfg;
    char err[256];
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(ok), ok), CONFIG_OK, "%s", err);
    cr_assert_eq(cfg.max_request_head, 16384);
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(small), small), CONFIG_INVALID);
    cr_assert(strstr(err, "--max-request-head") != NULL, "%s", err);
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(large), large), CONFIG_INVALID);
}

Test(config, flags_set_db_listen_threads_and_read_only)
{
    char *argv[] = {"wirebase",    "serve",     "--db", "x",          "--listen",
                    "127.0.0.1:1", "--threads", "4",    "--read-only"};
    struct config cfg;
    char err[256];
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_OK, "%s", err);
    cr_assert_str_eq(cfg.db_path, "x");
    cr_assert_str_eq(cfg.listen_host, "127.0.0.1");
    cr_assert_eq(cfg.port, 1);
    cr_assert_eq(cfg.threads, 4);
    cr_assert(cfg.read_only);
}

Test(config, a_flag_may_carry_its_value_after_equals)
{
    char *argv[] = {"wirebase", "serve", "--threads=3", "--listen=[::1]:0"};
    struct config cfg;
    char err[256];
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_OK, "%s", err);
    cr_assert_eq(cfg.threads, 3);
    cr_assert_str_eq(cfg.listen_host, "::1");
    cr_assert_eq(cfg.port, 0);
}

Test(config, arguments_before_first_are_ignored)
{
    char *argv[] = {"wirebase", "--bogus", "--threads", "9"};
    struct config cfg;
    char err[256];
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_OK, "%s", err);
    cr_assert_eq(cfg.threads, 9);
}

Test(config, an_unknown_option_is_invalid_and_named)
{
    char *argv[] = {"wirebase", "serve", "--thread", "4"};
    struct config cfg;
    char err[256];
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_INVALID);
    cr_assert_not_null(strstr(err, "--thread"), "err: %s", err);
}

Test(config, zero_threads_is_invalid)
{
    char *argv[] = {"wirebase", "serve", "--threads", "0"};
    struct config cfg;
    char err[256];
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_INVALID);
    cr_assert_not_null(strstr(err, "--threads"), "err: %s", err);
}

Test(config, out_of_range_and_non_numeric_values_are_invalid)
{
    static const char *const bad[][2] = {
        {"--threads", "65"}, {"--threads", "-1"},
        {"--threads", "4x"}, {"--threads", ""},
        {"--max-body", "0"}, {"--listen", "localhost:80"},
        {"--db", ""},        {"--busy-timeout", "99999999999999999999"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"wirebase", "serve", (char *)bad[i][0], (char *)bad[i][1]};
        struct config cfg;
        char err[256];
        cr_expect_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_INVALID, "%s \"%s\"",
                     bad[i][0], bad[i][1]);
        cr_expect_not_null(strstr(err, bad[i][0]), "err \"%s\" names the flag", err);
    }
}

Test(config, a_flag_missing_its_value_is_invalid)
{
    char *argv[] = {"wirebase", "serve", "--db"};
    struct config cfg;
    char err[256];
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_INVALID);
    cr_assert_not_null(strstr(err, "--db"), "err: %s", err);
}

Test(config, a_switch_given_a_value_is_invalid)
{
    char *argv[] = {"wirebase", "serve", "--read-only=1"};
    struct config cfg;
    char err[256];
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_INVALID);
    cr_assert_not_null(strstr(err, "--read-only"), "err: %s", err);
}

Test(config, help_is_help_wherever_it_appears)
{
    char *argv[] = {"wirebase", "serve", "--threads", "4", "--help"};
    struct config cfg;
    char err[256];
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_HELP);
    char *argv2[] = {"wirebase", "serve", "-h"};
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv2), argv2), CONFIG_HELP);
    char *argv3[] = {"wirebase", "serve", "--version"};
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv3), argv3), CONFIG_VERSION);
    cr_assert_not_null(strstr(config_usage(), "--threads"));
}

Test(config, the_environment_sets_values)
{
    char *argv[] = {"wirebase", "serve"};
    struct config cfg;
    char err[256];
    cr_assert_eq(setenv("WIREBASE_THREADS", "5", 1), 0);
    cr_assert_eq(setenv("WIREBASE_READ_ONLY", "1", 1), 0);
    cr_assert_eq(setenv("WIREBASE_LISTEN", "[::1]:7000", 1), 0);
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_OK, "%s", err);
    cr_assert_eq(cfg.threads, 5);
    cr_assert(cfg.read_only);
    cr_assert_str_eq(cfg.listen_host, "::1");
    cr_assert_eq(cfg.port, 7000);
}

Test(config, flags_override_the_environment)
{
    char *argv[] = {"wirebase", "serve", "--threads", "7", "--db", "flag.db"};
    struct config cfg;
    char err[256];
    cr_assert_eq(setenv("WIREBASE_THREADS", "5", 1), 0);
    cr_assert_eq(setenv("WIREBASE_DB", "env.db", 1), 0);
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_OK, "%s", err);
    cr_assert_eq(cfg.threads, 7);
    cr_assert_str_eq(cfg.db_path, "flag.db");
}

Test(config, a_bad_environment_value_is_invalid_and_names_the_variable)
{
    char *argv[] = {"wirebase", "serve"};
    struct config cfg;
    char err[256];
    cr_assert_eq(setenv("WIREBASE_THREADS", "many", 1), 0);
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_INVALID);
    cr_assert_not_null(strstr(err, "WIREBASE_THREADS"), "err: %s", err);
}

Test(config, a_boolean_variable_takes_only_yes_or_no_words)
{
    char *argv[] = {"wirebase", "serve"};
    struct config cfg;
    char err[256];
    cr_assert_eq(setenv("WIREBASE_READ_ONLY", "0", 1), 0);
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_OK, "%s", err);
    cr_assert_not(cfg.read_only);
    cr_assert_eq(setenv("WIREBASE_READ_ONLY", "maybe", 1), 0);
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_INVALID);
    cr_assert_not_null(strstr(err, "WIREBASE_READ_ONLY"), "err: %s", err);
}

Test(config, the_last_flag_wins)
{
    char *argv[] = {"wirebase", "serve", "--threads", "3", "--threads", "6"};
    struct config cfg;
    char err[256];
    cr_assert_eq(load(&cfg, err, sizeof err, ARGC(argv), argv), CONFIG_OK, "%s", err);
    cr_assert_eq(cfg.threads, 6);
}

/* ---- header values written by hand (ETag, Last-Modified) ---------------- */

#include <time.h>

#include "db/text.h"
#include "handlers/params.h"

TestSuite(header_values, .timeout = 10);

/* Every day from 1899 to 2101, at a time of day that moves with it, against
 * the C library's own formatting of the same instant. */
Test(header_values, http_dates_match_the_c_library_for_two_centuries)
{
    struct tm start = {.tm_year = 1899 - 1900, .tm_mon = 0, .tm_mday = 1};
    time_t first = timegm(&start);
    for (long day = 0; day < 203L * 366; day++) {
        time_t at = first + day * 86400 + (day * 3671) % 86400;
        struct tm tm;
        gmtime_r(&at, &tm);
        char stamp[32], want[64], got[30];
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cr_assert(text_http_date(stamp, got), "%s", stamp);
        cr_assert_str_eq(got, want, "%s", stamp);
    }
}

Test(header_values, anything_but_a_real_utc_timestamp_gives_no_date)
{
    const char *bad[] = {"2010-02-05", "2010-02-30T00:00:00Z", "2010-02-05T24:00:00Z",
                         "2010-02-05T10:00:00", "2010-02-05 10:00:00Z", "", "yesterday",
                         "2010-02-05T10:00:00Z trailing"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char got[30] = "unchanged";
        cr_assert_not(text_http_date(bad[i], got), "\"%s\"", bad[i]);
        cr_assert_str_eq(got, "", "\"%s\"", bad[i]);
    }
}

Test(header_values, etags_are_the_version_and_a_hash_of_the_target)
{
    const long long versions[] = {0, 7, 10, 1234567890123LL, INT64_MAX};
    const char *targets[] = {"/v1/articles/1", "/v1/search?q=treaty", ""};
    for (size_t v = 0; v < sizeof versions / sizeof versions[0]; v++) {
        for (size_t t = 0; t < 3; t++) {
            uint64_t h = 1469598103934665603ULL;
            for (const char *p = targets[t]; *p != '\0'; p++)
                h = (h ^ (unsigned char)*p) * 1099511628211ULL;
            for (int gzip = 0; gzip < 2; gzip++) {
                char want[64], got[64];
                snprintf(want, sizeof want, "\"s%lld-%016llx%s\"", versions[v],
                         (unsigned long long)h, gzip ? "-gz" : "");
                etag_format(got, sizeof got, versions[v], targets[t], gzip);
                cr_assert_str_eq(got, want);
            }
        }
    }
    /* A buffer too small holds what fits, always ended. */
    char small[8], whole[64];
    etag_format(small, sizeof small, 42, "/v1/articles/1", false);
    etag_format(whole, sizeof whole, 42, "/v1/articles/1", false);
    cr_assert_eq(strlen(small), 7);
    cr_assert_eq(strncmp(small, whole, 7), 0, "%s against %s", small, whole);
}

Test(header_values, text_copy_cuts_and_says_so)
{
    char out[6];
    cr_assert(text_copy(out, sizeof out, "hello"));
    cr_assert_str_eq(out, "hello");
    cr_assert_not(text_copy(out, sizeof out, "hello!"));
    cr_assert_str_eq(out, "hello");
    cr_assert(text_copy(out, 1, ""));
    cr_assert_str_eq(out, "");
}
