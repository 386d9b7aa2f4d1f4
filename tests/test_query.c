/* Unit tests of server/query.h: the query string and percent-decoding. Pure
 * functions, so no server and no database. */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/query.h"

/* Every test parses into this and releases it in fini, so a failed assertion
 * never leaks and ASan stays quiet. */
static struct query q;

static void reset(void)
{
    memset(&q, 0, sizeof q);
}

static void release(void)
{
    query_free(&q);
}

TestSuite(query, .init = reset, .fini = release, .timeout = 10);

/* Parses text that must be valid and returns the parameter count. */
static size_t parse_ok(const char *text)
{
    const char *bad = NULL;
    enum query_status rc = query_parse(text, &q, &bad);
    cr_assert_eq(rc, QUERY_OK, "query_parse(\"%s\") = %d, bad_name %s", text ? text : "(null)",
                 (int)rc, bad ? bad : "(null)");
    cr_assert_null(bad);
    return q.count;
}

/* Parses text that must fail with `want` and returns bad_name. */
static const char *parse_fails(const char *text, enum query_status want)
{
    const char *bad = NULL;
    enum query_status rc = query_parse(text, &q, &bad);
    cr_assert_eq(rc, want, "query_parse(\"%s\") = %d, want %d", text, (int)rc, (int)want);
    return bad;
}

Test(query, plain_pairs_are_split_into_names_and_values)
{
    cr_assert_eq(parse_ok("limit=5&source=Reuters"), 2);
    cr_assert_str_eq(query_get(&q, "limit"), "5");
    cr_assert_str_eq(query_get(&q, "source"), "Reuters");
    cr_assert_str_eq(q.params[0].name, "limit", "parameters keep their order");
    cr_assert_str_eq(q.params[1].name, "source");
}

Test(query, an_absent_name_gives_null)
{
    parse_ok("a=1");
    cr_assert_null(query_get(&q, "b"));
    cr_assert_null(query_get(&q, "A"), "names are case-sensitive");
}

Test(query, a_plus_in_the_query_is_a_space)
{
    parse_ok("q=hello+big+world");
    cr_assert_str_eq(query_get(&q, "q"), "hello big world");
}

Test(query, an_encoded_plus_stays_a_plus)
{
    parse_ok("q=1%2B1");
    cr_assert_str_eq(query_get(&q, "q"), "1+1");
}

Test(query, percent_escapes_are_decoded_in_names_and_values)
{
    parse_ok("%73ource=Le%20Monde&x=%41%62");
    cr_assert_str_eq(query_get(&q, "source"), "Le Monde");
    cr_assert_str_eq(query_get(&q, "x"), "Ab");
}

Test(query, lower_and_upper_case_hex_digits_are_both_accepted)
{
    parse_ok("a=%2f%2F");
    cr_assert_str_eq(query_get(&q, "a"), "//");
}

Test(query, utf8_escapes_decode_to_utf8_text)
{
    parse_ok("q=caf%C3%A9&r=%E2%82%AC&s=%F0%9F%98%80");
    cr_assert_str_eq(query_get(&q, "q"), "caf\xC3\xA9");
    cr_assert_str_eq(query_get(&q, "r"), "\xE2\x82\xAC");
    cr_assert_str_eq(query_get(&q, "s"), "\xF0\x9F\x98\x80");
}

Test(query, raw_utf8_passes_through_unchanged)
{
    parse_ok("q=caf\xC3\xA9");
    cr_assert_str_eq(query_get(&q, "q"), "caf\xC3\xA9");
}

Test(query, empty_pieces_between_ampersands_are_skipped)
{
    cr_assert_eq(parse_ok("a=1&&b=2"), 2);
    cr_assert_str_eq(query_get(&q, "a"), "1");
    cr_assert_str_eq(query_get(&q, "b"), "2");
}

Test(query, a_trailing_ampersand_is_skipped)
{
    cr_assert_eq(parse_ok("a=1&"), 1);
    cr_assert_str_eq(query_get(&q, "a"), "1");
}

Test(query, a_leading_ampersand_and_only_ampersands_are_skipped)
{
    cr_assert_eq(parse_ok("&a=1"), 1);
    query_free(&q);
    cr_assert_eq(parse_ok("&&&"), 0);
}

