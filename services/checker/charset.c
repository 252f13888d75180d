/* Character set detection (BOM, HTTP label, <meta> prescan, uchardet) and iconv conversion. */
#include "charset.h"

#include <assert.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uchardet.h>

#include "textfold.h"

#define PRESCAN_BYTES 1024
#define GUESS_BYTES   (64 * 1024)

static const struct {
    const char *name;  /* WHATWG name */
    const char *iconv; /* glibc iconv's name */
} charsets[] = {
    [CHARSET_UTF8] = {"utf-8", "UTF-8"},
    [CHARSET_WINDOWS_1251] = {"windows-1251", "WINDOWS-1251"},
    [CHARSET_KOI8_R] = {"koi8-r", "KOI8-R"},
    [CHARSET_KOI8_U] = {"koi8-u", "KOI8-U"},
    [CHARSET_IBM866] = {"ibm866", "IBM866"},
    [CHARSET_ISO_8859_5] = {"iso-8859-5", "ISO-8859-5"},
    [CHARSET_MAC_CYRILLIC] = {"x-mac-cyrillic", "MAC-CYRILLIC"},
    [CHARSET_WINDOWS_1252] = {"windows-1252", "WINDOWS-1252"},
    [CHARSET_WINDOWS_1250] = {"windows-1250", "WINDOWS-1250"},
    [CHARSET_ISO_8859_2] = {"iso-8859-2", "ISO-8859-2"},
    [CHARSET_ISO_8859_15] = {"iso-8859-15", "ISO-8859-15"},
    [CHARSET_EUC_JP] = {"euc-jp", "EUC-JP"},
    [CHARSET_SHIFT_JIS] = {"shift_jis", "SHIFT_JIS"},
    [CHARSET_ISO_2022_JP] = {"iso-2022-jp", "ISO-2022-JP"},
    [CHARSET_GBK] = {"gbk", "GBK"},
    [CHARSET_GB18030] = {"gb18030", "GB18030"},
    [CHARSET_BIG5] = {"big5", "BIG5-HKSCS"},
    [CHARSET_EUC_KR] = {"euc-kr", "EUC-KR"},
    [CHARSET_UTF16LE] = {"utf-16le", "UTF-16LE"},
    [CHARSET_UTF16BE] = {"utf-16be", "UTF-16BE"},
};
static_assert(sizeof(charsets) / sizeof(charsets[0]) == CHARSET_MAX, "every charset has names");

static const char *const source_names[] = {
    [CHARSET_FROM_BOM] = "bom",     [CHARSET_FROM_HTTP] = "http",
    [CHARSET_FROM_META] = "meta",   [CHARSET_FROM_UTF8_CHECK] = "utf8_check",
    [CHARSET_FROM_GUESS] = "guess", [CHARSET_FROM_DEFAULT] = "default",
};
static_assert(sizeof(source_names) / sizeof(source_names[0]) == CHARSET_SOURCE_MAX,
              "every charset source has a name");

