/* Strict JSON (RFC 8259): one validating pass over the bytes, then a cJSON tree. */
#include "json_strict.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Decisions beyond RFC 8259 (the i_ cases of JSONTestSuite and a few more):
 * - A UTF-8 byte order mark at the start is refused ("byte_order_mark"): the RFC
 *   says a sender must not add one, and cJSON would fail on it anyway.
 * - Empty input, or input of whitespace only, is refused ("empty_body").
 * - "\u0000" is refused anywhere ("nul_character"): cJSON would silently cut
 *   the string there, and a key or a name must not hide bytes after a NUL.
 * - Unpaired surrogate escapes ("\uD800" alone, "\uDC00" first) are refused
 *   ("lone_surrogate"); they name no character and have no UTF-8 form.
 * - A number whose value rounds to infinity ("1e999", "-1e999") is refused
 *   ("number_out_of_range"). A number that underflows ("1e-999") rounds to 0
 *   (or a subnormal) like any decimal rounds to the nearest double, and is
 *   accepted; so are integers beyond 2^53 (they lose precision, as in JS).
 * - Nesting is limited to max_depth containers (clamped to cJSON's own limit,
 *   CJSON_NESTING_LIMIT); a scalar at the top is depth 0, "[]" is depth 1.
 * - Duplicate keys are compared after unescaping ("a" and "\u0061" are the same
 *   key), byte for byte (so "A" and "a" differ). A duplicate is found when its
 *   object closes: an earlier syntax error inside that object wins.
 * - The offset of a bad UTF-8 sequence is that of its first byte; of a bad
 *   escape, its backslash; of a number out of range, its first byte. When the
 *   input stops where more was required, the code is "unexpected_end" at
 *   offset `len`.
 * - "out_of_memory" is the only code that is our fault, not the client's.
 */

enum js_error {
    JS_OK,
    JS_EMPTY,
    JS_BOM,
    JS_UNEXPECTED_END,
    JS_SYNTAX,
    JS_TRAILING,
    JS_CONTROL,
    JS_UTF8,
    JS_ESCAPE,
    JS_SURROGATE,
    JS_NUL,
    JS_NUMBER,
    JS_NUMBER_RANGE,
    JS_TOO_DEEP,
    JS_DUPLICATE,
    JS_NOMEM,
    JS_ERROR_MAX
};

static const struct {
    const char *code;
    const char *message;
} js_error_text[] = {
    [JS_OK] = {NULL, NULL},
    [JS_EMPTY] = {"empty_body", "Пустое тело запроса: ожидался документ JSON"},
    [JS_BOM] = {"byte_order_mark", "Документ начинается с метки порядка байтов (BOM), она не "
                                   "допускается"},
    [JS_UNEXPECTED_END] = {"unexpected_end", "Документ JSON обрывается раньше времени"},
    [JS_SYNTAX] = {"syntax_error", "Синтаксическая ошибка JSON"},
    [JS_TRAILING] = {"trailing_data", "После документа JSON есть лишние данные"},
    [JS_CONTROL] = {"control_character", "Управляющий символ в строке должен быть экранирован"},
    [JS_UTF8] = {"invalid_utf8", "Недопустимая последовательность UTF-8"},
    [JS_ESCAPE] = {"invalid_escape", "Недопустимая escape-последовательность в строке"},
    [JS_SURROGATE] = {"lone_surrogate", "Непарный суррогат в escape-последовательности \\u"},
    [JS_NUL] = {"nul_character", "Символ U+0000 в строке не допускается"},
    [JS_NUMBER] = {"invalid_number", "Число записано не по правилам JSON"},
    [JS_NUMBER_RANGE] = {"number_out_of_range", "Число слишком велико по модулю"},
    [JS_TOO_DEEP] = {"too_deep", "Слишком глубокая вложенность"},
    [JS_DUPLICATE] = {"duplicate_key", "Ключ повторяется в объекте"},
    [JS_NOMEM] = {"out_of_memory", "Недостаточно памяти для разбора документа"},
};
static_assert(sizeof js_error_text / sizeof js_error_text[0] == JS_ERROR_MAX,
              "js_error_text must name every js_error");

