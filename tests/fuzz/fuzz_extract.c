/* libFuzzer target: the extractor on arbitrary bytes (invalid UTF-8, stray
 * quotes, endless capitalised runs). Beyond not crashing, what its output
 * promises: every offset lies inside its field, start before end; every
 * quote's speaker and every party and signatory is an entity it lists. The
 * input is a title, a NUL, then the body. */

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static void broken(const char *what)
{
    fprintf(stderr, "fuzz_extract: %s\n", what);
    abort();
}

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void check_span(const json_t *start, const json_t *end, size_t length)
{
    if (!json_is_integer(start) || !json_is_integer(end))
        broken("an offset is not an integer");
    json_int_t a = json_integer_value(start), b = json_integer_value(end);
    if (a < 0 || b <= a || (size_t)b > length)
        broken("an offset is outside its field");
}

static bool named(const json_t *entities, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(entities, i, e)
        if (name != NULL && strcmp(json_string_value(json_object_get(e, "name")), name) == 0)
            return true;
    return false;
}

static void check_names(const json_t *entities, const json_t *list)
{
    size_t i;
    json_t *n;
    json_array_foreach(list, i, n)
        if (!named(entities, json_string_value(n)))
            broken("a party or signatory is no entity of the output");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* NUL-terminated copies: the extractor reads C strings. */
    char *text = malloc(size + 2);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    text[size + 1] = '\0';
    const char *title = text, *body = text + strlen(text) + 1;
    if (body > text + size)
        body = text + size;
    struct extract_input in = {title, body, "2024-03-05"};
    size_t title_len = code_points(title), body_len = code_points(body);

    json_t *out = extract_run(&in, NULL);
    if (out == NULL)
        broken("no output");
    const json_t *entities = json_object_get(out, "entities");
    size_t i, k;
    json_t *item, *m;
    json_array_foreach(entities, i, item) {
        if (json_string_value(json_object_get(item, "name")) == NULL)
            broken("an entity without a name");
        json_array_foreach(json_object_get(item, "mentions"), k, m) {
            const char *field = json_string_value(json_object_get(m, "field"));
            if (field == NULL || (strcmp(field, "body") != 0 && strcmp(field, "title") != 0))
                broken("a mention in no field");
            check_span(json_object_get(m, "start"), json_object_get(m, "end"),
                       field[0] == 'b' ? body_len : title_len);
        }
    }
    json_array_foreach(json_object_get(out, "quotes"), i, item) {
        check_span(json_object_get(item, "start"), json_object_get(item, "end"), body_len);
        if (!named(entities, json_string_value(json_object_get(item, "speaker"))))
            broken("a quote's speaker is no entity of the output");
    }
    json_array_foreach(json_object_get(out, "agreements"), i, item) {
        check_span(json_object_get(item, "start"), json_object_get(item, "end"), body_len);
        check_names(entities, json_object_get(item, "parties"));
        check_names(entities, json_object_get(item, "signatories"));
    }
    json_decref(out);
    free(text);
    return 0;
}
