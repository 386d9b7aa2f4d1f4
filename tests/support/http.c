#include "support/http.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct buffer {
    char *data;
    size_t len;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct buffer *b = userdata;
    size_t n = size * nmemb;
    char *grown = realloc(b->data, b->len + n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + b->len, ptr, n);
    b->data = grown;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

struct http_result http_request(const struct test_server *ts, const char *method,
                                const char *path, const char *body, size_t body_len,
                                const char *const *headers)
{
    struct http_result res = {0};
    struct buffer out = {0}, head = {0};
    struct curl_slist *list = NULL;
    char *url = NULL;
    CURL *curl = curl_easy_init();

    cr_assert_not_null(curl);
    /* Whole, however long: tests send targets past the server's limit. */
    cr_assert_gt(asprintf(&url, "http://127.0.0.1:%u%s", ts->port, path), 0);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    /* Send the target exactly as written: tests probe bad encodings. */
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    for (const char *const *h = headers; h != NULL && *h != NULL; h++) {
        /* "Accept-Encoding: libcurl" asks libcurl itself to offer gzip and
         * decode the answer, as a real client would. */
        if (strcmp(*h, "Accept-Encoding: libcurl") == 0) {
            curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
            continue;
        }
        list = curl_slist_append(list, *h);
    }
    if (list != NULL)
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head);
    /* Generous: under sanitizers a big import takes several seconds. */
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);

    CURLcode rc = curl_easy_perform(curl);
    cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res.status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    free(url);

    res.body = out.data ? out.data : strdup("");
    res.body_len = out.len;
    res.headers = head.data ? head.data : strdup("");
    res.json = json_loadb(res.body, res.body_len, 0, NULL);
    return res;
}

struct http_result http_get(const struct test_server *ts, const char *path)
{
    return http_request(ts, "GET", path, NULL, 0, NULL);
}

const char *http_header(struct http_result *res, const char *name)
{
    static __thread char value[1024];
    size_t name_len = strlen(name);
    for (char *line = res->headers; line != NULL && *line != '\0';) {
        char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > name_len && strncasecmp(line, name, name_len) == 0 && line[name_len] == ':') {
            const char *v = line + name_len + 1;
            while (*v == ' ')
                v++;
            size_t vlen = len - (size_t)(v - line);
            if (vlen >= sizeof value)
                vlen = sizeof value - 1;
            memcpy(value, v, vlen);
            value[vlen] = '\0';
            return value;
        }
        line = end ? end + 2 : NULL;
    }
    return NULL;
}

void http_result_free(struct http_result *res)
{
    free(res->body);
    free(res->headers);
    json_decref(res->json);
    memset(res, 0, sizeof *res);
}

const char *problem_field(const json_t *problem)
{
    json_t *errors = json_object_get(problem, "errors");
    return json_string_value(json_object_get(json_array_get(errors, 0), "field"));
}

void http_assert_problem(struct http_result *res, long status, const char *field)
{
    cr_assert_eq(res->status, status, "expected %ld, got %ld: %s", status, res->status, res->body);
    const char *type = http_header(res, "Content-Type");
    cr_assert(type != NULL && strcmp(type, "application/problem+json") == 0, "problem type: %s",
              type ? type : "(none)");
    cr_assert_not_null(res->json, "a problem body is JSON: %s", res->body);
    cr_assert_eq(json_integer_value(json_object_get(res->json, "status")), status);
    cr_assert_not_null(json_string_value(json_object_get(res->json, "type")));
    cr_assert_not_null(json_string_value(json_object_get(res->json, "title")));
    cr_assert_not_null(json_string_value(json_object_get(res->json, "detail")));
    if (field != NULL) {
        const char *named = problem_field(res->json);
        cr_assert(named != NULL && strcmp(named, field) == 0, "expected field %s: %s", field,
                  res->body);
    }
}

json_t *http_page_ids(const json_t *page)
{
    json_t *ids = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(page, "data"), i, item)
        json_array_append(ids, json_object_get(item, "id"));
    return ids;
}

/* Follows next_cursor from `first` to the end; returns every id seen. */
json_t *http_walk(const struct test_server *ts, const char *first)
{
    json_t *all = json_array();
    char path[2048];
    snprintf(path, sizeof path, "%s", first);
    for (int pages = 0; pages < 100; pages++) {
        struct http_result res = http_get(ts, path);
        cr_assert_eq(res.status, 200, "%s: %s", path, res.body);
        json_t *ids = http_page_ids(res.json);
        json_array_extend(all, ids);
        json_decref(ids);
        const char *next = json_string_value(json_object_get(res.json, "next_cursor"));
        if (next == NULL) {
            http_result_free(&res);
            return all;
        }
        snprintf(path, sizeof path, "%s%scursor=%s", first, strchr(first, '?') ? "&" : "?", next);
        http_result_free(&res);
    }
    cr_assert_fail("pagination did not end");
    return all;
}


struct http_result http_write(const struct test_server *ts, const char *method, const char *path,
                              const char *json, const char *const *headers)
{
    char auth[128];
    const char *all[16];
    size_t n = 0;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", ts->key);
    all[n++] = auth;
    if (json != NULL)
        all[n++] = "Content-Type: application/json";
    for (const char *const *h = headers; h != NULL && *h != NULL && n < 15; h++)
        all[n++] = *h;
    all[n] = NULL;
    return http_request(ts, method, path, json, json ? strlen(json) : 0, all);
}

struct http_result http_send(const struct test_server *ts, const char *method, const char *path,
                             const char *content_type, const char *body, size_t body_len,
                             const char *const *headers)
{
    char auth[128], type[256];
    const char *all[16];
    size_t n = 0;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", ts->key);
    all[n++] = auth;
    /* "Content-Type:" with no value stops libcurl adding its form type. */
    snprintf(type, sizeof type, "Content-Type:%s%s", content_type ? " " : "",
             content_type ? content_type : "");
    all[n++] = type;
    for (const char *const *h = headers; h != NULL && *h != NULL && n < 15; h++)
        all[n++] = *h;
    all[n] = NULL;
    return http_request(ts, method, path, body, body_len, all);
}

size_t answer_collect(char *data, size_t size, size_t n, void *ctx)
{
    struct answer *a = ctx;
    char *grown = realloc(a->body, a->len + size * n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + a->len, data, size * n);
    a->body = grown;
    a->len += size * n;
    a->body[a->len] = '\0';
    return size * n;
}