Test(query, a_name_without_equals_has_an_empty_value)
{
    cr_assert_eq(parse_ok("flag&b=2"), 2);
    cr_assert_str_eq(query_get(&q, "flag"), "");
    cr_assert_str_eq(query_get(&q, "b"), "2");
}

Test(query, an_empty_value_after_equals_is_empty)
{
    parse_ok("a=");
    cr_assert_str_eq(query_get(&q, "a"), "");
}

Test(query, only_the_first_equals_splits_name_and_value)
{
    parse_ok("a=b=c");
    cr_assert_str_eq(query_get(&q, "a"), "b=c");
}

Test(query, null_and_empty_text_give_no_parameters)
{
    cr_assert_eq(parse_ok(NULL), 0);
    cr_assert_eq(parse_ok(""), 0);
    cr_assert_null(query_get(&q, "a"));
}

Test(query, a_lone_percent_is_a_bad_encoding_naming_the_parameter)
{
    const char *bad = parse_fails("ok=1&cursor=%", QUERY_BAD_ENCODING);
    cr_assert_not_null(bad);
    cr_assert_str_eq(bad, "cursor");
}

Test(query, a_percent_with_one_hex_digit_is_a_bad_encoding)
{
    const char *bad = parse_fails("limit=%4", QUERY_BAD_ENCODING);
    cr_assert_not_null(bad);
    cr_assert_str_eq(bad, "limit");
}

Test(query, a_percent_with_non_hex_digits_is_a_bad_encoding)
{
    const char *bad = parse_fails("q=%zz", QUERY_BAD_ENCODING);
    cr_assert_not_null(bad);
    cr_assert_str_eq(bad, "q");
}

Test(query, a_bad_escape_in_the_middle_of_a_value_is_caught)
{
    const char *bad = parse_fails("q=ab%4gcd&z=1", QUERY_BAD_ENCODING);
    cr_assert_not_null(bad);
    cr_assert_str_eq(bad, "q");
}

Test(query, the_bad_name_is_reported_decoded)
{
    const char *bad = parse_fails("%71%75ery=%", QUERY_BAD_ENCODING);
    cr_assert_not_null(bad);
    cr_assert_str_eq(bad, "query");
}

Test(query, a_bad_escape_in_a_name_is_a_bad_encoding)
{
    const char *bad = parse_fails("a%zz=1", QUERY_BAD_ENCODING);
    /* The name cannot be decoded, so the contract only promises something
     * printable to show the client. */
    cr_assert_not_null(bad);
    cr_assert_gt(strlen(bad), 0);
}

Test(query, a_decoded_nul_is_rejected)
{
    const char *bad = parse_fails("q=a%00b", QUERY_BAD_ENCODING);
    cr_assert_str_eq(bad, "q");
}

Test(query, decoded_control_characters_are_rejected)
{
    static const char *const texts[] = {"q=%01", "q=%1B", "q=%7F"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const char *bad = NULL;
        /* DEL (0x7F) is not a C0 control; the contract only names C0. */
        enum query_status want = strcmp(texts[i], "q=%7F") == 0 ? QUERY_OK : QUERY_BAD_ENCODING;
        cr_expect_eq(query_parse(texts[i], &q, &bad), want, "%s", texts[i]);
        query_free(&q);
    }
}

Test(query, tab_newline_and_carriage_return_are_allowed)
{
    parse_ok("q=a%09b%0Ac%0Dd");
    cr_assert_str_eq(query_get(&q, "q"), "a\tb\nc\rd");
}

Test(query, invalid_utf8_is_rejected)
{
    static const char *const texts[] = {
        "q=%FF",          /* never valid */
        "q=%C3",          /* truncated sequence */
        "q=%C3%28",       /* bad continuation byte */
        "q=%C0%80",       /* overlong NUL */
        "q=%ED%A0%80",    /* UTF-16 surrogate */
        "q=%F4%90%80%80", /* past U+10FFFF */
        "q=%80",          /* lone continuation byte */
        "q=\xFF",         /* raw, not escaped */
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const char *bad = NULL;
        cr_expect_eq(query_parse(texts[i], &q, &bad), QUERY_BAD_ENCODING, "%s", texts[i]);
        cr_expect(bad != NULL && strcmp(bad, "q") == 0, "%s: bad_name %s", texts[i],
                  bad ? bad : "(null)");
        query_free(&q);
    }
}

