/*
 * One school's website check: find the mentoring section from the home page (or the given
 * address), collect the document links there, and verify each one. A state machine per site
 * driven by the fetcher's callbacks; the findings stay readable after it is done.
 */
#ifndef CHECKER_SITE_H
#define CHECKER_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "doctype.h"
#include "fetch.h"
#include "verify.h"

struct site_limits {
    int max_depth;            /* discovery depth from the home page (home = 0) */
    int max_pages;            /* pages fetched for discovery and the section (cards excluded) */
    int max_documents;        /* document links verified per site */
    int max_sections;         /* section candidates followed from one page */
    int max_nav;              /* navigation pages followed when the home page has no section */
    size_t max_links;         /* links kept per page */
    uint64_t site_timeout_ms; /* nothing new starts after this; 0 none */
    doc_type_set required;
};

/* A school as the CSV gives it. */
struct school {
    char *code;
    char *website;     /* as written */
    char *section_url; /* as written; NULL when none */
    unsigned line;     /* in the CSV, for messages */
};

enum site_state {
    SITE_NEW,     /* created, not started */
    SITE_RUNNING, /* fetches outstanding */
    SITE_DONE,    /* findings final; the owner was told */
    SITE_STATE_MAX
};

enum doc_status { DOC_PENDING, DOC_FOUND, DOC_BROKEN, DOC_STATUS_MAX };

/* How a document link got its type. */
enum match_source {
    MATCH_NONE,       /* no rule matched: DOC_OTHER because it looks like a document */
    MATCH_TEXT,       /* the link's text */
    MATCH_TITLE_ATTR, /* its title attribute */
    MATCH_FILE_NAME,  /* the file name in its URL */
    MATCH_CARD,       /* the heading of the card/attachment page it leads to */
    MATCH_SOURCE_MAX
};

struct site_doc {
    enum doc_type type;
    enum match_source matched_by;
    int rule;       /* matcher rule, -1 with MATCH_NONE */
    char *url;      /* the link */
    char *file_url; /* what answered: after redirects and a card page; NULL before */
    char *title;    /* link text, else title attribute, else card heading, else file name */
    char *found_on; /* the page that linked it */
    enum doc_status status;
    long http_status;
    char *content_type;
    enum doc_kind kind;
    long long bytes;         /* -1 unknown */
    long long last_modified; /* Unix time, -1 unknown */
    enum doc_problem problem;
    enum fetch_error fetch_error; /* with PROBLEM_FETCH */
    bool via_page;                /* reached through a card or attachment page */
};

struct site_error {
    char *url;
    const char *code; /* fetch_error_name or "http_status", "not_html" */
    char *detail;
};

/* The findings, valid once the site is SITE_DONE (and until site_free). */
struct site_result {
    const struct school *school;
    const char *website;         /* the normalised home URL; NULL when the CSV's was unusable */
    const char *section_url;     /* NULL when not found */
    const struct site_doc *docs; /* sorted: by type, then URL */
    size_t n_docs;
    const struct site_error *errors;
    size_t n_errors;
    doc_type_set required, found; /* found: types with at least one DOC_FOUND */
    int pages_fetched;            /* HTML pages read (home, navigation, section, frames, cards) */
    int requests;                 /* HTTP requests answered or failed */
    size_t docs_skipped;          /* document links over max_documents */
    uint64_t elapsed_ms;
    long long started_unix; /* wall clock at the start */
};

struct site;
typedef void (*site_done_cb)(struct site *site, void *arg);

/* Copies school; done is called once when the check ends. */
struct site *site_new(const struct school *school, const struct site_limits *limits,
                      struct fetcher *fetcher, site_done_cb done, void *arg);

/* Starts the check. done is called once, from a fetch callback (or from here when memory runs
 * out); the owner must not free the site inside it. */
void site_start(struct site *site);

/* Nothing new starts for a running site from now on (its deadline is now); what is running
 * still answers. With fetcher_cancel_all, ends the check soon. */
void site_expire(struct site *site);

enum site_state site_state(const struct site *site);
const char *site_state_name(enum site_state s);
const char *doc_status_name(enum doc_status s);
const char *match_source_name(enum match_source s);

/* The findings (meaningful once SITE_DONE). */
void site_result(const struct site *site, struct site_result *out);

/* Only when SITE_NEW or SITE_DONE: no fetch may still hold it. */
void site_free(struct site *site);

#endif
