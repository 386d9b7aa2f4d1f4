/* Segmentation: UTF-8 text into tokens and sentences, with the flags the
 * rules need (capitalised, sentence start, glued to the previous token). */
#include <stdlib.h>
#include <string.h>

#include "extract/doc.h"
#include "extract/words.h"

bool array_grow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *grown = realloc(*items, n * size);
    if (grown == NULL)
        return false;
    *items = grown;
    *cap = n;
    return true;
}

static uint32_t decode(const unsigned char *s, size_t len, size_t *n)
{
    if (s[0] < 0x80 || len < 2) {
        *n = 1;
        return s[0];
    }
    if ((s[0] & 0xE0) == 0xC0) {
        *n = 2;
        return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    }
    if ((s[0] & 0xF0) == 0xE0 && len >= 3) {
        *n = 3;
        return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    }
    if ((s[0] & 0xF8) == 0xF0 && len >= 4) {
        *n = 4;
        return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
               ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    }
    *n = 1; /* a stray byte: one unknown character */
    return 0xFFFD;
}

/* Letters of the scripts news copy uses; punctuation blocks are not. */
static bool is_letter(uint32_t c)
{
    if (c < 0x80)
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if (c < 0xC0 || c == 0xD7 || c == 0xF7)
        return false;
    if (c >= 0x2000 && c <= 0x2BFF) /* punctuation, symbols, arrows */
        return false;
    if (c >= 0x3000 && c <= 0x303F)
        return false;
    return c != 0xFFFD;
}

static bool is_upper(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z';
    if (c >= 0xC0 && c <= 0xDE)
        return c != 0xD7;
    if (c >= 0x100 && c <= 0x17F)
        return (c & 1) == 0;
    if (c >= 0x391 && c <= 0x3A9)
        return true;
    if (c >= 0x400 && c <= 0x42F)
        return true;
    return false;
}

static bool is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

static bool is_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0 || c == 0x2009 ||
           c == 0x202F;
}

size_t utf8_count(const char *text, size_t byte)
{
    size_t n = 0;
    for (size_t i = 0; i < byte; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            n++;
    return n;
}

size_t fold_word(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.')
            continue;
        /* ’ (E2 80 99) and ‘ (E2 80 98) fold to ' */
        if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
            ((unsigned char)s[i + 2] == 0x99 || (unsigned char)s[i + 2] == 0x98)) {
            out[o++] = '\'';
            i += 2;
            continue;
        }
        out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[o] = '\0';
    return o;
}

bool tok_is(const struct doc *d, size_t i, const char *word)
{
    return i < d->ntok && strcmp(tok_norm(d, i), word) == 0;
}

bool tok_in(const struct doc *d, size_t i, const char *const *words)
{
    if (i >= d->ntok)
        return false;
    uint64_t bit = word_class_bit(words);
    return bit ? (d->tok[i].classes & bit) != 0 : word_in(tok_norm(d, i), words);
}

static bool push_token(struct doc *d, struct token t)
{
    if (!array_grow((void **)&d->tok, &d->tok_cap, d->ntok + 1, sizeof *d->tok))
        return false;
    size_t need = (t.end - t.start) + 1;
    if (!array_grow((void **)&d->norms, &d->norms_cap, d->norms_len + need, 1))
        return false;
    t.norm = (uint32_t)d->norms_len;
    d->norms_len += fold_word(d->text + t.start, t.end - t.start, d->norms + d->norms_len, need) + 1;
    t.mention = -1;
    t.classes = word_classes(d->norms + t.norm);
    d->tok[d->ntok++] = t;
    return true;
}

static bool push_sentence(struct doc *d, uint32_t first, uint32_t end)
{
    if (first >= end)
        return true;
    if (!array_grow((void **)&d->sent, &d->sent_cap, d->nsent + 1, sizeof *d->sent))
        return false;
    d->sent[d->nsent++] = (struct sentence){first, end};
    return true;
}

/* Scans one word from text[i]: letters and digits with internal
 * apostrophes; a possessive 's is left for its own token. Returns the end. */