/* WHATWG Encoding Standard labels (the subset above), then misspellings seen in the wild. */
static const struct {
    const char *label;
    enum charset charset;
} labels[] = {
    {"unicode-1-1-utf-8", CHARSET_UTF8},
    {"unicode11utf8", CHARSET_UTF8},
    {"unicode20utf8", CHARSET_UTF8},
    {"utf-8", CHARSET_UTF8},
    {"utf8", CHARSET_UTF8},
    {"x-unicode20utf8", CHARSET_UTF8},
    {"cp1251", CHARSET_WINDOWS_1251},
    {"windows-1251", CHARSET_WINDOWS_1251},
    {"x-cp1251", CHARSET_WINDOWS_1251},
    {"cskoi8r", CHARSET_KOI8_R},
    {"koi", CHARSET_KOI8_R},
    {"koi8", CHARSET_KOI8_R},
    {"koi8-r", CHARSET_KOI8_R},
    {"koi8_r", CHARSET_KOI8_R},
    {"koi8-ru", CHARSET_KOI8_U},
    {"koi8-u", CHARSET_KOI8_U},
    {"866", CHARSET_IBM866},
    {"cp866", CHARSET_IBM866},
    {"csibm866", CHARSET_IBM866},
    {"ibm866", CHARSET_IBM866},
    {"csisolatincyrillic", CHARSET_ISO_8859_5},
    {"cyrillic", CHARSET_ISO_8859_5},
    {"iso-8859-5", CHARSET_ISO_8859_5},
    {"iso-ir-144", CHARSET_ISO_8859_5},
    {"iso8859-5", CHARSET_ISO_8859_5},
    {"iso88595", CHARSET_ISO_8859_5},
    {"iso_8859-5", CHARSET_ISO_8859_5},
    {"iso_8859-5:1988", CHARSET_ISO_8859_5},
    {"x-mac-cyrillic", CHARSET_MAC_CYRILLIC},
    {"x-mac-ukrainian", CHARSET_MAC_CYRILLIC},
    {"ansi_x3.4-1968", CHARSET_WINDOWS_1252},
    {"ascii", CHARSET_WINDOWS_1252},
    {"cp1252", CHARSET_WINDOWS_1252},
    {"cp819", CHARSET_WINDOWS_1252},
    {"csisolatin1", CHARSET_WINDOWS_1252},
    {"ibm819", CHARSET_WINDOWS_1252},
    {"iso-8859-1", CHARSET_WINDOWS_1252},
    {"iso-ir-100", CHARSET_WINDOWS_1252},
    {"iso8859-1", CHARSET_WINDOWS_1252},
    {"iso88591", CHARSET_WINDOWS_1252},
    {"iso_8859-1", CHARSET_WINDOWS_1252},
    {"iso_8859-1:1987", CHARSET_WINDOWS_1252},
    {"l1", CHARSET_WINDOWS_1252},
    {"latin1", CHARSET_WINDOWS_1252},
    {"us-ascii", CHARSET_WINDOWS_1252},
    {"windows-1252", CHARSET_WINDOWS_1252},
    {"x-cp1252", CHARSET_WINDOWS_1252},
    {"cp1250", CHARSET_WINDOWS_1250},
    {"windows-1250", CHARSET_WINDOWS_1250},
    {"x-cp1250", CHARSET_WINDOWS_1250},
    {"csisolatin2", CHARSET_ISO_8859_2},
    {"iso-8859-2", CHARSET_ISO_8859_2},
    {"iso-ir-101", CHARSET_ISO_8859_2},
    {"iso8859-2", CHARSET_ISO_8859_2},
    {"iso88592", CHARSET_ISO_8859_2},
    {"iso_8859-2", CHARSET_ISO_8859_2},
    {"iso_8859-2:1987", CHARSET_ISO_8859_2},
    {"l2", CHARSET_ISO_8859_2},
    {"latin2", CHARSET_ISO_8859_2},
    {"csisolatin9", CHARSET_ISO_8859_15},
    {"iso-8859-15", CHARSET_ISO_8859_15},
    {"iso8859-15", CHARSET_ISO_8859_15},
    {"iso885915", CHARSET_ISO_8859_15},
    {"iso_8859-15", CHARSET_ISO_8859_15},
    {"l9", CHARSET_ISO_8859_15},
    {"cseucpkdfmtjapanese", CHARSET_EUC_JP},
    {"euc-jp", CHARSET_EUC_JP},
    {"x-euc-jp", CHARSET_EUC_JP},
    {"csshiftjis", CHARSET_SHIFT_JIS},
    {"ms932", CHARSET_SHIFT_JIS},
    {"ms_kanji", CHARSET_SHIFT_JIS},
    {"shift-jis", CHARSET_SHIFT_JIS},
    {"shift_jis", CHARSET_SHIFT_JIS},
    {"sjis", CHARSET_SHIFT_JIS},
    {"windows-31j", CHARSET_SHIFT_JIS},
    {"x-sjis", CHARSET_SHIFT_JIS},
    {"csiso2022jp", CHARSET_ISO_2022_JP},
    {"iso-2022-jp", CHARSET_ISO_2022_JP},
    {"chinese", CHARSET_GBK},
    {"csgb2312", CHARSET_GBK},
    {"csiso58gb231280", CHARSET_GBK},
    {"gb2312", CHARSET_GBK},
    {"gb_2312", CHARSET_GBK},
    {"gb_2312-80", CHARSET_GBK},
    {"gbk", CHARSET_GBK},
    {"iso-ir-58", CHARSET_GBK},
    {"x-gbk", CHARSET_GBK},
    {"gb18030", CHARSET_GB18030},
    {"big5", CHARSET_BIG5},
    {"big5-hkscs", CHARSET_BIG5},
    {"cn-big5", CHARSET_BIG5},
    {"csbig5", CHARSET_BIG5},
    {"x-x-big5", CHARSET_BIG5},
    {"cseuckr", CHARSET_EUC_KR},
    {"csksc56011987", CHARSET_EUC_KR},
    {"euc-kr", CHARSET_EUC_KR},
    {"iso-ir-149", CHARSET_EUC_KR},
    {"korean", CHARSET_EUC_KR},
    {"ks_c_5601-1987", CHARSET_EUC_KR},
    {"ks_c_5601-1989", CHARSET_EUC_KR},
    {"ksc5601", CHARSET_EUC_KR},
    {"ksc_5601", CHARSET_EUC_KR},
    {"windows-949", CHARSET_EUC_KR},
    {"csunicode", CHARSET_UTF16LE},
    {"iso-10646-ucs-2", CHARSET_UTF16LE},
    {"ucs-2", CHARSET_UTF16LE},
    {"unicode", CHARSET_UTF16LE},
    {"unicodefeff", CHARSET_UTF16LE},
    {"utf-16", CHARSET_UTF16LE},
    {"utf-16le", CHARSET_UTF16LE},
    {"unicodefffe", CHARSET_UTF16BE},
    {"utf-16be", CHARSET_UTF16BE},
    /* Not in the standard: what uchardet answers and what school sites misspell. */
    {"mac-cyrillic", CHARSET_MAC_CYRILLIC},
    {"maccyrillic", CHARSET_MAC_CYRILLIC},
    {"win-1251", CHARSET_WINDOWS_1251},
    {"win1251", CHARSET_WINDOWS_1251},
    {"windows1251", CHARSET_WINDOWS_1251},
    {"cp-1251", CHARSET_WINDOWS_1251},
    {"win-1252", CHARSET_WINDOWS_1252},
    {"windows1252", CHARSET_WINDOWS_1252},
    {"koi8r", CHARSET_KOI8_R},
    {"koi8u", CHARSET_KOI8_U},
};