/* Byte classes inside a string. The UTF-8 leads follow Unicode Table 3-7. */
enum {
    C_PLAIN, /* 0x20..0x7F except '"' and '\\' */
    C_QUOTE,
    C_BSLASH,
    C_CTRL, /* 0x00..0x1F */
    C_BAD,  /* 0x80..0xC1 (continuation or overlong lead), 0xF5..0xFF */
    C_U2,   /* 0xC2..0xDF, then 80..BF */
    C_E0,   /* then A0..BF 80..BF (no overlong) */
    C_E1,   /* 0xE1..0xEC, 0xEE..0xEF, then 80..BF 80..BF */
    C_ED,   /* then 80..9F 80..BF (no surrogate) */
    C_F0,   /* then 90..BF 80..BF 80..BF (no overlong) */
    C_F1,   /* 0xF1..0xF3, then 80..BF x3 */
    C_F4,   /* then 80..8F 80..BF 80..BF (not above U+10FFFF) */
    C_MAX
};

/* clang-format off */
#define P C_PLAIN
#define X C_BAD
static const unsigned char byte_class[] = {
    /* 0x00 */ C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL,
    /* 0x08 */ C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL,
    /* 0x10 */ C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL,
    /* 0x18 */ C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL, C_CTRL,
    /* 0x20 */ P, P, C_QUOTE, P, P, P, P, P, P, P, P, P, P, P, P, P,
    /* 0x30 */ P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
    /* 0x40 */ P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
    /* 0x50 */ P, P, P, P, P, P, P, P, P, P, P, P, C_BSLASH, P, P, P,
    /* 0x60 */ P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
    /* 0x70 */ P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
    /* 0x80 */ X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    /* 0x90 */ X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    /* 0xA0 */ X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    /* 0xB0 */ X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    /* 0xC0 */ X, X, C_U2, C_U2, C_U2, C_U2, C_U2, C_U2,
    /* 0xC8 */ C_U2, C_U2, C_U2, C_U2, C_U2, C_U2, C_U2, C_U2,
    /* 0xD0 */ C_U2, C_U2, C_U2, C_U2, C_U2, C_U2, C_U2, C_U2,
    /* 0xD8 */ C_U2, C_U2, C_U2, C_U2, C_U2, C_U2, C_U2, C_U2,
    /* 0xE0 */ C_E0, C_E1, C_E1, C_E1, C_E1, C_E1, C_E1, C_E1,
    /* 0xE8 */ C_E1, C_E1, C_E1, C_E1, C_E1, C_ED, C_E1, C_E1,
    /* 0xF0 */ C_F0, C_F1, C_F1, C_F1, C_F4, X, X, X, X, X, X, X, X, X, X, X,
};
#undef P
#undef X
/* clang-format on */
static_assert(sizeof byte_class == 256, "byte_class must class every byte");

/* For each UTF-8 lead class: continuation bytes that follow, range of the first one. */
static const struct {
    unsigned char follow, lo, hi;
} utf8_lead[C_MAX] = {
    [C_U2] = {1, 0x80, 0xBF}, [C_E0] = {2, 0xA0, 0xBF}, [C_E1] = {2, 0x80, 0xBF},
    [C_ED] = {2, 0x80, 0x9F}, [C_F0] = {3, 0x90, 0xBF}, [C_F1] = {3, 0x80, 0xBF},
    [C_F4] = {3, 0x80, 0x8F},
};

#define NO_KEY        SIZE_MAX
#define LOCAL_FRAMES  64
#define PATH_ELLIPSIS "..."

/* One open container. */
struct frame {
    bool is_object;
    size_t index;      /* array: index of the element being parsed */
    size_t key;        /* object: entry in keys[] of the member being parsed, or NO_KEY */
    size_t keys_base;  /* object: its first entry in keys[]; entries above belong to it */
    size_t arena_base; /* object: arena length when it opened */
};

