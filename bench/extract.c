/* bench/extract: the extractor's speed on one core, and whether its memory
 * stays flat over a long run. Reads articles (plain text, or JSON objects
 * with "title", "body", "published_at"), then extracts them round-robin
 * until --count articles are done, timing the whole run:
 *
 *   bench/extract [--count N] FILE...
 *
 * prints articles per second, microseconds and words per article, and the
 * process's RSS after the first pass and at the end (a leak grows it). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extract/extract.h"

#define ARTICLES_MAX 64

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = atol(line + 6);
    if (f != NULL)
        fclose(f);
    return kib;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t words(const char *s)
{
    size_t n = 0;
    for (bool in = false; *s; s++) {
        bool w = *s != ' ' && *s != '\n' && *s != '\t';
        n += w && !in;
        in = w;
    }
    return n;
}

int main(int argc, char **argv)
{
    json_t *docs[ARTICLES_MAX] = {0};
    struct extract_input in[ARTICLES_MAX];
    long count = 20000;
    int n = 0, rc = 1;

    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--count") == 0 && a + 1 < argc) {
            count = atol(argv[++a]);
            continue;
        }
        if (n == ARTICLES_MAX)
            break;
        json_error_t err;
        docs[n] = json_load_file(argv[a], 0, &err);
        if (docs[n] == NULL) {
            /* Plain text: the whole file is the body. */
            FILE *f = fopen(argv[a], "rb");
            char *text = NULL;
            size_t len = 0;
            if (f == NULL || getdelim(&text, &len, '\0', f) < 0) {
                fprintf(stderr, "bench/extract: cannot read %s\n", argv[a]);
                free(text);
                if (f != NULL)
                    fclose(f);
                goto done;
            }
            fclose(f);
            docs[n] = json_pack("{s:s}", "body", text);
            free(text);
        }
        in[n] = (struct extract_input){json_string_value(json_object_get(docs[n], "title")),
                                       json_string_value(json_object_get(docs[n], "body")),
                                       json_string_value(json_object_get(docs[n], "published_at"))};
        if (in[n].body == NULL) {
            fprintf(stderr, "bench/extract: %s has no body\n", argv[a]);
            goto done;
        }
        n++;
    }
    if (n == 0 || count <= 0) {
        fprintf(stderr, "usage: bench/extract [--count N] FILE...\n");
        goto done;
    }
    lexicon_gazetteer(); /* built once per process, not per article */
    size_t total_words = 0;
    for (int i = 0; i < n; i++) {
        json_decref(extract_run(&in[i], NULL));
        total_words += words(in[i].body);
    }
    long rss_first = rss_kib();
    double t0 = now_s();
    for (long i = 0; i < count; i++) {
        json_t *out = extract_run(&in[i % n], NULL);
        if (out == NULL) {
            fprintf(stderr, "bench/extract: out of memory\n");
            goto done;
        }
        json_decref(out);
    }
    double elapsed = now_s() - t0;
    printf("articles %ld (%d distinct, %.0f words on average)\n", count, n, (double)total_words / n);
    printf("articles/s %.0f\n", (double)count / elapsed);
    printf("us/article %.1f\n", elapsed * 1e6 / (double)count);
    printf("rss_kib after first pass %ld, at the end %ld\n", rss_first, rss_kib());
    rc = 0;
done:
    for (int i = 0; i < ARTICLES_MAX; i++)
        json_decref(docs[i]);
    return rc;
}