const char *charset_name(enum charset cs)
{
    return (unsigned)cs < CHARSET_MAX ? charsets[cs].name : "?";
}

const char *charset_source_name(enum charset_source source)
{
    return (unsigned)source < CHARSET_SOURCE_MAX ? source_names[source] : "?";
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* Lower case with '_', '-' and ' ' removed: "Windows_1251" and "win 1251" compare alike. */
static size_t squash(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '-' || c == '_' || c == ' ')
            continue;
        out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return o;
}

bool charset_from_label(const char *label, size_t len, enum charset *out)
{
    while (len > 0 && is_space((unsigned char)*label)) {
        label++;
        len--;
    }
    while (len > 0 && is_space((unsigned char)label[len - 1]))
        len--;
    if (len == 0 || len > 40)
        return false;
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        if (strlen(labels[i].label) == len && strncasecmp(labels[i].label, label, len) == 0) {
            *out = labels[i].charset;
            return true;
        }
    }
    /* Misspellings: compare without separators ("cp_1251", "WIN 1251", "utf_8"). */
    char want[48], have[48];
    size_t wn = squash(label, len, want, sizeof(want));
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        size_t hn = squash(labels[i].label, strlen(labels[i].label), have, sizeof(have));
        if (hn == wn && memcmp(have, want, wn) == 0 && wn >= 4) {
            *out = labels[i].charset;
            return true;
        }
    }
    return false;
}

/*
 * The standard's "extract a character encoding from a meta element" on value[0..len): the label
 * after "charset", optional spaces, '=', optional spaces, quoted or up to a space or ';'.
 */
