/* Whether a document link answered with a real document: content sniffing, size, error pages. */
#ifndef CHECKER_VERIFY_H
#define CHECKER_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

/* Files at most this large are not a plausible published document. */
#define VERIFY_MIN_FILE_BYTES 1024
/* An HTML page with at least this much text, titled as the document, carries it as text. */
#define VERIFY_TEXT_DOCUMENT_MIN 1500

enum doc_kind {
    KIND_NONE, /* not a document we know */
    KIND_PDF,
    KIND_DOC,
    KIND_DOCX,
    KIND_ODT,
    KIND_RTF,
    KIND_HTML,
    KIND_MAX
};

/* Why a document is broken; PROBLEM_NONE when it is found. */
enum doc_problem {
    PROBLEM_NONE,
    PROBLEM_HTTP_STATUS,         /* not 200 (or 206) after redirects */
    PROBLEM_HTML_INSTEAD,        /* a file link answered with an HTML page */
    PROBLEM_NOT_A_DOCUMENT,      /* content of no document type (image, archive, junk) */
    PROBLEM_TOO_SMALL,           /* a file of at most VERIFY_MIN_FILE_BYTES */
    PROBLEM_ERROR_PAGE,          /* a page that says "not found" / "error" with status 200 */
    PROBLEM_NO_DOCUMENT_ON_PAGE, /* a card or attachment page that leads to no file */
    PROBLEM_FETCH,               /* the transfer failed: see the fetch error */
    PROBLEM_NOT_CHECKED,         /* over the per-site document limit */
    PROBLEM_MAX
};

const char *verify_kind_name(enum doc_kind kind);    /* "pdf"...; NULL for KIND_NONE */
const char *verify_problem_name(enum doc_problem p); /* "http_status"...; NULL for NONE */

/*
 * The document type of the first bytes: %PDF- (within the first 1024 bytes), OLE2 for DOC, ZIP
 * for DOCX (a word/ entry, or the Content-Type or extension saying docx) and ODT (the mimetype
 * entry, or Content-Type or extension), {\rtf, and HTML (markup first, or a text/html type).
 * content_type and ext (lower case, may be NULL) only settle ZIPs and untyped text.
 */
enum doc_kind verify_sniff(const unsigned char *body, size_t len, const char *content_type,
                           const char *ext);

/*
 * The whole size of the resource: from Content-Range ("bytes 0-4095/123456") on a 206, else
 * Content-Length (>= 0), else the bytes read when the body was read to its end; -1 unknown.
 */
long long verify_total_size(long status, const char *content_range, long long content_length,
                            size_t body_len, bool truncated);

struct verdict {
    bool found;         /* a real document */
    bool html_page;     /* an HTML page that may lead to the document (follow it) */
    enum doc_kind kind; /* what the content is */
    long long bytes;    /* whole size, -1 unknown */
    enum doc_problem problem;
};

/*
 * The verdict on one answer to a document link. file_expected: the link names a file (.pdf,
 * /file/download...), so an HTML answer is an error page in its place, not a page to follow.
 */
struct verdict verify_answer(long status, const unsigned char *body, size_t body_len,
                             bool truncated, const char *content_type, const char *content_range,
                             long long content_length, const char *ext, bool file_expected);

/*
 * Whether host is a file-hosting service whose links open the document in an HTML viewer
 * (Google Drive/Docs, Yandex Disk, Mail.ru Cloud, OneDrive, Dropbox): such a page carries the
 * document although it links to no file.
 */
bool verify_is_document_host(const char *host);

/* Whether a page's folded title or first heading says it is an error ("404", "не найдена"). */
bool verify_is_error_page(const char *folded_title, const char *folded_h1);

#endif
