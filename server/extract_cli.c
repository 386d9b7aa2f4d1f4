#include "server/extract_cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/text.h"
#include "extract/extract.h"
#include "server/config.h"

/* An article is a few kilobytes; this bound only stops a wrong file. */
#define EXTRACT_INPUT_MAX (16u << 20)

static const char extract_usage[] =
    "usage: wirebase extract FILE|- [--title TEXT] [--date YYYY-MM-DD]\n"
    "  finds the entities, quotes and agreements in one article and prints them\n"
    "  as JSON, in the shapes POST /v1/articles returns; no database is needed.\n"
    "  FILE is the article's body as plain text, or a JSON object with \"body\"\n"
    "  and optionally \"title\" and \"published_at\"; - reads standard input.\n"
    "\n"
    "  --title TEXT     the headline (plain text input)\n"
    "  --date DATE      the publication date, for signed_on (plain text input)\n"
    "  --help           this text\n";

static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            if (cap >= EXTRACT_INPUT_MAX) {
                free(buf);
                return NULL;
            }
            char *grown = realloc(buf, cap * 2 + 1);
            if (grown == NULL) {
                free(buf);
                return NULL;
            }
            buf = grown;
            cap *= 2;
        }
    }
    if (buf == NULL || ferror(f)) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int extract_cli_run(int argc, char **argv)
{
    const char *path = NULL, *title = NULL, *date = NULL;
    char *text = NULL;
    json_t *doc = NULL, *out = NULL;
    int rc = EXIT_FAILED;
    size_t len = 0;

    for (int a = 2; a < argc; a++) {
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            fputs(extract_usage, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[a], "--title") == 0 && a + 1 < argc) {
            title = argv[++a];
        } else if (strcmp(argv[a], "--date") == 0 && a + 1 < argc) {
            date = argv[++a];
        } else if (path == NULL && (argv[a][0] != '-' || strcmp(argv[a], "-") == 0)) {
            path = argv[a];
        } else {
            fprintf(stderr, "wirebase extract: unknown option \"%s\"\n%s", argv[a], extract_usage);
            return EXIT_USAGE;
        }
    }
    if (date != NULL && !text_is_date(date)) {
        fprintf(stderr, "wirebase extract: --date must be a date (YYYY-MM-DD)\n%s", extract_usage);
        return EXIT_USAGE;
    }
    if (path == NULL) {
        fprintf(stderr, "wirebase extract: which article? (a FILE, or - for standard input)\n%s",
                extract_usage);
        return EXIT_USAGE;
    }
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return EXIT_FAILED;
    }
    text = read_all(f, &len);
    if (f != stdin)
        fclose(f);
    if (text == NULL) {
        fprintf(stderr, "wirebase extract: cannot read %s (at most 16 MiB)\n", path);
        goto done;
    }
    struct extract_input in = {title, text, date};
    size_t lead = strspn(text, " \t\r\n");
    if (text[lead] == '{') {
        json_error_t jerr;
        doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        const char *body = json_string_value(json_object_get(doc, "body"));
        if (body == NULL) {
            fprintf(stderr, "wirebase extract: %s: a JSON input needs a \"body\" string%s%s\n",
                    path, doc == NULL ? ": " : "", doc == NULL ? jerr.text : "");
            rc = EXIT_USAGE;
            goto done;
        }
        in.body = body;
        if (json_string_value(json_object_get(doc, "title")) != NULL)
            in.title = json_string_value(json_object_get(doc, "title"));
        if (json_string_value(json_object_get(doc, "published_at")) != NULL)
            in.published_at = json_string_value(json_object_get(doc, "published_at"));
    }
    out = extract_run(&in, NULL);
    if (out == NULL) {
        fprintf(stderr, "wirebase extract: out of memory\n");
        goto done;
    }
    if (json_dumpf(out, stdout, JSON_INDENT(2)) != 0 || fputc('\n', stdout) == EOF)
        goto done;
    rc = EXIT_OK;
done:
    json_decref(out);
    json_decref(doc);
    free(text);
    return rc;
}