static bool charset_param(const char *v, size_t len, const char **label, size_t *label_len)
{
    size_t pos = 0;
    for (;;) {
        const char *hit = NULL;
        for (size_t i = pos; i + 7 <= len; i++) {
            if (strncasecmp(v + i, "charset", 7) == 0) {
                hit = v + i;
                break;
            }
        }
        if (hit == NULL)
            return false;
        pos = (size_t)(hit - v) + 7;
        while (pos < len && is_space((unsigned char)v[pos]))
            pos++;
        if (pos >= len || v[pos] != '=')
            continue; /* look again from here */
        pos++;
        while (pos < len && is_space((unsigned char)v[pos]))
            pos++;
        if (pos >= len)
            return false;
        if (v[pos] == '"' || v[pos] == '\'') {
            char q = v[pos];
            const char *end = memchr(v + pos + 1, q, len - pos - 1);
            if (end == NULL)
                return false;
            *label = v + pos + 1;
            *label_len = (size_t)(end - (v + pos + 1));
            return true;
        }
        size_t start = pos;
        while (pos < len && !is_space((unsigned char)v[pos]) && v[pos] != ';')
            pos++;
        *label = v + start;
        *label_len = pos - start;
        return true;
    }
}

bool charset_from_content_type(const char *content_type, enum charset *out)
{
    if (content_type == NULL)
        return false;
    const char *semi = strchr(content_type, ';');
    if (semi == NULL)
        return false;
    const char *label;
    size_t n;
    return charset_param(semi, strlen(semi), &label, &n) && charset_from_label(label, n, out);
}

/* ---- the prescan (HTML Standard, "prescan a byte stream to determine its encoding") ---------- */

struct scan {
    const unsigned char *b;
    size_t len, pos;
};

#define ATTR_MAX 64

struct attr {
    char name[ATTR_MAX + 1];
    char value[ATTR_MAX * 4 + 1];
    size_t name_len, value_len;
};

static bool at_space_or_slash(const struct scan *s)
{
    return is_space(s->b[s->pos]) || s->b[s->pos] == '/';
}

