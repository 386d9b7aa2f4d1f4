/* Operations: /metrics (parsed line by line as Prometheus reads it),
 * request ids, the embedded OpenAPI document, and the settings behind
 * them (--print-config, log level and format, the metrics token). */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/config.h"
#include "server/request_id.h"
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

TestSuite(ops, .init = start, .fini = stop, .timeout = 30);

/* ---- a Prometheus text-format parser, strict enough to catch what the
 * real one refuses ---- */

/* One family's declared type, by name. */
static const char *declared_type(json_t *types, const char *family)
{
    return json_string_value(json_object_get(types, family));
}

/* The family a sample belongs to: histograms report as name_bucket,
 * name_sum and name_count. */
static void family_of(json_t *types, const char *name, char *out, size_t len)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    snprintf(out, len, "%s", name);
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(name), s = strlen(suffixes[i]);
        if (n > s && strcmp(name + n - s, suffixes[i]) == 0) {
            char base[256];
            snprintf(base, sizeof base, "%.*s", (int)(n - s), name);
            const char *type = declared_type(types, base);
            if (type != NULL && strcmp(type, "histogram") == 0)
                snprintf(out, len, "%s", base);
        }
    }
}

/* Parses `{k="v",...}` at *p into a canonical "k=v,..." string; false on a
 * syntax error. */
static bool parse_labels(const char **p, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    if (**p != '{')
        return true;
    (*p)++;
    while (**p != '}') {
        const char *key = *p;
        if (!isalpha((unsigned char)*key) && *key != '_')
            return false;
        while (isalnum((unsigned char)**p) || **p == '_')
            (*p)++;
        size_t key_len = (size_t)(*p - key);
        if (**p != '=' || (*p)[1] != '"')
            return false;
        *p += 2;
        used += (size_t)snprintf(out + used, len - used, "%s%.*s=", used ? "," : "",
                                 (int)key_len, key);
        while (**p != '"') {
            if (**p == '\0' || **p == '\n')
                return false;
            if (**p == '\\') {
                (*p)++;
                if (**p != '\\' && **p != '"' && **p != 'n')
                    return false;
            }
            if (used + 1 < len)
                out[used++] = **p;
            (*p)++;
        }
        out[used] = '\0';
        (*p)++;
        if (**p == ',')
            (*p)++;
        else if (**p != '}')
            return false;
    }
    (*p)++;
    return true;
}

/* Parses a whole exposition into {"name{labels}": value}. NULL, with the
 * reason in err, on any line Prometheus would refuse, a sample without a
 * TYPE before it, a repeated series or a family declared twice. */
#define REFUSE_IF(cond, ...)                                                                   \
    do {                                                                                       \
        if (cond) {                                                                            \
            snprintf(err, errlen, __VA_ARGS__);                                                \
            goto refused;                                                                      \
        }                                                                                      \
    } while (0)