/*
 * A key of an object still open. Keys hold no NUL ("\u0000" and raw controls are
 * refused), so the zero-padded prefix orders keys as memcmp does on their first
 * 8 bytes, and most comparisons never touch the text.
 */
struct key_ref {
    uint64_t prefix;  /* first 8 bytes, big-endian, zero-padded */
    const char *text; /* the raw input when unescaped, else the arena */
    size_t len;       /* decoded length */
    size_t quote;     /* offset of the opening quote: document order */
};

#define SMALL_OBJECT 16 /* up to this many keys, compare pairwise instead of sorting */

struct scanner {
    const unsigned char *in;
    size_t len;
    size_t max_depth;

    struct frame *frames; /* `local` or heap; depth entries in use */
    size_t depth, frames_cap;

    struct key_ref *keys; /* stack of the keys of every open object, innermost last */
    size_t nkeys, keys_cap;

    char *arena; /* unescaped escaped keys, a stack like keys[]; `len` bytes, never moves */
    size_t arena_len;

    enum js_error error;
    size_t error_offset;

    struct frame local[LOCAL_FRAMES];
};

static bool fail(struct scanner *s, enum js_error error, size_t offset)
{
    s->error = error;
    s->error_offset = offset;
    return false;
}

static inline size_t skip_ws(const unsigned char *in, size_t len, size_t i)
{
    while (i < len && (in[i] == ' ' || in[i] == '\n' || in[i] == '\r' || in[i] == '\t'))
        i++;
    return i;
}

static inline bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static inline bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            return false;
        n *= 2;
    }
    void *p = realloc(*buf, n * elem);
    if (!p)
        return false;
    *buf = p;
    *cap = n;
    return true;
}

/*
 * Reads the four hex digits at in[i..i+4) into *out: JS_OK, JS_ESCAPE if one is not
 * hex, JS_UNEXPECTED_END if the input stops first.
 */
static enum js_error read_hex4(const unsigned char *in, size_t len, size_t i, unsigned *out)
{
    unsigned v = 0;
    for (size_t k = i; k < i + 4; k++) {
        if (k >= len)
            return JS_UNEXPECTED_END;
        unsigned c = in[k], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return JS_ESCAPE;
        v = v << 4 | d;
    }
    *out = v;
    return JS_OK;
}

/* Checks the "\u" escape whose backslash is at in[i]; *next gets the offset after it. */
static bool scan_unicode_escape(struct scanner *s, size_t i, size_t *next)
{
    const unsigned char *in = s->in;
    size_t len = s->len;
    unsigned cp = 0, lo = 0;
    enum js_error e;

    if ((e = read_hex4(in, len, i + 2, &cp)) != JS_OK)
        return fail(s, e, e == JS_ESCAPE ? i : len);
    if (cp == 0)
        return fail(s, JS_NUL, i);
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return fail(s, JS_SURROGATE, i);
    if (cp < 0xD800 || cp > 0xDBFF) {
        *next = i + 6;
        return true;
    }
    /* A high surrogate: a low one must follow at once. */
    if (i + 6 >= len || (in[i + 6] == '\\' && i + 7 >= len))
        return fail(s, JS_UNEXPECTED_END, len);
    if (in[i + 6] != '\\' || in[i + 7] != 'u')
        return fail(s, JS_SURROGATE, i);
    if ((e = read_hex4(in, len, i + 8, &lo)) != JS_OK)
        return fail(s, e, e == JS_ESCAPE ? i + 6 : len);
    if (lo < 0xDC00 || lo > 0xDFFF)
        return fail(s, JS_SURROGATE, i);
    *next = i + 12;
    return true;
}

/*
 * Scans the string whose opening quote is at *pos and leaves *pos just after its
 * closing quote. *escaped tells whether it held a backslash.
 */