static void append(char *buf, size_t *n, size_t cap, unsigned char c)
{
    if (*n < cap)
        buf[(*n)++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* "Get an attribute": 1 with one read, 0 at '>' (no more), -1 past the end of the input. */
static int get_attribute(struct scan *s, struct attr *a)
{
    a->name_len = a->value_len = 0;
    while (s->pos < s->len && at_space_or_slash(s))
        s->pos++;
    if (s->pos >= s->len)
        return -1;
    if (s->b[s->pos] == '>')
        return 0;
    for (;; s->pos++) { /* the name */
        if (s->pos >= s->len)
            return -1;
        unsigned char c = s->b[s->pos];
        if (c == '=' && a->name_len > 0) {
            s->pos++;
            goto value;
        }
        if (is_space(c))
            break;
        if (c == '/' || c == '>')
            return 1;
        append(a->name, &a->name_len, ATTR_MAX, c);
    }
    while (s->pos < s->len && is_space(s->b[s->pos])) /* spaces before '=' */
        s->pos++;
    if (s->pos >= s->len)
        return -1;
    if (s->b[s->pos] != '=')
        return 1;
    s->pos++;
value:
    while (s->pos < s->len && is_space(s->b[s->pos]))
        s->pos++;
    if (s->pos >= s->len)
        return -1;
    unsigned char c = s->b[s->pos];
    if (c == '"' || c == '\'') {
        unsigned char quote = c;
        for (s->pos++;; s->pos++) {
            if (s->pos >= s->len)
                return -1;
            if (s->b[s->pos] == quote) {
                s->pos++;
                return 1;
            }
            append(a->value, &a->value_len, sizeof(a->value) - 1, s->b[s->pos]);
        }
    }
    if (c == '>')
        return 1;
    for (;; s->pos++) {
        if (s->pos >= s->len)
            return -1;
        c = s->b[s->pos];
        if (is_space(c) || c == '>')
            return 1;
        append(a->value, &a->value_len, sizeof(a->value) - 1, c);
    }
}

static bool starts_ci(const struct scan *s, const char *lit)
{
    size_t n = strlen(lit);
    return s->pos + n <= s->len && strncasecmp((const char *)s->b + s->pos, lit, n) == 0;
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* One <meta ...>: its attributes decide; true with *out when it names a usable encoding. */
static int scan_meta(struct scan *s, enum charset *out)
{
    char seen[8][ATTR_MAX + 1];
    int n_seen = 0;
    bool got_pragma = false;
    int need_pragma = -1; /* -1 null, 0 false, 1 true */
    enum charset cs = CHARSET_MAX;
    bool have_cs = false;
    struct attr a;
    int r;
    while ((r = get_attribute(s, &a)) == 1) {
        a.name[a.name_len] = '\0';
        a.value[a.value_len] = '\0';
        bool dup = false;
        for (int i = 0; i < n_seen; i++)
            dup = dup || strcmp(seen[i], a.name) == 0;
        if (dup)
            continue;
        if (n_seen < 8)
            memcpy(seen[n_seen++], a.name, a.name_len + 1);
        if (strcmp(a.name, "http-equiv") == 0) {
            if (strcmp(a.value, "content-type") == 0)
                got_pragma = true;
        } else if (strcmp(a.name, "content") == 0) {
            const char *label;
            size_t label_len;
            enum charset found;
            if (!have_cs && charset_param(a.value, a.value_len, &label, &label_len) &&
                charset_from_label(label, label_len, &found)) {
                have_cs = true;
                cs = found;
                need_pragma = 1;
            }
        } else if (strcmp(a.name, "charset") == 0 && !have_cs) {
            /* a bogus label still counts: "failure" is not "null" */
            have_cs = true;
            if (!charset_from_label(a.value, a.value_len, &cs))
                cs = CHARSET_MAX;
            need_pragma = 0;
        }
    }
    if (r < 0)
        return -1;
    if (need_pragma < 0 || (need_pragma == 1 && !got_pragma) || !have_cs || cs == CHARSET_MAX)
        return 0;
    if (cs == CHARSET_UTF16LE || cs == CHARSET_UTF16BE)
        cs = CHARSET_UTF8;
    *out = cs;
    return 1;
}

bool charset_prescan(const char *buf, size_t len, enum charset *out)
{
    struct scan s = {(const unsigned char *)buf, len < PRESCAN_BYTES ? len : PRESCAN_BYTES, 0};
    while (s.pos < s.len) {
        if (starts_ci(&s, "<!--")) {
            /* to the '>' of the first "-->" after "<!" ("<!-->" closes itself) */
            size_t p = s.pos + 2;
            while (p + 3 <= s.len && memcmp(s.b + p, "-->", 3) != 0)
                p++;
            if (p + 3 > s.len)
                return false;
            s.pos = p + 3;
            continue;
        }
        if (starts_ci(&s, "<meta") && s.pos + 5 < s.len &&
            (is_space(s.b[s.pos + 5]) || s.b[s.pos + 5] == '/')) {
            s.pos += 5;
            int r = scan_meta(&s, out);
            if (r != 0)
                return r > 0;
            s.pos++;
            continue;
        }
        if (s.b[s.pos] == '<' && s.pos + 1 < s.len &&
            (is_alpha(s.b[s.pos + 1]) ||
             (s.b[s.pos + 1] == '/' && s.pos + 2 < s.len && is_alpha(s.b[s.pos + 2])))) {
            while (s.pos < s.len && !is_space(s.b[s.pos]) && s.b[s.pos] != '>')
                s.pos++;
            struct attr a;
            int r;
            while ((r = get_attribute(&s, &a)) == 1) {
            }
            if (r < 0)
                return false;
            s.pos++;
            continue;
        }
        if (starts_ci(&s, "<!") || starts_ci(&s, "</") || starts_ci(&s, "<?")) {
            const void *gt = memchr(s.b + s.pos, '>', s.len - s.pos);
            if (gt == NULL)
                return false;
            s.pos = (size_t)((const unsigned char *)gt - s.b) + 1;
            continue;
        }
        s.pos++;
    }
    return false;
}

/* ---- the decision ---------------------------------------------------------------------------- */

static bool has_non_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] >= 0x80)
            return true;
    }
    return false;
}

static bool guess(const char *body, size_t len, enum charset *out)
{
    uchardet_t ud = uchardet_new();
    if (ud == NULL)
        return false;
    bool ok = false;
    if (uchardet_handle_data(ud, body, len < GUESS_BYTES ? len : GUESS_BYTES) == 0) {
        uchardet_data_end(ud);
        const char *name = uchardet_get_charset(ud);
        ok = name != NULL && name[0] != '\0' && charset_from_label(name, strlen(name), out);
    }
    uchardet_delete(ud);
    return ok;
}

