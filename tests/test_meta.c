/* Health, version, and the HTTP behaviour every endpoint shares: routing
 * errors, HEAD, headers, body limits, concurrency and the access log. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/schema.h"
#include "server/log.h"
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

TestSuite(meta, .init = start, .fini = stop, .timeout = 30);

Test(meta, healthz_readyz_and_version_answer)
{
    struct http_result res = http_get(ts, "/healthz");
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(res.json, "status")), "ok");
    http_result_free(&res);

    res = http_get(ts, "/readyz");
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(res.json, "status")), "ready");
    http_result_free(&res);

    res = http_get(ts, "/version");
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(res.json, "version")), WIREBASE_VERSION);
    cr_assert_eq(json_integer_value(json_object_get(res.json, "schema")), schema_latest_version());
    http_result_free(&res);
}

Test(meta, an_unknown_path_is_404_problem_json)
{
    /* "/" is the dashboard's page (test_dashboard.c), "/ui" is not. */
    const char *paths[] = {"/ui", "/v1", "/v1/", "/v1/articles/", "/v1/people", "/v2/articles",
                           "/v1/articles/1/extra", "/healthz/x"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct http_result res = http_get(ts, paths[i]);
        http_assert_problem(&res, 404, NULL);
        http_result_free(&res);
    }
}