static bool scan_string(struct scanner *s, size_t *pos, bool *escaped)
{
    const unsigned char *in = s->in;
    size_t len = s->len, i = *pos + 1;
    bool esc = false;

    for (;;) {
        while (i < len && byte_class[in[i]] == C_PLAIN)
            i++;
        if (i >= len)
            return fail(s, JS_UNEXPECTED_END, len);
        unsigned cls = byte_class[in[i]];
        switch (cls) {
        case C_QUOTE:
            *pos = i + 1;
            *escaped = esc;
            return true;
        case C_BSLASH:
            esc = true;
            if (i + 1 >= len)
                return fail(s, JS_UNEXPECTED_END, len);
            switch (in[i + 1]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                i += 2;
                break;
            case 'u':
                if (!scan_unicode_escape(s, i, &i))
                    return false;
                break;
            default:
                return fail(s, JS_ESCAPE, i);
            }
            break;
        case C_CTRL:
            return fail(s, JS_CONTROL, i);
        case C_BAD:
            return fail(s, JS_UTF8, i);
        default: {
            size_t follow = utf8_lead[cls].follow;
            if (i + 1 >= len)
                return fail(s, JS_UNEXPECTED_END, len);
            if (in[i + 1] < utf8_lead[cls].lo || in[i + 1] > utf8_lead[cls].hi)
                return fail(s, JS_UTF8, i);
            for (size_t k = 2; k <= follow; k++) {
                if (i + k >= len)
                    return fail(s, JS_UNEXPECTED_END, len);
                if ((in[i + k] & 0xC0) != 0x80)
                    return fail(s, JS_UTF8, i);
            }
            i += follow + 1;
            break;
        }
        }
    }
}

/* Appends code point cp (a scalar value) as UTF-8; returns the byte count. */
static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * Unescapes the content of an already validated string (between its quotes) into
 * out, which has room for n bytes (unescaping never lengthens). Returns the length.
 */
static size_t unescape(const unsigned char *raw, size_t n, char *out)
{
    size_t i = 0, o = 0;
    while (i < n) {
        if (raw[i] != '\\') {
            out[o++] = (char)raw[i++];
            continue;
        }
        unsigned cp = 0, lo = 0;
        switch (raw[i + 1]) {
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u':
            (void)read_hex4(raw, n, i + 2, &cp);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                (void)read_hex4(raw, n, i + 8, &lo);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            o += put_utf8(out + o, cp);
            i += 4;
            break;
        default: /* '"', '\\', '/' */
            out[o++] = (char)raw[i + 1];
            break;
        }
        i += 2;
    }
    return o;
}

/* Records the key whose quotes are at `quote` and `end - 1` as the current member. */
static bool add_key(struct scanner *s, struct frame *f, size_t quote, size_t end, bool escaped)
{
    if (!grow((void **)&s->keys, &s->keys_cap, s->nkeys + 1, sizeof *s->keys))
        return fail(s, JS_NOMEM, quote);
    struct key_ref *k = &s->keys[s->nkeys];
    size_t raw_len = end - quote - 2;
    k->quote = quote;
    k->text = (const char *)s->in + quote + 1;
    k->len = raw_len;
    if (escaped) {
        /* keys unescape to fewer bytes than the input holds: one block suffices */
        if (!s->arena && !(s->arena = malloc(s->len)))
            return fail(s, JS_NOMEM, quote);
        char *out = s->arena + s->arena_len;
        k->len = unescape(s->in + quote + 1, raw_len, out);
        k->text = out;
        s->arena_len += k->len;
    }
    uint64_t p = 0;
    for (size_t i = 0; i < 8; i++)
        p = p << 8 | (i < k->len ? (unsigned char)k->text[i] : 0);
    k->prefix = p;
    f->key = s->nkeys++;
    return true;
}

static inline bool key_eq(const struct key_ref *x, const struct key_ref *y)
{
    return x->prefix == y->prefix && x->len == y->len &&
           (x->len <= 8 || memcmp(x->text + 8, y->text + 8, x->len - 8) == 0);
}

