/* The site crawl's private parts, shared by site.c (pages) and site_docs.c (documents). */
#ifndef CHECKER_SITE_INTERNAL_H
#define CHECKER_SITE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch.h"
#include "html_links.h"
#include "matcher.h"
#include "site.h"
#include "strset.h"

#define FOLD_MAX   1024
#define TITLE_MAX  512
#define SITE_HOSTS 4

/* What a fetch was for. */
enum role {
    ROLE_HOME,     /* the website's address */
    ROLE_HINT,     /* the section address given in the CSV */
    ROLE_NAV,      /* a page that may link to the section (/sveden/, «Документы») */
    ROLE_SECTION,  /* a mentoring section page (or one of its sub-pages) */
    ROLE_FRAME,    /* a page inside an <iframe> of a section page */
    ROLE_DOC,      /* a document link: a file, or a card/attachment page */
    ROLE_DOC_FILE, /* the file a card/attachment page leads to */
    ROLE_MAX
};

/* A section page that answered: the candidates for section_url. */
struct section_page {
    char *url;
    int depth, score;
    unsigned order;
};

/* A page found on the home page, kept for later: navigation pages are tried only when no
 * section candidate of the home page worked out. */
struct deferred {
    char *url;
    int score;
};

struct site {
    struct school school;
    const struct site_limits *limits;
    struct fetcher *fetcher;
    site_done_cb done;
    void *done_arg;
    enum site_state state; /* changed by set_state() only */

    char *home_url;
    char *hosts[SITE_HOSTS]; /* the site's own hosts: the CSV's, and where its home redirects */
    size_t n_hosts;
    uint64_t started_ms, deadline_ms;
    long long started_unix;
    int pending; /* fetches submitted and not yet answered */
    int pages_requested, pages_fetched, requests;
    unsigned section_order;
    struct strset *seen; /* page and document URLs already taken */

    struct site_doc *docs;
    size_t n_docs, cap_docs, docs_skipped;
    struct site_error *errors;
    size_t n_errors, cap_errors;
    struct section_page *sections;
    size_t n_sections, cap_sections;
    struct deferred *navs;
    size_t n_navs, cap_navs;
    bool navs_tried;
    const char *section_url; /* chosen at the end: points into sections */
    doc_type_set found;
    uint64_t elapsed_ms; /* set when done */
};

/* One outstanding fetch: the callback's argument. */
struct visit {
    struct site *site;
    enum role role;
    int depth, score;
    size_t doc; /* ROLE_DOC, ROLE_DOC_FILE: index in docs */
};

/* ---- site.c -------------------------------------------------------------------------------- */

/* text_fold with the checker's bound; NULL for NULL or out of memory. */
char *site_fold(const char *text);
char *site_dup(const char *s);
/* Grows an array of elem-sized items to hold one more; false when out of memory. */
bool site_reserve(void **items, size_t n, size_t *cap, size_t elem);
/* Queues a fetch for the site; counts it as pending. false when out of memory. */
bool site_submit(struct site *s, const char *url, enum role role, int depth, int score, size_t doc);
/* Whether url is on one of the site's own hosts (or their www. variants). */
bool site_same_site(const struct site *s, const char *url);
/* A fetched page as UTF-8 through gumbo. */
bool site_parse_page(const struct site *s, const struct fetch_result *res, struct html_page *page);

/* ---- site_docs.c ---------------------------------------------------------------------------- */

/* The type of a link by its text, title attribute, then file name; false when none. */
bool site_match_link(const struct html_link *link, bool context, struct doc_match *m,
                     enum match_source *source);
/* A document link found on page_url: recorded once (a later typed mention upgrades an "other")
 * and verified. */
void site_add_doc(struct site *s, const struct html_link *link, const char *page_url,
                  const struct doc_match *m, enum match_source source);
/* The answer to a ROLE_DOC or ROLE_DOC_FILE fetch. */
void site_on_doc(struct site *s, const struct visit *v, const struct fetch_result *res);

#endif