static size_t scan_word(const struct doc *d, size_t i, bool *cap, bool *allcaps, bool *numeric)
{
    const unsigned char *s = (const unsigned char *)d->text;
    size_t n, letters = 0, uppers = 0, j = i;
    bool digits_only = true;

    while (j < d->len) {
        uint32_t c = decode(s + j, d->len - j, &n);
        if (is_letter(c) || is_digit(c)) {
            if (is_letter(c)) {
                letters++;
                uppers += is_upper(c);
                digits_only = false;
            }
            j += n;
            continue;
        }
        /* An apostrophe inside a word (don't, O'Neil) but not a possessive. */
        if ((c == '\'' || c == 0x2019) && j > i && j + n < d->len) {
            size_t m;
            uint32_t next = decode(s + j + n, d->len - j - n, &m);
            if (is_letter(next)) {
                bool possessive = (next == 's' || next == 'S');
                if (possessive && j + n + m < d->len) {
                    size_t k;
                    uint32_t after = decode(s + j + n + m, d->len - j - n - m, &k);
                    possessive = !is_letter(after);
                } else if (possessive) {
                    possessive = true;
                }
                if (possessive)
                    break;
                j += n;
                continue;
            }
        }
        /* Thousands and decimals inside a number: 100,000 and 2.5 */
        if ((c == ',' || c == '.') && digits_only && j > i && j + 1 < d->len &&
            is_digit(s[j + 1]))
        {
            j += 1;
            continue;
        }
        break;
    }
    uint32_t first = decode(s + i, d->len - i, &n);
    *cap = is_upper(first);
    *allcaps = letters >= 2 && uppers == letters;
    *numeric = digits_only;
    return j;
}

/* "U.S.", "U.N.", "Gen.", "Sept.": a period that belongs to the word. */
static size_t take_abbreviation(const struct doc *d, size_t start, size_t end, bool *abbrev)
{
    const char *s = d->text;
    *abbrev = false;
    if (end >= d->len || s[end] != '.')
        return end;
    /* Initialisms: single letters each followed by a period. */
    if (end - start == 1 && ((s[start] >= 'A' && s[start] <= 'Z') || (s[start] >= 'a' && s[start] <= 'z'))) {
        size_t j = end + 1;
        while (j + 1 < d->len && ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= 'a' && s[j] <= 'z')) &&
               s[j + 1] == '.')
            j += 2;
        *abbrev = true;
        return j;
    }
    char folded[16];
    if (end - start < sizeof folded) {
        fold_word(s + start, end - start, folded, sizeof folded);
        if (word_in(folded, ABBREVIATIONS)) {
            *abbrev = true;
            return end + 1;
        }
    }
    return end;
}

/* Whether a straight quote at byte i opens: at the start, or after space or
 * an opening bracket or dash. */
static bool straight_quote_opens(const struct doc *d, size_t i)
{
    if (i == 0)
        return true;
    unsigned char p = (unsigned char)d->text[i - 1];
    return p == ' ' || p == '\n' || p == '\t' || p == '(' || p == '[' || p == 0x94 /* end of — */;
}