/* Orders keys by bytes, then by position, so a repeat follows its first use. */
static int key_cmp(const void *a, const void *b)
{
    const struct key_ref *x = a, *y = b;
    if (x->prefix != y->prefix)
        return x->prefix < y->prefix ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    if (n > 8) {
        int r = memcmp(x->text + 8, y->text + 8, n - 8);
        if (r)
            return r;
    }
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return (x->quote > y->quote) - (x->quote < y->quote);
}

/*
 * At the '}' of the object on top: refuses a key used twice, naming the earliest
 * repeat in document order. O(k^2) on prefixes for small objects, else O(k log k).
 */
static bool check_duplicates(struct scanner *s, struct frame *f)
{
    struct key_ref *k = s->keys + f->keys_base;
    size_t n = s->nkeys - f->keys_base, dup = NO_KEY;

    if (n <= SMALL_OBJECT) {
        /* entries are in document order: the first j with an equal earlier key */
        for (size_t j = 1; j < n && dup == NO_KEY; j++)
            for (size_t i = 0; i < j; i++)
                if (key_eq(&k[i], &k[j])) {
                    dup = j;
                    break;
                }
    } else {
        qsort(k, n, sizeof *k, key_cmp);
        for (size_t i = 1; i < n; i++)
            if (key_eq(&k[i], &k[i - 1]) && (dup == NO_KEY || k[i].quote < k[dup].quote))
                dup = i;
    }
    if (dup == NO_KEY)
        return true;
    f->key = f->keys_base + dup; /* so the path names the repeated member */
    return fail(s, JS_DUPLICATE, k[dup].quote);
}

/*
 * Whether the JSON number at in[0..n) (already matched against the grammar) rounds
 * to infinity. Only values of magnitude 1e308..1e309 need strtod; it gets the
 * significant digits without a decimal point, so the locale cannot matter.
 */
static bool number_overflows(const unsigned char *in, size_t n, enum js_error *oom)
{
    const long long EXP_CAP = 1000000000000LL; /* beyond it the verdict cannot change */
    size_t i = 0, int_start, int_end, frac_start = 0, frac_end = 0;
    long long exp = 0;

    if (in[i] == '-')
        i++;
    int_start = i;
    while (i < n && is_digit(in[i]))
        i++;
    int_end = i;
    if (i < n && in[i] == '.') {
        frac_start = ++i;
        while (i < n && is_digit(in[i]))
            i++;
        frac_end = i;
    }
    if (i < n) { /* exponent */
        bool neg = in[++i] == '-';
        if (in[i] == '-' || in[i] == '+')
            i++;
        for (; i < n; i++)
            if (exp < EXP_CAP)
                exp = exp * 10 + (in[i] - '0');
        if (neg)
            exp = -exp;
    }

    /* The first significant digit and its decimal exponent d: value in [1e d, 1e(d+1)). */
    size_t first = int_start;
    while (first < int_end && in[first] == '0')
        first++;
    long long d;
    if (first < int_end) {
        d = (long long)(int_end - first) - 1 + exp;
    } else {
        first = frac_start;
        while (first < frac_end && in[first] == '0')
            first++;
        if (first >= frac_end)
            return false; /* zero */
        d = -(long long)(first - frac_start) - 1 + exp;
    }
    if (d < 308)
        return false;
    if (d > 308)
        return true;

    /* digits then "e" and the exponent of the last digit */
    char local[128], *buf = local;
    size_t digits =
        (first < int_end ? int_end - first + (frac_end - frac_start) : frac_end - first);
    if (digits + 32 > sizeof local && !(buf = malloc(digits + 32))) {
        *oom = JS_NOMEM;
        return false;
    }
    size_t o = 0;
    for (size_t k = first; k < int_end; k++)
        buf[o++] = (char)in[k];
    for (size_t k = first < int_end ? frac_start : first; k < frac_end; k++)
        buf[o++] = (char)in[k];
    snprintf(buf + o, 32, "e%lld", 308 - ((long long)digits - 1));
    bool inf = isinf(strtod(buf, NULL));
    if (buf != local)
        free(buf);
    return inf;
}

