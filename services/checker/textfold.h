/* Text normalisation for matching and display: UTF-8 case folding, whitespace, percent-decoding. */
#ifndef CHECKER_TEXTFOLD_H
#define CHECKER_TEXTFOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The next code point of s[*i..len), advancing *i; an invalid or truncated sequence yields
 * U+FFFD and advances one byte. *i must be < len.
 */
uint32_t utf8_next(const char *s, size_t len, size_t *i);

/* Appends the UTF-8 form of cp to out (room for 4 bytes needed); returns the bytes written. */
size_t utf8_put(uint32_t cp, char *out);

/* Whether s[0..len) is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
bool utf8_valid(const char *s, size_t len);

/*
 * The matching form of a text: words (runs of letters and digits, Latin or Cyrillic) in lower
 * case with ё folded to е, joined by single spaces; every other character (punctuation, quotes,
 * «», dashes, №, whitespace of any kind including no-break spaces) separates words; soft hyphens
 * vanish. "Приказ №14-а «О ВНЕДРЕНИИ»" -> "приказ 14 а о внедрении". At most max_out bytes
 * (cut at a word boundary). Malloc'd; NULL only when out of memory.
 */
char *text_fold(const char *s, size_t len, size_t max_out);

/*
 * The display form: whitespace runs (incl. no-break and zero-width spaces) become one space,
 * trimmed, soft hyphens and control characters dropped, invalid UTF-8 replaced by U+FFFD, cut
 * to at most max_out bytes on a character boundary. Malloc'd; NULL only when out of memory.
 */
char *text_collapse(const char *s, size_t len, size_t max_out);

/*
 * Decodes %XX escapes (and '+' as itself) of a URL part into bytes, so that
 * "/%D0%BD%D0%B0..." reads as Cyrillic for matching. Malloc'd, NUL-terminated.
 */
char *text_percent_decode(const char *s, size_t len);

/*
 * Whether the folded text (text_fold's form) holds the phrase: its words, separated by single
 * spaces, each the prefix of consecutive words of the text ("дорожн карт" matches "дорожная
 * карта", "дорожной карты"). A one-word phrase matches any word it begins.
 */
bool text_has_phrase(const char *folded, const char *phrase, size_t phrase_len);

#endif