bool doc_init(struct doc *d, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, n;
    unsigned newlines = 0;
    bool space = true;

    memset(d, 0, sizeof *d);
    d->text = text;
    d->len = len;
    while (i < len) {
        uint32_t c = decode(s + i, len - i, &n);
        if (is_space(c)) {
            if (c == '\n')
                newlines++;
            space = true;
            i += n;
            continue;
        }
        struct token t = {.start = (uint32_t)i, .kind = TOK_PUNCT};
        if (!space)
            t.flags |= TF_GLUED;
        if (newlines > 0 || d->ntok == 0)
            t.para_break_before = 1;
        if (is_letter(c) || is_digit(c)) {
            bool cap, allcaps, numeric, abbrev;
            size_t end = scan_word(d, i, &cap, &allcaps, &numeric);
            end = take_abbreviation(d, i, end, &abbrev);
            t.end = (uint32_t)end;
            t.kind = numeric ? TOK_NUMBER : TOK_WORD;
            t.flags |= (cap ? TF_CAP : 0) | (allcaps ? TF_ALLCAPS : 0) | (abbrev ? TF_ABBREV : 0);
        } else if ((c == '\'' || c == 0x2019) && i + n < len && (s[i + n] == 's' || s[i + n] == 'S') &&
                   !space) {
            t.end = (uint32_t)(i + n + 1); /* possessive 's */
            t.kind = TOK_WORD;
        } else if (c == 0x201C || (c == '"' && straight_quote_opens(d, i))) {
            t.end = (uint32_t)(i + n);
            t.kind = TOK_QOPEN;
        } else if (c == 0x201D || c == '"') {
            t.end = (uint32_t)(i + n);
            t.kind = TOK_QCLOSE;
        } else if (c == 0x2018 || c == 0x2019 || c == '\'') {
            t.end = (uint32_t)(i + n);
            t.kind = TOK_SQUOTE;
        } else if (c == 0x2014 || c == 0x2013 || (c == '-' && (space || (i + 1 < len && s[i + 1] == ' ')))) {
            t.end = (uint32_t)(i + n);
            t.kind = TOK_DASH;
            if (c == '-' && i + 1 < len && s[i + 1] == '-')
                t.end++;
        } else {
            t.end = (uint32_t)(i + n);
        }
        if (!push_token(d, t))
            return false;
        i = t.end;
        newlines = 0;
        space = false;
    }

    /* Sentences. Lexical starts (for capitalisation) split everywhere;
     * sentence records keep a quotation whole, so "…,” he said." is one. */
    bool in_quote = false, ended = true;
    uint32_t first = 0;
    for (size_t k = 0; k < d->ntok; k++) {
        struct token *t = &d->tok[k];
        if (t->para_break_before) {
            if (!push_sentence(d, first, (uint32_t)k))
                return false;
            first = (uint32_t)k;
            in_quote = false;
            ended = true;
            t->flags |= TF_PARA_START;
        }
        if (ended && (t->kind == TOK_WORD || t->kind == TOK_NUMBER)) {
            t->flags |= TF_SENT_START;
            ended = false;
        }
        if (t->kind == TOK_QOPEN)
            in_quote = true;
        else if (t->kind == TOK_QCLOSE)
            in_quote = false;
        t->sent = (uint32_t)d->nsent;
        bool stop = t->kind == TOK_PUNCT && (d->text[t->start] == '.' || d->text[t->start] == '!' ||
                                             d->text[t->start] == '?');
        if (!stop)
            continue;
        /* Closing quotes and brackets after the stop belong to this sentence. */
        size_t k2 = k + 1;
        while (k2 < d->ntok && (d->tok[k2].kind == TOK_QCLOSE || d->tok[k2].kind == TOK_SQUOTE ||
                                d->text[d->tok[k2].start] == ')') &&
               (d->tok[k2].flags & TF_GLUED))
        {
            if (d->tok[k2].kind == TOK_QCLOSE)
                in_quote = false;
            d->tok[k2].sent = (uint32_t)d->nsent;
            k2++;
        }
        ended = true;
        if (!in_quote) {
            if (!push_sentence(d, first, (uint32_t)k2))
                return false;
            first = (uint32_t)k2;
        }
        k = k2 - 1;
    }
    if (!push_sentence(d, first, (uint32_t)d->ntok))
        return false;
    /* Sentence indexes were assigned while scanning; renumber from records. */
    for (size_t si = 0; si < d->nsent; si++)
        for (uint32_t k = d->sent[si].first; k < d->sent[si].end; k++)
            d->tok[k].sent = (uint32_t)si;
    return true;
}

void doc_free(struct doc *d)
{
    free(d->tok);
    free(d->norms);
    free(d->sent);
    free(d->mentions);
    memset(d, 0, sizeof *d);
}

int doc_add_mention(struct doc *d, uint32_t t0, uint32_t t1, int entity, uint8_t how)
{
    if (!array_grow((void **)&d->mentions, &d->mentions_cap, d->nmentions + 1, sizeof *d->mentions))
        return -1;
    d->mentions[d->nmentions] = (struct mention){t0, t1, entity, how, 0};
    for (uint32_t k = t0; k < t1; k++)
        d->tok[k].mention = (int32_t)d->nmentions;
    return (int)d->nmentions++;
}
