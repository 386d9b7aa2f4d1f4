/* The browser dashboard as HTTP sees it: the page and its files from
 * memory with their types, validators, gzip copies and security policy,
 * the module graph complete, and --no-dashboard turning it all off. The
 * page's behaviour is tested in a real browser (tests/browser). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "handlers/dashboard_assets.h"
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

TestSuite(dashboard, .init = start, .fini = stop, .timeout = 30);

/* A header's value copied out, since http_header's buffer is reused. */
static void header_copy(struct http_result *res, const char *name, char *out, size_t len)
{
    const char *value = http_header(res, name);
    cr_assert_not_null(value, "no %s header", name);
    snprintf(out, len, "%s", value);
}

static const struct dashboard_asset *asset_named(const char *name)
{
    for (size_t i = 0; i < dashboard_asset_count; i++)
        if (strcmp(dashboard_assets[i].name, name) == 0)
            return &dashboard_assets[i];
    return NULL;
}

Test(dashboard, the_root_is_the_page_with_a_same_origin_policy)
{
    struct http_result res = http_get(ts, "/");
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(http_header(&res, "Content-Type"), "text/html; charset=utf-8");
    const char *csp = http_header(&res, "Content-Security-Policy");
    cr_assert_not_null(csp);
    cr_assert_not_null(strstr(csp, "default-src 'self'"), "%s", csp);
    cr_assert_null(strstr(csp, "unsafe"), "no unsafe-inline or unsafe-eval: %s", csp);
    cr_assert_null(strstr(csp, "http"), "no other origin: %s", csp);
    cr_assert_str_eq(http_header(&res, "Cache-Control"), "no-cache");
    cr_assert_str_eq(http_header(&res, "X-Content-Type-Options"), "nosniff");
    cr_assert_not_null(strstr(res.body, "<script type=\"module\" src=\"/ui/app.js\">"));
    const struct dashboard_asset *page = asset_named("index.html");
    cr_assert_not_null(page);
    cr_assert_eq(res.body_len, page->len);
    http_result_free(&res);
}

Test(dashboard, every_file_is_served_whole_with_its_type_and_tag)
{
    cr_assert_gt(dashboard_asset_count, 5);
    for (size_t i = 0; i < dashboard_asset_count; i++) {
        const struct dashboard_asset *a = &dashboard_assets[i];
        char path[128];
        snprintf(path, sizeof path, "/ui/%s", a->name);
        struct http_result res = http_get(ts, path);
        cr_assert_eq(res.status, 200, "%s: %ld", path, res.status);
        cr_assert_eq(res.body_len, a->len, "%s", path);
        cr_assert(memcmp(res.body, a->data, a->len) == 0, "%s: the embedded bytes", path);
        cr_assert_str_eq(http_header(&res, "Content-Type"), a->content_type, "%s", path);
        cr_assert_str_eq(http_header(&res, "ETag"), a->etag, "%s", path);
        http_result_free(&res);
    }
    const struct dashboard_asset *js = asset_named("app.js");
    cr_assert_not_null(js);
    cr_assert_str_eq(js->content_type, "text/javascript; charset=utf-8");
    cr_assert_str_eq(asset_named("style.css")->content_type, "text/css; charset=utf-8");
    cr_assert_str_eq(asset_named("icon.svg")->content_type, "image/svg+xml");
}

Test(dashboard, an_unchanged_file_revalidates_to_304)
{
    char etag[80], held[120];
    struct http_result first = http_get(ts, "/ui/app.js");
    header_copy(&first, "ETag", etag, sizeof etag);
    cr_assert(etag[0] == '"', "a strong tag: %s", etag);
    snprintf(held, sizeof held, "If-None-Match: \"other\", %s", etag);
    struct http_result again = http_request(ts, "GET", "/ui/app.js", NULL, 0,
                                            (const char *const[]){held, NULL});
    cr_assert_eq(again.status, 304);
    cr_assert_eq(again.body_len, 0);
    cr_assert_str_eq(http_header(&again, "ETag"), etag);
    struct http_result other = http_request(ts, "GET", "/ui/app.js", NULL, 0,
                                            (const char *const[]){"If-None-Match: \"old\"", NULL});
    cr_assert_eq(other.status, 200);
    http_result_free(&first);
    http_result_free(&again);
    http_result_free(&other);
}

Test(dashboard, gzip_clients_get_the_compressed_copy_under_its_own_tag)
{
    const struct dashboard_asset *a = asset_named("app.js");
    struct http_result res = http_request(ts, "GET", "/ui/app.js", NULL, 0,
                                          (const char *const[]){"Accept-Encoding: gzip", NULL});
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(http_header(&res, "Content-Encoding"), "gzip");
    cr_assert_str_eq(http_header(&res, "Vary"), "Accept-Encoding, Origin");
    cr_assert_str_eq(http_header(&res, "ETag"), a->gzip_etag);
    cr_assert_str_neq(a->gzip_etag, a->etag);
    cr_assert_lt(res.body_len, a->len);

    char *plain = malloc(a->len + 1);
    z_stream z = {0};
    cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)res.body;
    z.avail_in = (uInt)res.body_len;
    z.next_out = (Bytef *)plain;
    z.avail_out = (uInt)a->len + 1;
    int rc = inflate(&z, Z_FINISH);
    size_t n = z.total_out;
    inflateEnd(&z);
    cr_assert_eq(rc, Z_STREAM_END);
    cr_assert_eq(n, a->len);
    cr_assert(memcmp(plain, a->data, n) == 0, "decodes to the file");
    free(plain);
    http_result_free(&res);
}

