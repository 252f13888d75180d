/* Content sniffing and the found/broken decision for document links. */
#include "verify.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "textfold.h"

static const char *const kind_names[] = {
    [KIND_NONE] = NULL, [KIND_PDF] = "pdf", [KIND_DOC] = "doc",   [KIND_DOCX] = "docx",
    [KIND_ODT] = "odt", [KIND_RTF] = "rtf", [KIND_HTML] = "html",
};
static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == KIND_MAX, "every kind has a name");

static const char *const problem_names[] = {
    [PROBLEM_NONE] = NULL,
    [PROBLEM_HTTP_STATUS] = "http_status",
    [PROBLEM_HTML_INSTEAD] = "html_instead_of_document",
    [PROBLEM_NOT_A_DOCUMENT] = "not_a_document",
    [PROBLEM_TOO_SMALL] = "too_small",
    [PROBLEM_ERROR_PAGE] = "error_page",
    [PROBLEM_NO_DOCUMENT_ON_PAGE] = "no_document_on_page",
    [PROBLEM_FETCH] = "fetch_failed",
    [PROBLEM_NOT_CHECKED] = "not_checked",
};
static_assert(sizeof(problem_names) / sizeof(problem_names[0]) == PROBLEM_MAX,
              "every problem has a name");

const char *verify_kind_name(enum doc_kind kind)
{
    return (unsigned)kind < KIND_MAX ? kind_names[kind] : NULL;
}

const char *verify_problem_name(enum doc_problem p)
{
    return (unsigned)p < PROBLEM_MAX ? problem_names[p] : NULL;
}

static bool has(const char *s, const char *needle)
{
    return s != NULL && strcasestr(s, needle) != NULL;
}

static bool ext_is(const char *ext, const char *want)
{
    return ext != NULL && strcmp(ext, want) == 0;
}

static enum doc_kind sniff_zip(const unsigned char *b, size_t len, const char *ct, const char *ext)
{
    static const char odt_mime[] = "mimetypeapplication/vnd.oasis.opendocument.text";
    size_t odt_len = sizeof(odt_mime) - 1;
    if (len >= 30 + odt_len && memcmp(b + 30, odt_mime, odt_len) == 0)
        return KIND_ODT;
    if (memmem(b, len, "word/", 5) != NULL || has(ct, "wordprocessingml") || ext_is(ext, "docx"))
        return KIND_DOCX;
    if (has(ct, "opendocument.text") || ext_is(ext, "odt"))
        return KIND_ODT;
    return KIND_NONE;
}

static bool looks_like_markup(const unsigned char *b, size_t len)
{
    size_t i = 0;
    if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        i = 3;
    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n' || b[i] == '\f'))
        i++;
    return i < len && b[i] == '<';
}

enum doc_kind verify_sniff(const unsigned char *b, size_t len, const char *content_type,
                           const char *ext)
{
    if (len >= 5 && memmem(b, len < 1024 ? len : 1024, "%PDF-", 5) != NULL)
        return KIND_PDF;
    static const unsigned char ole2[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    if (len >= sizeof(ole2) && memcmp(b, ole2, sizeof(ole2)) == 0)
        return KIND_DOC;
    if (len >= 4 && memcmp(b, "PK\x03\x04", 4) == 0)
        return sniff_zip(b, len, content_type, ext);
    if (len >= 5 && memcmp(b, "{\\rtf", 5) == 0)
        return KIND_RTF;
    if (looks_like_markup(b, len) || has(content_type, "text/html") ||
        has(content_type, "application/xhtml"))
        return KIND_HTML;
    return KIND_NONE;
}

long long verify_total_size(long status, const char *content_range, long long content_length,
                            size_t body_len, bool truncated)
{
    if (status == 206 && content_range != NULL) {
        const char *slash = strrchr(content_range, '/');
        if (slash != NULL && slash[1] >= '0' && slash[1] <= '9') {
            char *end;
            long long total = strtoll(slash + 1, &end, 10);
            if (total >= 0 && (*end == '\0' || *end == ' ' || *end == '\r'))
                return total;
        }
        return -1;
    }
    if (content_length >= 0)
        return content_length;
    return truncated ? -1 : (long long)body_len;
}

struct verdict verify_answer(long status, const unsigned char *body, size_t body_len,
                             bool truncated, const char *content_type, const char *content_range,
                             long long content_length, const char *ext, bool file_expected)
{
    struct verdict v = {.bytes = -1};
    v.kind = verify_sniff(body, body_len, content_type, ext);
    v.bytes = verify_total_size(status, content_range, content_length, body_len, truncated);
    if (status != 200 && status != 206) {
        v.kind = KIND_NONE; /* what an error answer holds is not the document */
        v.problem = PROBLEM_HTTP_STATUS;
        return v;
    }
    if (v.kind == KIND_HTML) {
        if (file_expected)
            v.problem = PROBLEM_HTML_INSTEAD;
        else
            v.html_page = true;
        return v;
    }
    if (v.kind == KIND_NONE) {
        v.problem = PROBLEM_NOT_A_DOCUMENT;
        return v;
    }
    if (v.bytes >= 0 && v.bytes <= VERIFY_MIN_FILE_BYTES) {
        v.problem = PROBLEM_TOO_SMALL;
        return v;
    }
    v.found = true;
    return v;
}

bool verify_is_document_host(const char *host)
{
    static const char *const hosts[] = {"drive.google.com", "docs.google.com",    "disk.yandex.ru",
                                        "disk.yandex.com",  "disk.360.yandex.ru", "yadi.sk",
                                        "cloud.mail.ru",    "onedrive.live.com",  "1drv.ms",
                                        "dropbox.com",      "www.dropbox.com",    NULL};
    if (host == NULL)
        return false;
    for (const char *const *h = hosts; *h != NULL; h++) {
        if (strcmp(host, *h) == 0)
            return true;
    }
    return false;
}

/* Whether the folded text begins with the word w ("404", "404 страница ..."). */
static bool starts_with_word(const char *folded, const char *w)
{
    size_t n = strlen(w);
    return folded != NULL && strncmp(folded, w, n) == 0 && (folded[n] == ' ' || folded[n] == '\0');
}

bool verify_is_error_page(const char *title, const char *h1)
{
    static const char *const phrases[] = {
        "не найден",       "не существует", "ошибка 404", "ошибка 403", "произошла ошибка",
        "доступ запрещен", "not found",     "error",      "forbidden",  NULL};
    /* A bare status code only opens the text: "Приказ №404", "МБОУ СОШ №403" are documents. */
    static const char *const codes[] = {"404", "403", NULL};
    for (const char *const *p = phrases; *p != NULL; p++) {
        size_t n = strlen(*p);
        if ((title != NULL && text_has_phrase(title, *p, n)) ||
            (h1 != NULL && text_has_phrase(h1, *p, n)))
            return true;
    }
    for (const char *const *c = codes; *c != NULL; c++) {
        if (starts_with_word(title, *c) || starts_with_word(h1, *c))
            return true;
    }
    return false;
}