static json_t *parse_exposition_or_why(const char *text, char *err, size_t errlen)
{
    json_t *series = json_object(), *types = json_object();
    char *copy = strdup(text);
    char *save = NULL;
    int line_no = 0;

    REFUSE_IF(text[0] == '\0' || text[strlen(text) - 1] != '\n', "no final newline");
    for (char *line = strtok_r(copy, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        if (strncmp(line, "# HELP ", 7) == 0)
            continue;
        if (strncmp(line, "# TYPE ", 7) == 0) {
            char name[256], type[32];
            REFUSE_IF(sscanf(line + 7, "%255s %31s", name, type) != 2, "line %d", line_no);
            REFUSE_IF(strcmp(type, "counter") != 0 && strcmp(type, "gauge") != 0 &&
                          strcmp(type, "histogram") != 0,
                      "line %d: type %s", line_no, type);
            REFUSE_IF(json_object_get(types, name) != NULL, "%s declared twice", name);
            json_object_set_new(types, name, json_string(type));
            continue;
        }
        REFUSE_IF(line[0] == '#', "line %d: an unknown comment", line_no);
        const char *p = line;
        char name[256], labels[1024], family[256], key[1400];
        size_t n = 0;
        REFUSE_IF(!isalpha((unsigned char)*p) && *p != '_', "line %d: %.200s", line_no, line);
        while ((isalnum((unsigned char)*p) || *p == '_' || *p == ':') && n + 1 < sizeof name)
            name[n++] = *p++;
        name[n] = '\0';
        REFUSE_IF(!parse_labels(&p, labels, sizeof labels), "line %d: labels: %.200s", line_no, line);
        REFUSE_IF(*p != ' ', "line %d: %.200s", line_no, line);
        char *end = NULL;
        double value = strtod(p + 1, &end);
        REFUSE_IF(end == p + 1 || *end != '\0', "line %d: value: %.200s", line_no, line);
        family_of(types, name, family, sizeof family);
        REFUSE_IF(declared_type(types, family) == NULL, "line %d: %s has no TYPE", line_no,
                  family);
        snprintf(key, sizeof key, "%s{%s}", name, labels);
        REFUSE_IF(json_object_get(series, key) != NULL, "series %.200s repeated", key);
        json_object_set_new(series, key, json_real(value));
    }
    free(copy);
    json_decref(types);
    return series;
refused:
    free(copy);
    json_decref(types);
    json_decref(series);
    return NULL;
}

static json_t *parse_exposition(const char *text)
{
    char err[512];
    json_t *series = parse_exposition_or_why(text, err, sizeof err);
    cr_assert_not_null(series, "the metrics do not parse: %s", err);
    return series;
}

static double sample(json_t *series, const char *key)
{
    json_t *v = json_object_get(series, key);
    return v != NULL ? json_real_value(v) : -1;
}

static json_t *scrape(void)
{
    struct http_result res = http_get(ts, "/metrics");
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(http_header(&res, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    json_t *series = parse_exposition(res.body);
    http_result_free(&res);
    return series;
}

/* Counters move when libmicrohttpd reports a request complete, just after
 * its client has the answer: scrape until `key` reaches `at_least`. */
static json_t *scrape_until(const char *key, double at_least)
{
    for (int tries = 0; tries < 200; tries++) {
        json_t *series = scrape();
        if (sample(series, key) >= at_least)
            return series;
        json_decref(series);
        usleep(10000);
    }
    cr_assert_fail("%s never reached %g", key, at_least);
    return NULL;
}

Test(ops, metrics_count_requests_by_route_template_method_and_status)
{
    const char *paths[] = {"/v1/articles/1", "/v1/articles/robert-gates-nope", "/v1/articles/1",
                           "/no/such/path"};
    for (size_t i = 0; i < 4; i++) {
        struct http_result res = http_get(ts, paths[i]);
        http_result_free(&res);
    }
    struct http_result res = http_request(ts, "HEAD", "/v1/articles/1", NULL, 0, NULL);
    http_result_free(&res);

    /* Each counter is waited for: completions may come in any order. */
    static const char *const expected[][2] = {
        {"wirebase_http_requests_total{route=unmatched,method=GET,status=404}", "1"},
        {"wirebase_http_requests_total{route=/v1/articles/{id},method=GET,status=200}", "2"},
        {"wirebase_http_requests_total{route=/v1/articles/{id},method=GET,status=404}", "1"},
        {"wirebase_http_requests_total{route=/v1/articles/{id},method=HEAD,status=200}", "1"},
    };
    json_t *s = NULL;
    for (size_t i = 0; i < 4; i++) {
        json_decref(s);
        s = scrape_until(expected[i][0], atof(expected[i][1]));
    }
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(sample(s, expected[i][0]), atof(expected[i][1]), "%s", expected[i][0]);
    /* Raw paths never become series: one per typo would have no end. */
    const char *key;
    json_t *value;
    json_object_foreach(s, key, value)
        cr_assert(strstr(key, "/no/such/path") == NULL, "%s", key);
    json_decref(s);
}

Test(ops, a_wrong_method_and_a_preflight_count_under_the_paths_route)
{
    struct http_result res = http_request(ts, "PUT", "/v1/articles", NULL, 0, NULL);
    cr_assert_eq(res.status, 405);
    http_result_free(&res);
    res = http_request(ts, "OPTIONS", "/v1/articles", NULL, 0, NULL);
    cr_assert_eq(res.status, 204);
    http_result_free(&res);
    json_t *s = scrape_until(
        "wirebase_http_requests_total{route=/v1/articles,method=OPTIONS,status=204}", 1);
    json_decref(s);
    s = scrape_until("wirebase_http_requests_total{route=/v1/articles,method=PUT,status=405}", 1);
    json_decref(s);
}

Test(ops, latency_histograms_are_cumulative_and_end_at_the_count)
{
    for (int i = 0; i < 3; i++) {
        struct http_result res = http_get(ts, "/v1/entities?limit=5");
        http_result_free(&res);
    }
    json_t *s = scrape_until(
        "wirebase_http_request_duration_seconds_count{route=/v1/entities}", 3);
    double previous = 0;
    const char *key;
    json_t *value;
    int buckets = 0;
    /* Keys come back in insertion order: the order of the exposition. */
    json_object_foreach(s, key, value) {
        static const char prefix[] =
            "wirebase_http_request_duration_seconds_bucket{route=/v1/entities,";
        if (strncmp(key, prefix, sizeof prefix - 1) != 0)
            continue;
        cr_assert_geq(json_real_value(value), previous, "%s goes down", key);
        previous = json_real_value(value);
        buckets++;
    }
    cr_assert_gt(buckets, 5);
    cr_assert_eq(sample(s, "wirebase_http_request_duration_seconds_bucket{route=/v1/entities,"
                           "le=+Inf}"),
                 3);
    cr_assert_gt(sample(s, "wirebase_http_request_duration_seconds_sum{route=/v1/entities}"), 0);
    json_decref(s);
}

Test(ops, gauges_report_in_flight_connections_database_and_build)
{
    json_t *s = scrape();
    /* The scrape itself is in flight, on an open connection. */
    cr_assert_geq(sample(s, "wirebase_http_requests_in_flight{}"), 1);
    cr_assert_geq(sample(s, "wirebase_http_connections_open{}"), 1);
    cr_assert_gt(sample(s, "wirebase_db_size_bytes{}"), 0);
    cr_assert_geq(sample(s, "wirebase_db_wal_size_bytes{}"), 0);
    cr_assert_gt(sample(s, "wirebase_start_time_seconds{}"), 1.5e9);
    int build_lines = 0;
    const char *key;
    json_t *value;
    json_object_foreach(s, key, value) {
        if (strncmp(key, "wirebase_build_info{version=" WIREBASE_VERSION ",", 29 + strlen(WIREBASE_VERSION)) == 0) {
            cr_assert_eq(json_real_value(value), 1);
            build_lines++;
        }
    }
    cr_assert_eq(build_lines, 1);
    json_decref(s);
}

Test(ops, each_write_transaction_is_timed)
{
    json_t *s = scrape();
    double before = sample(s, "wirebase_db_write_transaction_duration_seconds_count{}");
    json_decref(s);
    struct http_result res = http_write(ts, "POST", "/v1/entities",
                                        "{\"name\": \"Ops Person\", \"type\": \"person\"}", NULL);
    cr_assert_eq(res.status, 201);
    http_result_free(&res);
    s = scrape();
    cr_assert_eq(sample(s, "wirebase_db_write_transaction_duration_seconds_count{}"), before + 1);
    cr_assert_eq(sample(s, "wirebase_db_write_transaction_duration_seconds_bucket{le=+Inf}"),
                 before + 1);
    json_decref(s);
}

Test(ops, metrics_refuse_parameters)
{
    struct http_result res = http_get(ts, "/metrics?format=json");
    http_assert_problem(&res, 400, "format");
    http_result_free(&res);
}

Test(ops, the_parser_refuses_what_prometheus_refuses, .init = NULL, .fini = NULL)
{
    /* The parser is only a check if it can fail. */
    static const char *const bad[] = {
        "a 1\n",                                          /* no TYPE */
        "# TYPE a counter\na 1",                          /* no final newline */
        "# TYPE a counter\na{x=\"1} 1\n",                 /* an open quote */
        "# TYPE a counter\na{x=1} 1\n",                   /* an unquoted value */
        "# TYPE a counter\na one\n",                      /* not a number */
        "# TYPE a counter\na 1\na 2\n",                   /* a repeated series */
        "# TYPE a counter\n# TYPE a gauge\na 1\n",        /* declared twice */
        "# TYPE a summary-ish\na 1\n",                    /* an unknown type */
        "# TYPE a counter\na{x=\"\\q\"} 1\n",            /* a bad escape */
    };
    char err[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_null(parse_exposition_or_why(bad[i], err, sizeof err), "accepted: %s", bad[i]);
    json_t *good = parse_exposition_or_why(
        "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.5\nh_count 2\n", err,
        sizeof err);
    cr_assert_not_null(good, "%s", err);
    cr_assert_eq(sample(good, "h_count{}"), 2);
    json_decref(good);
}

/* ---- request ids ---- */

static bool is_hex16(const char *id)
{
    if (id == NULL || strlen(id) != 16)
        return false;
    for (const char *p = id; *p; p++)
        if (!isxdigit((unsigned char)*p))
            return false;
    return true;
}

Test(ops, a_request_without_an_id_gets_a_fresh_one_on_every_answer)
{
    const char *paths[] = {"/v1/articles/1", "/nowhere", "/v1/articles?limit=0"};
    char seen[3][32];
    for (size_t i = 0; i < 3; i++) {
        struct http_result res = http_get(ts, paths[i]);
        const char *id = http_header(&res, "X-Request-Id");
        cr_assert(is_hex16(id), "%s: %s", paths[i], id ? id : "(none)");
        snprintf(seen[i], sizeof seen[i], "%s", id);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(seen[i], seen[j]);
        http_result_free(&res);
    }
}

Test(ops, a_clients_request_id_is_echoed)
{
    const char *headers[] = {"X-Request-Id: proxy-7f3a 42/b", NULL};
    struct http_result res = http_request(ts, "GET", "/v1/entities/robert-gates", NULL, 0, headers);
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(http_header(&res, "X-Request-Id"), "proxy-7f3a 42/b");
    http_result_free(&res);
}

Test(ops, a_bad_request_id_is_400_naming_the_header)
{
    char too_long[300] = "X-Request-Id: ";
    memset(too_long + strlen(too_long), 'a', REQUEST_ID_MAX + 1);
    const char *long_headers[] = {too_long, NULL};
    const char *bad_headers[] = {"X-Request-Id: caf\xc3\xa9", NULL};
    const char *const *cases[] = {long_headers, bad_headers};
    for (size_t i = 0; i < 2; i++) {
        struct http_result res = http_request(ts, "GET", "/healthz", NULL, 0, cases[i]);
        http_assert_problem(&res, 400, "X-Request-Id");
        /* Still traceable: the refusal carries an id of ours. */
        cr_assert(is_hex16(http_header(&res, "X-Request-Id")));
        http_result_free(&res);
    }
}

Test(ops, request_id_rules, .init = NULL, .fini = NULL)
{
    char id[REQUEST_ID_MAX + 2];
    memset(id, 'x', REQUEST_ID_MAX);
    id[REQUEST_ID_MAX] = '\0';
    cr_assert(request_id_is_valid(id));
    cr_assert(request_id_is_valid("a b~!"));
    id[REQUEST_ID_MAX] = 'x';
    id[REQUEST_ID_MAX + 1] = '\0';
    cr_assert_not(request_id_is_valid(id));
    cr_assert_not(request_id_is_valid(""));
    cr_assert_not(request_id_is_valid("tab\there"));
    cr_assert_not(request_id_is_valid("del\x7f"));
}

Test(ops, the_access_line_carries_the_request_id)
{
    char path[] = "/tmp/wirebase-ops-access-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *log = fdopen(fd, "w+");
    setvbuf(log, NULL, _IOLBF, 0);
    log_set_access_stream(log);

    const char *headers[] = {"X-Request-Id: trace-me-1", NULL};
    struct http_result res = http_request(ts, "GET", "/v1/quotes", NULL, 0, headers);
    http_result_free(&res);

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
    cr_assert_not_null(line);
    cr_assert_str_eq(json_string_value(json_object_get(line, "request_id")), "trace-me-1");
    cr_assert_str_eq(json_string_value(json_object_get(line, "route")), "/v1/quotes");
    json_decref(line);
    fclose(log);
    unlink(path);
}

/* ---- the OpenAPI document ---- */

Test(ops, the_openapi_document_is_served_as_json)
{
    struct http_result res = http_get(ts, "/openapi.json");
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(http_header(&res, "Content-Type"), "application/json");
    cr_assert_not_null(res.json);
    cr_assert_eq(strncmp(json_string_value(json_object_get(res.json, "openapi")), "3.1.", 4), 0);
    cr_assert(json_is_object(json_object_get(json_object_get(res.json, "paths"), "/metrics")));
    http_result_free(&res);
}

/* ---- the metrics token ---- */

static void with_token(struct config *cfg)
{
    snprintf(cfg->metrics_token, sizeof cfg->metrics_token, "s3cret-token");
}

Test(ops, with_a_token_metrics_need_it, .init = NULL, .fini = NULL)
{
    struct test_server *own = test_server_start_config(with_token, true);
    struct http_result res = http_request(own, "GET", "/metrics", NULL, 0, NULL);
    http_assert_problem(&res, 401, NULL);
    cr_assert_not_null(http_header(&res, "WWW-Authenticate"));
    http_result_free(&res);

    const char *wrong[] = {"Authorization: Bearer s3cret-tokem", NULL};
    res = http_request(own, "GET", "/metrics", NULL, 0, wrong);
    cr_assert_eq(res.status, 401);
    http_result_free(&res);

    const char *longer[] = {"Authorization: Bearer s3cret-token2", NULL};
    res = http_request(own, "GET", "/metrics", NULL, 0, longer);
    cr_assert_eq(res.status, 401);
    http_result_free(&res);

    const char *right[] = {"Authorization: Bearer s3cret-token", NULL};
    res = http_request(own, "GET", "/metrics", NULL, 0, right);
    cr_assert_eq(res.status, 200);
    http_result_free(&res);

    /* The token guards /metrics only. */
    res = http_get(own, "/v1/articles");
    cr_assert_eq(res.status, 200);
    http_result_free(&res);
    test_server_stop(own);
}

/* ---- settings ---- */

static enum config_result load_args(struct config *cfg, int argc, char **argv, char *err,
                                    size_t errlen)
{
    config_defaults(cfg);
    return config_load(cfg, argc, argv, 0, err, errlen);
}

Test(ops, log_settings_take_their_words_only, .init = NULL, .fini = NULL)
{
    struct config cfg;
    char err[256];
    char *good[] = {"--log-level", "error", "--log-format=text"};
    cr_assert_eq(load_args(&cfg, 3, good, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_eq(cfg.log_level, LOG_ERROR);
    cr_assert_eq(cfg.log_format, LOG_TEXT);

    config_defaults(&cfg);
    cr_assert_eq(cfg.log_level, LOG_INFO);
    cr_assert_eq(cfg.log_format, LOG_JSON);

    char *bad_level[] = {"--log-level", "verbose"};
    cr_assert_eq(load_args(&cfg, 2, bad_level, err, sizeof err), CONFIG_INVALID);
    cr_assert(strstr(err, "--log-level") != NULL, "%s", err);
    char *bad_format[] = {"--log-format", "xml"};
    cr_assert_eq(load_args(&cfg, 2, bad_format, err, sizeof err), CONFIG_INVALID);
    cr_assert(strstr(err, "--log-format") != NULL, "%s", err);
}

Test(ops, a_bad_metrics_token_is_refused_without_echoing_it, .init = NULL, .fini = NULL)
{
    struct config cfg;
    char err[256];
    char *bad[] = {"--metrics-token", "has space\x01"};
    cr_assert_eq(load_args(&cfg, 2, bad, err, sizeof err), CONFIG_INVALID);
    cr_assert(strstr(err, "--metrics-token") != NULL);
    cr_assert(strstr(err, "has space") == NULL, "%s", err);
}

Test(ops, print_config_lists_every_variable_with_secrets_redacted, .init = NULL, .fini = NULL)
{
    struct config cfg;
    char err[256];
    char *args[] = {"--metrics-token", "topsecret", "--threads", "3", "--print-config",
                    "--listen", "[::1]:9000"};
    cr_assert_eq(load_args(&cfg, 7, args, err, sizeof err), CONFIG_PRINT, "%s", err);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    config_print(&cfg, out);
    fclose(out);
    cr_assert(strstr(text, "topsecret") == NULL, "%s", text);
    cr_assert(strstr(text, "WIREBASE_METRICS_TOKEN=<redacted>\n") != NULL, "%s", text);
    cr_assert(strstr(text, "WIREBASE_THREADS=3\n") != NULL, "%s", text);
    cr_assert(strstr(text, "WIREBASE_LISTEN=[::1]:9000\n") != NULL, "%s", text);
    cr_assert(strstr(text, "WIREBASE_LOG_FORMAT=json\n") != NULL, "%s", text);
    cr_assert(strstr(text, "WIREBASE_ACCESS_LOG=1\n") != NULL, "%s", text);
    /* Every line is NAME=value, as an environment file wants. */
    for (char *line = text; *line != '\0'; line = strchr(line, '\n') + 1)
        cr_assert_eq(strncmp(line, "WIREBASE_", 9), 0, "%s", line);
    free(text);
}