Test(dashboard, unknown_files_are_404_problems)
{
    const char *const paths[] = {"/ui/nope.js", "/ui/", "/ui/app.js/x", "/ui/%2e%2e%2fserver.c",
                                 "/index.html", "/ui"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct http_result res = http_get(ts, paths[i]);
        cr_assert_eq(res.status, 404, "%s: %ld", paths[i], res.status);
        cr_assert_str_eq(http_header(&res, "Content-Type"), "application/problem+json", "%s",
                         paths[i]);
        http_result_free(&res);
    }
}

Test(dashboard, the_page_is_read_only_and_head_works)
{
    struct http_result post = http_send(ts, "POST", "/", "application/json", "{}", 2, NULL);
    cr_assert_eq(post.status, 405);
    cr_assert_str_eq(http_header(&post, "Allow"), "GET, HEAD");
    struct http_result head = http_request(ts, "HEAD", "/ui/style.css", NULL, 0, NULL);
    cr_assert_eq(head.status, 200);
    cr_assert_eq(head.body_len, 0);
    cr_assert_str_eq(http_header(&head, "Content-Type"), "text/css; charset=utf-8");
    http_result_free(&post);
    http_result_free(&head);
}

/* Each "./name.js" a module imports, and each "/ui/name" the page loads,
 * must be embedded: a file left out of meson.build fails here, not in a
 * browser. */
static void assert_references_exist(const struct dashboard_asset *a, const char *prefix,
                                    char end)
{
    const char *text = (const char *)a->data;
    size_t plen = strlen(prefix);
    for (const char *p = strstr(text, prefix); p != NULL; p = strstr(p + 1, prefix)) {
        const char *name = p + plen;
        const char *stop = strchr(name, end);
        cr_assert_not_null(stop);
        char wanted[64];
        snprintf(wanted, sizeof wanted, "%.*s", (int)(stop - name), name);
        cr_assert_not_null(asset_named(wanted), "%s refers to %s, which is not embedded",
                           a->name, wanted);
    }
}

Test(dashboard, every_module_and_file_the_page_refers_to_is_embedded)
{
    assert_references_exist(asset_named("index.html"), "\"/ui/", '"');
    for (size_t i = 0; i < dashboard_asset_count; i++) {
        const struct dashboard_asset *a = &dashboard_assets[i];
        if (strstr(a->name, ".js") == NULL)
            continue;
        assert_references_exist(a, "from './", '\'');
        assert_references_exist(a, "import('./", '\'');
    }
}

static void no_dashboard(struct config *cfg)
{
    cfg->no_dashboard = true;
}

Test(dashboard, no_dashboard_leaves_only_the_api)
{
    test_server_stop(ts);
    ts = test_server_start_config(no_dashboard, true);
    const char *const gone[] = {"/", "/ui/app.js"};
    for (size_t i = 0; i < 2; i++) {
        struct http_result res = http_get(ts, gone[i]);
        cr_assert_eq(res.status, 404, "%s", gone[i]);
        cr_assert_str_eq(http_header(&res, "Content-Type"), "application/problem+json");
        http_result_free(&res);
    }
    struct http_result post = http_send(ts, "POST", "/", "application/json", "{}", 2, NULL);
    cr_assert_eq(post.status, 404, "not 405: the path is unknown");
    struct http_result api = http_get(ts, "/v1/stats");
    cr_assert_eq(api.status, 200);
    http_result_free(&post);
    http_result_free(&api);
}

static void auth_all(struct config *cfg)
{
    cfg->auth_all = true;
}

Test(dashboard, the_page_loads_without_a_key_under_auth_all)
{
    test_server_stop(ts);
    ts = test_server_start_config(auth_all, true);
    struct http_result page = http_get(ts, "/");
    cr_assert_eq(page.status, 200);
    struct http_result api = http_get(ts, "/v1/stats");
    cr_assert_eq(api.status, 401, "the data stays behind the key");
    http_result_free(&page);
    http_result_free(&api);
}

/* The flag and its variable, read the same way as every other setting. */
Test(dashboard, it_is_on_by_default_and_the_flag_turns_it_off)
{
    struct config cfg;
    char err[256];
    char *argv[] = {"--no-dashboard", NULL};

    unsetenv("WIREBASE_NO_DASHBOARD");
    config_defaults(&cfg);
    cr_assert_not(cfg.no_dashboard);
    cr_assert_eq(config_load(&cfg, 1, argv, 0, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert(cfg.no_dashboard);
}

Test(dashboard, the_variable_turns_it_off_and_is_checked)
{
    struct config cfg;
    char err[256];

    config_defaults(&cfg);
    cr_assert_eq(setenv("WIREBASE_NO_DASHBOARD", "1", 1), 0);
    cr_assert_eq(config_load(&cfg, 0, NULL, 0, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert(cfg.no_dashboard);

    config_defaults(&cfg);
    cr_assert_eq(setenv("WIREBASE_NO_DASHBOARD", "maybe", 1), 0);
    cr_assert_eq(config_load(&cfg, 0, NULL, 0, err, sizeof err), CONFIG_INVALID);
    cr_assert_not_null(strstr(err, "WIREBASE_NO_DASHBOARD"), "%s", err);
    unsetenv("WIREBASE_NO_DASHBOARD");
}
