/* UTF-8 folding for Cyrillic and Latin text, whitespace collapsing, word-prefix phrase matching. */
#include "textfold.h"

#include <stdlib.h>
#include <string.h>

#define REPLACEMENT 0xFFFDu

uint32_t utf8_next(const char *str, size_t len, size_t *i)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t p = *i;
    unsigned c = s[p];
    if (c < 0x80) {
        *i = p + 1;
        return c;
    }
    int n;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3, cp = c & 0x07, min = 0x10000;
    } else {
        *i = p + 1;
        return REPLACEMENT;
    }
    if (p + (size_t)n >= len) {
        *i = p + 1;
        return REPLACEMENT;
    }
    for (int k = 1; k <= n; k++) {
        unsigned cc = s[p + (size_t)k];
        if ((cc & 0xC0) != 0x80) {
            *i = p + 1;
            return REPLACEMENT;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *i = p + 1;
        return REPLACEMENT;
    }
    *i = p + (size_t)n + 1;
    return cp;
}

size_t utf8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

bool utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t start = i;
        uint32_t cp = utf8_next(s, len, &i);
        /* A genuine U+FFFD is three bytes; a replacement for a bad byte advanced one. */
        if (cp == REPLACEMENT && i - start != 3)
            return false;
    }
    return true;
}

/* Lower case for the scripts school sites use; ё and Ё become е. */
static uint32_t fold_cp(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z')
        return cp + 0x20;
    if (cp == 0x0401 || cp == 0x0451) /* Ё ё */
        return 0x0435;
    if (cp >= 0x0410 && cp <= 0x042F) /* А-Я */
        return cp + 0x20;
    if (cp >= 0x0400 && cp <= 0x040F) /* Ѐ-Џ */
        return cp + 0x50;
    if (cp >= 0x00C0 && cp <= 0x00DE && cp != 0x00D7)
        return cp + 0x20;
    return cp;
}

/* Letters and digits that make words: ASCII, Latin-1/Extended-A/B letters, Cyrillic. */
static bool is_word_cp(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    if (cp >= 0x00C0 && cp <= 0x024F)
        return cp != 0x00D7 && cp != 0x00F7;
    return cp >= 0x0400 && cp <= 0x04FF;
}

static bool is_space_cp(uint32_t cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x00A0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

char *text_fold(const char *s, size_t len, size_t max_out)
{
    char *out = malloc(max_out + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0, word_end = 0;
    bool in_word = false;
    size_t i = 0;
    while (i < len) {
        uint32_t cp = utf8_next(s, len, &i);
        if (cp == 0x00AD) /* soft hyphen: inside words */
            continue;
        if (!is_word_cp(cp)) {
            if (in_word)
                word_end = o;
            in_word = false;
            continue;
        }
        char enc[4];
        size_t n = utf8_put(fold_cp(cp), enc);
        size_t need = n + (!in_word && o > 0 ? 1 : 0);
        if (o + need > max_out) {
            o = in_word ? word_end : o; /* drop the partial word */
            break;
        }
        if (!in_word && o > 0)
            out[o++] = ' ';
        memcpy(out + o, enc, n);
        o += n;
        in_word = true;
    }
    out[o] = '\0';
    return out;
}

char *text_collapse(const char *s, size_t len, size_t max_out)
{
    char *out = malloc(max_out + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0, i = 0;
    bool pending_space = false;
    while (i < len) {
        uint32_t cp = utf8_next(s, len, &i);
        if (is_space_cp(cp)) {
            pending_space = o > 0;
            continue;
        }
        if (cp == 0x00AD || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            continue;
        char enc[4];
        size_t n = utf8_put(cp, enc);
        if (o + n + (pending_space ? 1 : 0) > max_out)
            break;
        if (pending_space)
            out[o++] = ' ';
        pending_space = false;
        memcpy(out + o, enc, n);
        o += n;
    }
    out[o] = '\0';
    return out;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *text_percent_decode(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = hex_value(s[i + 1])) >= 0 &&
            (lo = hex_value(s[i + 2])) >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

bool text_has_phrase(const char *folded, const char *phrase, size_t phrase_len)
{
    if (phrase_len == 0)
        return false;
    for (const char *t = folded; *t != '\0';) {
        /* t is at the start of a word: try the phrase here. */
        const char *w = t;
        size_t k = 0;
        bool ok = true;
        while (k < phrase_len) {
            size_t plen = 0;
            while (k + plen < phrase_len && phrase[k + plen] != ' ')
                plen++;
            if (strncmp(w, phrase + k, plen) != 0) {
                ok = false;
                break;
            }
            k += plen;
            if (k < phrase_len) { /* another word of the phrase: move to the text's next word */
                k++;
                const char *sp = strchr(w, ' ');
                if (sp == NULL) {
                    ok = false;
                    break;
                }
                w = sp + 1;
            }
        }
        if (ok)
            return true;
        const char *sp = strchr(t, ' ');
        if (sp == NULL)
            break;
        t = sp + 1;
    }
    return false;
}