Test(query, a_name_given_twice_is_a_duplicate)
{
    const char *bad = parse_fails("limit=1&source=x&limit=2", QUERY_DUPLICATE);
    cr_assert_not_null(bad);
    cr_assert_str_eq(bad, "limit");
}

Test(query, names_are_compared_after_decoding)
{
    const char *bad = parse_fails("limit=1&%6Cimit=2", QUERY_DUPLICATE);
    cr_assert_str_eq(bad, "limit");
}

Test(query, a_name_without_value_given_twice_is_a_duplicate)
{
    const char *bad = parse_fails("flag&flag", QUERY_DUPLICATE);
    cr_assert_str_eq(bad, "flag");
}

/* Builds "p0=0&p1=1&...": n distinct parameters. */
static void many_params(char *out, size_t outlen, int n)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, outlen - used, "%sp%d=%d", i ? "&" : "", i, i);
}

Test(query, exactly_the_maximum_number_of_parameters_is_accepted)
{
    char text[1024];
    many_params(text, sizeof text, QUERY_MAX_PARAMS);
    cr_assert_eq(parse_ok(text), QUERY_MAX_PARAMS);
    cr_assert_str_eq(query_get(&q, "p31"), "31");
}

Test(query, one_more_than_the_maximum_is_too_many)
{
    char text[1024];
    many_params(text, sizeof text, QUERY_MAX_PARAMS + 1);
    parse_fails(text, QUERY_TOO_MANY);
}

Test(query, far_more_than_the_maximum_is_too_many)
{
    char text[4096];
    many_params(text, sizeof text, 200);
    parse_fails(text, QUERY_TOO_MANY);
}

Test(query, empty_pieces_do_not_count_towards_the_maximum)
{
    char text[1024], padded[2048];
    many_params(text, sizeof text, QUERY_MAX_PARAMS);
    snprintf(padded, sizeof padded, "&&&%s&&&&", text);
    cr_assert_eq(parse_ok(padded), QUERY_MAX_PARAMS);
}

Test(query, query_free_leaves_an_empty_query_that_can_be_reused)
{
    parse_ok("a=1&b=2");
    query_free(&q);
    cr_assert_eq(q.count, 0);
    cr_assert_null(query_get(&q, "a"));
    cr_assert_eq(parse_ok("c=3"), 1);
    cr_assert_str_eq(query_get(&q, "c"), "3");
}

Test(query, decode_keeps_plus_when_plus_is_not_space)
{
    char *out = NULL;
    cr_assert(query_decode("a+b%20c", 7, false, &out));
    cr_assert_str_eq(out, "a+b c");
    free(out);
}

Test(query, decode_turns_plus_into_space_when_asked)
{
    char *out = NULL;
    cr_assert(query_decode("a+b", 3, true, &out));
    cr_assert_str_eq(out, "a b");
    free(out);
}

Test(query, decode_reads_only_len_bytes)
{
    char *out = NULL;
    cr_assert(query_decode("abc%41", 3, false, &out));
    cr_assert_str_eq(out, "abc");
    free(out);
}

Test(query, decode_does_not_read_an_escape_past_len)
{
    char *out = NULL;
    /* "%41" is complete in memory but only "%4" is inside len. */
    cr_assert_not(query_decode("x%41", 3, false, &out));
    cr_assert_null(out);
}

Test(query, decode_of_an_empty_segment_is_an_empty_string)
{
    char *out = NULL;
    cr_assert(query_decode("", 0, false, &out));
    cr_assert_str_eq(out, "");
    free(out);
}

Test(query, decode_keeps_an_encoded_slash_as_a_slash)
{
    char *out = NULL;
    cr_assert(query_decode("a%2Fb", 5, false, &out));
    cr_assert_str_eq(out, "a/b");
    free(out);
}

Test(query, decode_refuses_bad_escapes_nul_controls_and_invalid_utf8)
{
    static const char *const texts[] = {"%", "%4", "%zz", "a%00", "%01", "%FF", "%C3", "%ED%A0%80"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *out = NULL;
        cr_expect_not(query_decode(texts[i], strlen(texts[i]), false, &out), "%s", texts[i]);
        cr_expect_null(out, "%s: no output on failure", texts[i]);
        free(out);
    }
}