/* Scans the number at *pos against the RFC 8259 grammar and leaves *pos after it. */
static bool scan_number(struct scanner *s, size_t *pos)
{
    const unsigned char *in = s->in;
    size_t len = s->len, start = *pos, i = start, int_digits;
    bool has_exp = false;

    if (in[i] == '-' && ++i >= len)
        return fail(s, JS_UNEXPECTED_END, len);
    if (in[i] == '0') {
        i++;
    } else if (in[i] >= '1' && in[i] <= '9') {
        while (i < len && is_digit(in[i]))
            i++;
    } else {
        return fail(s, JS_NUMBER, i);
    }
    int_digits = i - start - (in[start] == '-');
    if (i < len && in[i] == '.') {
        if (++i >= len)
            return fail(s, JS_UNEXPECTED_END, len);
        if (!is_digit(in[i]))
            return fail(s, JS_NUMBER, i);
        while (i < len && is_digit(in[i]))
            i++;
    }
    if (i < len && (in[i] == 'e' || in[i] == 'E')) {
        has_exp = true;
        if (++i < len && (in[i] == '+' || in[i] == '-'))
            i++;
        if (i >= len)
            return fail(s, JS_UNEXPECTED_END, len);
        if (!is_digit(in[i]))
            return fail(s, JS_NUMBER, i);
        while (i < len && is_digit(in[i]))
            i++;
    }
    /* "01", "1.2.3", "1e5e", "0x1F", "1-2": the number goes on where it must not */
    if (i < len &&
        (is_digit(in[i]) || is_alpha(in[i]) || in[i] == '.' || in[i] == '+' || in[i] == '-'))
        return fail(s, JS_NUMBER, i);
    if (has_exp || int_digits > 300) {
        enum js_error oom = JS_OK;
        bool inf = number_overflows(in + start, i - start, &oom);
        if (oom != JS_OK)
            return fail(s, oom, start);
        if (inf)
            return fail(s, JS_NUMBER_RANGE, start);
    }
    *pos = i;
    return true;
}

/* Matches the literal `word` at *pos. */
static bool scan_literal(struct scanner *s, size_t *pos, const char *word, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (*pos + k >= s->len)
            return fail(s, JS_UNEXPECTED_END, s->len);
        if (s->in[*pos + k] != (unsigned char)word[k])
            return fail(s, JS_SYNTAX, *pos + k);
    }
    *pos += n;
    return true;
}

/* Opens a container at the bracket at `pos`. */
static bool push(struct scanner *s, bool is_object, size_t pos)
{
    if (s->depth >= s->max_depth)
        return fail(s, JS_TOO_DEEP, pos);
    if (s->depth == s->frames_cap) {
        size_t cap = s->frames_cap * 2;
        if (cap > s->max_depth)
            cap = s->max_depth;
        struct frame *f = malloc(cap * sizeof *f);
        if (!f)
            return fail(s, JS_NOMEM, pos);
        memcpy(f, s->frames, s->depth * sizeof *f);
        if (s->frames != s->local)
            free(s->frames);
        s->frames = f;
        s->frames_cap = cap;
    }
    struct frame *f = &s->frames[s->depth++];
    f->is_object = is_object;
    f->index = 0;
    f->key = NO_KEY;
    f->keys_base = s->nkeys;
    f->arena_base = s->arena_len;
    return true;
}

static void pop(struct scanner *s)
{
    struct frame *f = &s->frames[--s->depth];
    if (f->is_object) {
        s->nkeys = f->keys_base;
        s->arena_len = f->arena_base;
    }
}

/* The whole document, iteratively: the depth is bounded by frames, not the C stack. */
static bool scan(struct scanner *s)
{
    const unsigned char *in = s->in;
    size_t len = s->len, pos = 0;
    struct frame *f;
    bool escaped;

    if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF)
        return fail(s, JS_BOM, 0);
    pos = skip_ws(in, len, 0);
    if (pos == len)
        return fail(s, JS_EMPTY, pos);

