/* Character sets of fetched pages: labels, BOM, <meta> prescan, guessing, conversion to UTF-8. */
#ifndef CHECKER_CHARSET_H
#define CHECKER_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

/* The encodings a label can name (WHATWG names); CHARSET_MAX is "unknown". */
enum charset {
    CHARSET_UTF8,
    CHARSET_WINDOWS_1251,
    CHARSET_KOI8_R,
    CHARSET_KOI8_U,
    CHARSET_IBM866,
    CHARSET_ISO_8859_5,
    CHARSET_MAC_CYRILLIC,
    CHARSET_WINDOWS_1252,
    CHARSET_WINDOWS_1250,
    CHARSET_ISO_8859_2,
    CHARSET_ISO_8859_15,
    CHARSET_EUC_JP,
    CHARSET_SHIFT_JIS,
    CHARSET_ISO_2022_JP,
    CHARSET_GBK,
    CHARSET_GB18030,
    CHARSET_BIG5,
    CHARSET_EUC_KR,
    CHARSET_UTF16LE,
    CHARSET_UTF16BE,
    CHARSET_MAX
};

/* Where the decision came from (reported in debug logs and tested). */
enum charset_source {
    CHARSET_FROM_BOM,        /* byte order mark */
    CHARSET_FROM_HTTP,       /* Content-Type: ...; charset= */
    CHARSET_FROM_META,       /* <meta charset> or http-equiv in the first 1024 bytes */
    CHARSET_FROM_UTF8_CHECK, /* labelled legacy (or not labelled) but well-formed UTF-8 */
    CHARSET_FROM_GUESS,      /* no label: uchardet */
    CHARSET_FROM_DEFAULT,    /* no label, no guess: windows-1251 (Russian school sites) */
    CHARSET_SOURCE_MAX
};

struct charset_decision {
    enum charset charset;
    enum charset_source source;
    size_t bom_len; /* bytes of byte order mark to skip (0 without one) */
};

/* The WHATWG name ("windows-1251"); "?" for CHARSET_MAX. */
const char *charset_name(enum charset cs);
const char *charset_source_name(enum charset_source source);

/*
 * A label (case-insensitive, surrounding whitespace ignored) to its encoding: the
 * WHATWG labels ("cp1251", "latin1", "utf8"...) and the misspellings seen on school sites
 * ("win-1251", "cp-1251", "windows1251", "koi8r"). False when unknown.
 */
bool charset_from_label(const char *label, size_t len, enum charset *out)
    __attribute__((warn_unused_result));

/* The charset parameter of a Content-Type value, when present and known. */
bool charset_from_content_type(const char *content_type, enum charset *out)
    __attribute__((warn_unused_result));

/*
 * The HTML standard's prescan of the first 1024 bytes for <meta charset> or
 * <meta http-equiv="content-type" content="...charset=...">, skipping comments and other tags
 * (a byte scan, no parser). A UTF-16 label reads as UTF-8, as the standard says. False when no
 * usable label was found.
 */
bool charset_prescan(const char *buf, size_t len, enum charset *out)
    __attribute__((warn_unused_result));

/*
 * The page's encoding: BOM, then the HTTP label, then the prescan; a legacy label on a body that
 * is well-formed UTF-8 with non-ASCII text gives UTF-8; no label: UTF-8 when well-formed, else
 * uchardet's guess, else windows-1251. content_type may be NULL.
 */
struct charset_decision charset_decide(const char *content_type, const char *body, size_t len);

/*
 * Converts len bytes in cs to UTF-8 with iconv (UTF-8 input is checked the same way): a byte
 * sequence that is invalid or cut short becomes U+FFFD and conversion goes on. The result is
 * NUL-terminated (*out_len excludes it) and malloc'd; NULL only when out of memory or when iconv
 * does not know cs.
 */
char *charset_to_utf8(enum charset cs, const char *in, size_t len, size_t *out_len);

#endif