struct charset_decision charset_decide(const char *content_type, const char *body, size_t len)
{
    struct charset_decision d = {CHARSET_UTF8, CHARSET_FROM_BOM, 0};
    const unsigned char *b = (const unsigned char *)body;
    if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        d.bom_len = 3;
        return d;
    }
    if (len >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE))) {
        d.charset = b[0] == 0xFE ? CHARSET_UTF16BE : CHARSET_UTF16LE;
        d.bom_len = 2;
        return d;
    }
    enum charset cs;
    bool labelled = false;
    if (charset_from_content_type(content_type, &cs)) {
        d.charset = cs;
        d.source = CHARSET_FROM_HTTP;
        labelled = true;
    } else if (charset_prescan(body, len, &cs)) {
        d.charset = cs;
        d.source = CHARSET_FROM_META;
        labelled = true;
    }
    bool utf16 = d.charset == CHARSET_UTF16LE || d.charset == CHARSET_UTF16BE;
    if (labelled) {
        /* A legacy label over well-formed UTF-8 text is a mislabel: UTF-8 it is. */
        if (d.charset != CHARSET_UTF8 && !utf16 && has_non_ascii(body, len) &&
            utf8_valid(body, len)) {
            d.charset = CHARSET_UTF8;
            d.source = CHARSET_FROM_UTF8_CHECK;
        }
        return d;
    }
    if (utf8_valid(body, len)) {
        d.charset = CHARSET_UTF8;
        d.source = CHARSET_FROM_UTF8_CHECK;
    } else if (guess(body, len, &cs)) {
        d.charset = cs;
        d.source = CHARSET_FROM_GUESS;
    } else {
        d.charset = CHARSET_WINDOWS_1251;
        d.source = CHARSET_FROM_DEFAULT;
    }
    return d;
}

/* ---- conversion ------------------------------------------------------------------------------ */

static const char replacement[] = "\xEF\xBF\xBD";

static char *sanitize_utf8(const char *in, size_t len, size_t *out_len)
{
    char *out = malloc(len * 3 + 4);
    if (out == NULL)
        return NULL;
    size_t o = 0, i = 0;
    while (i < len) {
        if ((unsigned char)in[i] < 0x80) {
            out[o++] = in[i++];
            continue;
        }
        size_t start = i;
        uint32_t cp = utf8_next(in, len, &i);
        if (cp == 0xFFFD && i - start != 3) {
            memcpy(out + o, replacement, 3);
            o += 3;
        } else {
            memcpy(out + o, in + start, i - start);
            o += i - start;
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

char *charset_to_utf8(enum charset cs, const char *in, size_t len, size_t *out_len)
{
    if ((unsigned)cs >= CHARSET_MAX)
        return NULL;
    if (cs == CHARSET_UTF8)
        return sanitize_utf8(in, len, out_len);
    iconv_t cd = iconv_open("UTF-8", charsets[cs].iconv);
    if (cd == (iconv_t)-1)
        return NULL;
    /* Every input byte yields at most 3 output bytes (U+FFFD for a bad byte included). */
    size_t cap = len * 3 + 8;
    char *out = malloc(cap + 1);
    if (out == NULL) {
        iconv_close(cd);
        return NULL;
    }
    char *ip = (char *)in, *op = out;
    size_t il = len, ol = cap;
    while (il > 0) {
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG || ol < 3)
            break; /* cannot happen with the bound above; keep what was converted */
        memcpy(op, replacement, 3); /* EILSEQ: skip one byte; EINVAL: the input ends inside */
        op += 3;
        ol -= 3;
        if (errno == EINVAL) {
            il = 0;
            break;
        }
        ip++;
        il--;
        iconv(cd, NULL, NULL, NULL, NULL); /* reset a stateful decoder after the bad byte */
    }
    size_t flush_room = ol;
    if (iconv(cd, NULL, NULL, &op, &flush_room) != (size_t)-1)
        ol = flush_room;
    iconv_close(cd);
    *out_len = (size_t)(op - out);
    out[*out_len] = '\0';
    return out;
}