value:
    pos = skip_ws(in, len, pos);
    if (pos >= len)
        return fail(s, JS_UNEXPECTED_END, len);
    switch (in[pos]) {
    case '{':
        if (!push(s, true, pos))
            return false;
        pos = skip_ws(in, len, pos + 1);
        if (pos < len && in[pos] == '}') {
            pos++;
            pop(s);
            goto after_value;
        }
        goto member;
    case '[':
        if (!push(s, false, pos))
            return false;
        pos = skip_ws(in, len, pos + 1);
        if (pos < len && in[pos] == ']') {
            pos++;
            pop(s);
            goto after_value;
        }
        goto value;
    case '"':
        if (!scan_string(s, &pos, &escaped))
            return false;
        goto after_value;
    case 't':
        if (!scan_literal(s, &pos, "true", 4))
            return false;
        goto after_value;
    case 'f':
        if (!scan_literal(s, &pos, "false", 5))
            return false;
        goto after_value;
    case 'n':
        if (!scan_literal(s, &pos, "null", 4))
            return false;
        goto after_value;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        if (!scan_number(s, &pos))
            return false;
        goto after_value;
    case '+':
    case '.':
    case 'I':
    case 'N':
        return fail(s, JS_NUMBER, pos); /* +1, .5, Infinity, NaN */
    default:
        return fail(s, JS_SYNTAX, pos);
    }

member: /* at the opening quote of a key, after '{' or ',' and whitespace */
    if (pos >= len)
        return fail(s, JS_UNEXPECTED_END, len);
    if (in[pos] != '"')
        return fail(s, JS_SYNTAX, pos);
    {
        size_t quote = pos;
        if (!scan_string(s, &pos, &escaped))
            return false;
        if (!add_key(s, &s->frames[s->depth - 1], quote, pos, escaped))
            return false;
    }
    pos = skip_ws(in, len, pos);
    if (pos >= len)
        return fail(s, JS_UNEXPECTED_END, len);
    if (in[pos] != ':')
        return fail(s, JS_SYNTAX, pos);
    pos++;
    goto value;

after_value:
    pos = skip_ws(in, len, pos);
    if (s->depth == 0)
        return pos == len ? true : fail(s, JS_TRAILING, pos);
    if (pos >= len)
        return fail(s, JS_UNEXPECTED_END, len);
    f = &s->frames[s->depth - 1];
    if (in[pos] == ',') {
        pos = skip_ws(in, len, pos + 1);
        if (!f->is_object) {
            f->index++;
            goto value;
        }
        f->key = NO_KEY;
        goto member;
    }
    if (in[pos] == (f->is_object ? '}' : ']')) {
        if (f->is_object && !check_duplicates(s, f))
            return false;
        pos++;
        pop(s);
        goto after_value;
    }
    return fail(s, JS_SYNTAX, pos);
}

/* Appends whole units to a bounded path; once one does not fit, nothing more goes in. */
struct path_writer {
    char *buf;
    size_t len, cap; /* cap leaves room for the ellipsis and the NUL */
    bool truncated;
};

static void path_put(struct path_writer *w, const char *unit, size_t n)
{
    if (w->truncated || w->len + n > w->cap) {
        w->truncated = true;
        return;
    }
    memcpy(w->buf + w->len, unit, n);
    w->len += n;
}

