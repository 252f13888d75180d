/* One HTML page through gumbo: its links (resolved), title, first heading and amount of text. */
#ifndef CHECKER_HTML_LINKS_H
#define CHECKER_HTML_LINKS_H

#include <stdbool.h>
#include <stddef.h>

/* Nesting deeper than this is flattened before parsing (see html_flatten_depth). */
#define HTML_MAX_DEPTH 256

enum link_kind {
    LINK_A,      /* <a href> */
    LINK_AREA,   /* <area href> */
    LINK_IFRAME, /* <iframe src> */
    LINK_FRAME,  /* <frame src> */
    LINK_EMBED,  /* <embed src> */
    LINK_OBJECT, /* <object data> */
    LINK_KIND_MAX
};

struct html_link {
    char *url;        /* absolute http(s), resolved against <base href> or the page; no fragment */
    char *text;       /* text of the element's descendants plus <img alt>, collapsed; may be "" */
    char *title_attr; /* its title attribute, collapsed; NULL when absent */
    enum link_kind kind;
    bool in_chrome; /* inside <nav>/<header>/<footer>/<aside> or a menu/nav/sidebar/breadcrumb
                       class or id: site navigation, not the page's content */
};

struct html_page {
    char *title;       /* <title>, collapsed; "" when absent */
    char *h1;          /* the first <h1>, collapsed; "" when absent */
    size_t text_bytes; /* visible text of <body> (script/style excluded), whitespace collapsed */
    struct html_link *links;
    size_t n_links;
    size_t links_dropped; /* links beyond max_links, not kept */
    size_t tags_dropped;  /* start tags removed by html_flatten_depth */
};

const char *html_link_kind_name(enum link_kind kind);

/*
 * Parses utf8[0..len) (well-formed UTF-8: see charset_to_utf8) fetched from page_url, keeping at
 * most max_links links (http and https only: mailto:, javascript:, data: are left out). false
 * when out of memory; out is then empty. Free with html_page_free.
 */
bool html_parse(const char *utf8, size_t len, const char *page_url, size_t max_links,
                struct html_page *out) __attribute__((warn_unused_result));

void html_page_free(struct html_page *page);

/*
 * Gumbo's tree builder costs time proportional to the depth of open elements for each tag, so a
 * page of endless unclosed <div>s costs quadratic time. This byte pass (no parser) follows an
 * estimate of the depth and removes start tags that would go deeper than max_depth, except the
 * elements links and metadata live in (a, area, iframe, frame, embed, object, base, meta, title,
 * img). Returns a malloc'd copy with *out_len and *dropped set, or NULL (with *dropped 0) when
 * nothing had to go or memory ran out: then parse the original.
 */
char *html_flatten_depth(const char *html, size_t len, size_t max_depth, size_t *out_len,
                         size_t *dropped);

#endif