Test(meta, a_wrong_method_is_405_with_allow)
{
    struct {
        const char *method, *path, *allow;
    } cases[] = {
        {"PUT", "/v1/articles/1", "GET, HEAD, PATCH, DELETE"},
        {"POST", "/v1/articles/1", "GET, HEAD, PATCH, DELETE"},
        {"DELETE", "/v1/articles", "GET, HEAD, POST"},
        {"POST", "/healthz", "GET, HEAD"},
        {"GET", "/v1/entities/robert-gates/merge", "POST"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_result res = http_request(ts, cases[i].method, cases[i].path, "{}", 2,
                                              (const char *const[]){"Content-Type: application/json", NULL});
        http_assert_problem(&res, 405, NULL);
        cr_assert_str_eq(http_header(&res, "Allow"), cases[i].allow, "%s %s", cases[i].method,
                         cases[i].path);
        http_result_free(&res);
    }
}

Test(meta, head_answers_like_get_without_a_body)
{
    struct http_result get = http_get(ts, "/v1/entities/robert-gates");
    struct http_result head = http_request(ts, "HEAD", "/v1/entities/robert-gates", NULL, 0, NULL);
    cr_assert_eq(head.status, 200);
    cr_assert_eq(head.body_len, 0);
    cr_assert_str_eq(http_header(&head, "Content-Type"), "application/json");
    char length[32];
    snprintf(length, sizeof length, "%zu", get.body_len);
    cr_assert_str_eq(http_header(&head, "Content-Length"), length);
    http_result_free(&get);
    http_result_free(&head);
}

Test(meta, every_response_says_nosniff)
{
    const char *paths[] = {"/v1/articles", "/nope", "/v1/articles?limit=0"};
    for (size_t i = 0; i < 3; i++) {
        struct http_result res = http_get(ts, paths[i]);
        cr_assert_str_eq(http_header(&res, "X-Content-Type-Options"), "nosniff");
        http_result_free(&res);
    }
}

Test(meta, a_body_over_the_limit_is_413_before_it_is_read)
{
    size_t size = ts->cfg.max_body + 2;
    char *big = malloc(size);
    memset(big, 'x', size);
    big[size - 1] = '\0';
    struct http_result res = http_write(ts, "POST", "/v1/articles", big, NULL);
    http_assert_problem(&res, 413, NULL);
    http_result_free(&res);
    free(big);
}

/* An X-Pad header that brings the request's target and header lines to
 * about `head` bytes (add_header_size's count in server/server.c). */
static char *padding_header(size_t head)
{
    size_t pad = head - 200;
    char *line = malloc(pad + 8);
    memcpy(line, "X-Pad: ", 7);
    memset(line + 7, 'p', pad);
    line[7 + pad] = '\0';
    return line;
}

static struct http_result get_with_head(struct test_server *server, const char *path,
                                        size_t head)
{
    char *line = padding_header(head);
    const char *headers[] = {line, NULL};
    struct http_result res = http_request(server, "GET", path, NULL, 0, headers);
    free(line);
    return res;
}

Test(meta, a_request_head_past_the_limit_is_a_problem_not_a_dropped_connection)
{
    size_t limit = (size_t)ts->cfg.max_request_head;
    struct http_result res = get_with_head(ts, "/v1/articles/1", limit - 300);
    cr_assert_eq(res.status, 200, "a head just under the limit: %ld", res.status);
    http_result_free(&res);
    /* Past the limit, and far enough past it that a connection's memory
     * sized to the limit alone would have no room left to answer. */
    size_t over[] = {limit + 300, limit + 2500};
    for (size_t i = 0; i < 2; i++) {
        res = get_with_head(ts, "/v1/articles/1", over[i]);
        http_assert_problem(&res, 431, NULL);
        cr_assert(strstr(json_string_value(json_object_get(res.json, "detail")), "8192") != NULL);
        http_result_free(&res);
    }
    char *target = malloc(limit + 64);
    int n = snprintf(target, limit + 64, "/v1/articles?q=");
    memset(target + n, 'q', limit + 10 - (size_t)n);
    target[limit + 10] = '\0';
    res = http_get(ts, target);
    http_assert_problem(&res, 414, NULL);
    http_result_free(&res);
    free(target);
}

static void big_heads(struct config *cfg)
{
    cfg->max_request_head = 40960;
}

/* The connection's memory follows --max-request-head: a head five times
 * the default, past libmicrohttpd's own default memory, is read and
 * answered. */
Test(meta, a_larger_max_request_head_takes_larger_heads)
{
    struct test_server *wide = test_server_start_config(big_heads, true);
    struct http_result res = get_with_head(wide, "/v1/articles/1", 40000);
    cr_assert_eq(res.status, 200, "%ld", res.status);
    http_result_free(&res);
    res = get_with_head(wide, "/v1/articles/1", 42000);
    http_assert_problem(&res, 431, NULL);
    http_result_free(&res);
    test_server_stop(wide);
}

Test(meta, bad_percent_encoding_in_the_path_is_400)
{
    struct http_result res = http_get(ts, "/v1/entities/robert%2");
    http_assert_problem(&res, 400, "id");
    http_result_free(&res);
    res = http_get(ts, "/v1/entities/%C0%AF");
    http_assert_problem(&res, 400, "id");
    http_result_free(&res);
    /* An encoded slash stays inside the id and names no entity. */
    res = http_get(ts, "/v1/entities/robert%2Fgates");
    http_assert_problem(&res, 400, "id");
    http_result_free(&res);
}

Test(meta, a_percent_encoded_slug_is_decoded)
{
    struct http_result res = http_get(ts, "/v1/entities/robert%2Dgates");
    cr_assert_eq(res.status, 200);
    http_result_free(&res);
}

struct hammer {
    const struct test_server *ts;
    int failures;
};

static void *hammer_run(void *arg)
{
    struct hammer *h = arg;
    const char *paths[] = {"/v1/articles", "/v1/entities/robert-gates", "/v1/agreements?status=signed",
                           "/v1/quotes?speaker=olga-oliker", "/v1/articles/1"};
    for (int i = 0; i < 40; i++) {
        struct http_result res = http_get(h->ts, paths[i % 5]);
        if (res.status != 200 || res.json == NULL)
            h->failures++;
        http_result_free(&res);
    }
    return NULL;
}

Test(meta, concurrent_clients_all_get_answers)
{
    pthread_t threads[6];
    struct hammer work[6];
    for (int i = 0; i < 6; i++) {
        work[i] = (struct hammer){ts, 0};
        pthread_create(&threads[i], NULL, hammer_run, &work[i]);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(threads[i], NULL);
        cr_assert_eq(work[i].failures, 0);
    }
}

Test(meta, each_request_writes_one_json_access_line)
{
    char path[] = "/tmp/wirebase-access-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *log = fdopen(fd, "w+");
    setvbuf(log, NULL, _IOLBF, 0);
    log_set_access_stream(log);

    struct http_result res = http_get(ts, "/v1/entities/robert-gates?x=%22quoted%22");
    cr_assert_eq(res.status, 400);
    http_result_free(&res);

    /* The line is written when libmicrohttpd reports the request complete,
     * just after the client has its answer. */
    json_t *line = NULL;
    for (int tries = 0; tries < 100 && line == NULL; tries++) {
        char text[2048] = "";
        rewind(log);
        if (fgets(text, sizeof text, log) != NULL)
            line = json_loads(text, 0, NULL);
        if (line == NULL)
            usleep(10000);
    }
    log_set_access_stream(NULL);
    cr_assert_not_null(line, "an access line was written");
    cr_assert_str_eq(json_string_value(json_object_get(line, "method")), "GET");
    cr_assert_str_eq(json_string_value(json_object_get(line, "route")), "/v1/entities/{id}");
    cr_assert_str_eq(json_string_value(json_object_get(line, "path")),
                     "/v1/entities/robert-gates?x=%22quoted%22");
    cr_assert_eq(json_integer_value(json_object_get(line, "status")), 400);
    cr_assert_gt(json_integer_value(json_object_get(line, "bytes")), 0);
    cr_assert(json_is_integer(json_object_get(line, "duration_us")));
    json_decref(line);
    fclose(log);
    unlink(path);
}