static bool is_identifier(const char *k, size_t n)
{
    if (n == 0 || is_digit((unsigned char)k[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alpha((unsigned char)k[i]) && !is_digit((unsigned char)k[i]) && k[i] != '_')
            return false;
    return true;
}

/* ".name" for identifiers, else ['...'] with ' and \ escaped and controls as \u00XX. */
static void path_put_key(struct path_writer *w, const char *k, size_t n)
{
    if (is_identifier(k, n)) {
        path_put(w, ".", 1);
        path_put(w, k, n);
        return;
    }
    path_put(w, "['", 2);
    for (size_t i = 0; i < n && !w->truncated;) {
        unsigned char c = (unsigned char)k[i];
        char unit[8];
        size_t u = 1;
        if (c == '\'' || c == '\\') {
            unit[0] = '\\';
            unit[1] = (char)c;
            path_put(w, unit, 2);
        } else if (c < 0x20 || c == 0x7F) {
            snprintf(unit, sizeof unit, "\\u%04x", c);
            path_put(w, unit, 6);
        } else {
            /* decoded keys are valid UTF-8: keep a character whole */
            u = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            if (u > n - i)
                u = n - i;
            path_put(w, k + i, u);
        }
        i += u;
    }
    path_put(w, "']", 2);
}

/* The JSONPath of the value being parsed when the scan stopped. */
static void render_path(const struct scanner *s, char *buf, size_t size)
{
    struct path_writer w = {buf, 0, size - 1 - strlen(PATH_ELLIPSIS), false};

    path_put(&w, "$", 1);
    for (size_t d = 0; d < s->depth && !w.truncated; d++) {
        const struct frame *f = &s->frames[d];
        if (!f->is_object) {
            char unit[32];
            int n = snprintf(unit, sizeof unit, "[%zu]", f->index);
            path_put(&w, unit, (size_t)n);
        } else if (f->key != NO_KEY) {
            const struct key_ref *k = &s->keys[f->key];
            path_put_key(&w, k->text, k->len);
        }
    }
    if (w.truncated) {
        memcpy(buf + w.len, PATH_ELLIPSIS, strlen(PATH_ELLIPSIS));
        w.len += strlen(PATH_ELLIPSIS);
    }
    buf[w.len] = '\0';
}

static void set_error(struct json_strict_error *err, enum js_error e, size_t offset)
{
    if (!err)
        return;
    err->offset = offset;
    err->code = js_error_text[e].code;
    err->message = js_error_text[e].message;
    snprintf(err->path, sizeof err->path, "$");
}

static cJSON *parse(const char *buf, size_t len, bool terminated, int max_depth,
                    struct json_strict_error *err)
{
    struct scanner s;

    if (err) {
        err->offset = 0;
        err->code = NULL;
        err->message = NULL;
        err->path[0] = '\0';
    }
    if (!buf)
        len = 0;
    memset(&s, 0, offsetof(struct scanner, local));
    s.in = (const unsigned char *)buf;
    s.len = len;
    s.max_depth = max_depth < 0 ? 0 : (size_t)max_depth;
    if (s.max_depth > CJSON_NESTING_LIMIT)
        s.max_depth = CJSON_NESTING_LIMIT;
    s.frames = s.local;
    s.frames_cap = LOCAL_FRAMES;

    bool ok = scan(&s);
    if (!ok && err) {
        set_error(err, s.error, s.error_offset);
        render_path(&s, err->path, sizeof err->path);
    }
    if (s.frames != s.local)
        free(s.frames);
    free(s.keys);
    free(s.arena);
    if (!ok)
        return NULL;

    /* cJSON wants the terminating NUL inside the length it is given. */
    char *copy = NULL;
    if (!terminated || buf == NULL) {
        copy = cJSON_malloc(len + 1);
        if (!copy) {
            set_error(err, JS_NOMEM, 0);
            return NULL;
        }
        if (len > 0)
            memcpy(copy, buf, len);
        copy[len] = '\0';
        buf = copy;
    }
    const char *end = NULL;
    cJSON *tree = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
    cJSON_free(copy);
    if (!tree) /* the bytes are valid, so cJSON can only have run out of memory */
        set_error(err, JS_NOMEM, 0);
    return tree;
}

cJSON *json_strict_parse(const char *buf, size_t len, int max_depth, struct json_strict_error *err)
{
    return parse(buf, len, false, max_depth, err);
}

cJSON *json_strict_parse_terminated(const char *buf, size_t len, int max_depth,
                                    struct json_strict_error *err)
{
    return parse(buf, len, true, max_depth, err);
}
