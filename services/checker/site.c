/* One site's crawl: home -> (navigation) -> section pages -> document links (site_docs.c). */
#include "site.h"
#include "site_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "charset.h"
#include "html_links.h"
#include "log.h"
#include "matcher.h"
#include "strset.h"
#include "textfold.h"
#include "urlutil.h"

static const char *const role_names[] = {
    [ROLE_HOME] = "home",         [ROLE_HINT] = "hint",   [ROLE_NAV] = "nav",
    [ROLE_SECTION] = "section",   [ROLE_FRAME] = "frame", [ROLE_DOC] = "doc",
    [ROLE_DOC_FILE] = "doc_file",
};
static_assert(sizeof(role_names) / sizeof(role_names[0]) == ROLE_MAX, "every role has a name");

static const char *const state_names[] = {
    [SITE_NEW] = "new",
    [SITE_RUNNING] = "running",
    [SITE_DONE] = "done",
};
static_assert(sizeof(state_names) / sizeof(state_names[0]) == SITE_STATE_MAX,
              "every site state has a name");

static const char *const status_names[] = {
    [DOC_PENDING] = "pending",
    [DOC_FOUND] = "found",
    [DOC_BROKEN] = "broken",
};
static_assert(sizeof(status_names) / sizeof(status_names[0]) == DOC_STATUS_MAX,
              "every document status has a name");

static const char *const source_names[] = {
    [MATCH_NONE] = "none",           [MATCH_TEXT] = "text", [MATCH_TITLE_ATTR] = "title_attr",
    [MATCH_FILE_NAME] = "file_name", [MATCH_CARD] = "card",
};
static_assert(sizeof(source_names) / sizeof(source_names[0]) == MATCH_SOURCE_MAX,
              "every match source has a name");

const char *site_state_name(enum site_state s)
{
    return (unsigned)s < SITE_STATE_MAX ? state_names[s] : "?";
}

const char *doc_status_name(enum doc_status s)
{
    return (unsigned)s < DOC_STATUS_MAX ? status_names[s] : "?";
}

const char *match_source_name(enum match_source s)
{
    return (unsigned)s < MATCH_SOURCE_MAX ? source_names[s] : "?";
}

static void set_state(struct site *s, enum site_state state)
{
    if (s->state != state)
        log_debug("site_state", "school=%s from=%s to=%s", s->school.code, state_names[s->state],
                  state_names[state]);
    s->state = state;
}

char *site_dup(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

struct site *site_new(const struct school *school, const struct site_limits *limits,
                      struct fetcher *fetcher, site_done_cb done, void *arg)
{
    struct site *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->school.code = site_dup(school->code);
    s->school.website = site_dup(school->website);
    s->school.section_url = site_dup(school->section_url);
    s->school.line = school->line;
    s->limits = limits;
    s->fetcher = fetcher;
    s->done = done;
    s->done_arg = arg;
    s->seen = strset_new();
    if (s->school.code == NULL || s->school.website == NULL || s->seen == NULL ||
        (school->section_url != NULL && s->school.section_url == NULL)) {
        site_free(s);
        return NULL;
    }
    return s;
}

void site_free(struct site *s)
{
    if (s == NULL)
        return;
    assert(s->state != SITE_RUNNING);
    for (size_t i = 0; i < s->n_docs; i++) {
        struct site_doc *d = &s->docs[i];
        free(d->url);
        free(d->file_url);
        free(d->title);
        free(d->found_on);
        free(d->content_type);
    }
    for (size_t i = 0; i < s->n_errors; i++) {
        free(s->errors[i].url);
        free(s->errors[i].detail);
    }
    for (size_t i = 0; i < s->n_sections; i++)
        free(s->sections[i].url);
    for (size_t i = 0; i < s->n_navs; i++)
        free(s->navs[i].url);
    free(s->docs);
    free(s->errors);
    free(s->sections);
    free(s->navs);
    strset_free(s->seen);
    free(s->home_url);
    for (size_t i = 0; i < s->n_hosts; i++)
        free(s->hosts[i]);
    free(s->school.code);
    free(s->school.website);
    free(s->school.section_url);
    free(s);
}

enum site_state site_state(const struct site *s)
{
    return s->state;
}

/* Grows an array of elem-sized items to hold one more; false when out of memory. */
bool site_reserve(void **items, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return true;
    size_t new_cap = *cap ? *cap * 2 : 8;
    void *p = realloc(*items, new_cap * elem);
    if (p == NULL)
        return false;
    *items = p;
    *cap = new_cap;
    return true;
}

static void add_error(struct site *s, const char *url, const char *code, const char *detail)
{
    if (!site_reserve((void **)&s->errors, s->n_errors, &s->cap_errors, sizeof(*s->errors)))
        return;
    struct site_error *e = &s->errors[s->n_errors];
    e->url = site_dup(url);
    e->code = code;
    e->detail = site_dup(detail != NULL ? detail : "");
    s->n_errors++;
    log_info("site_error", "school=%s url=\"%s\" code=%s detail=\"%s\"", s->school.code,
             url != NULL ? url : "", code, detail != NULL ? detail : "");
}

char *site_fold(const char *text)
{
    return text != NULL ? text_fold(text, strlen(text), FOLD_MAX) : NULL;
}

/* ---- submitting ------------------------------------------------------------------------------ */

static void on_fetched(const struct fetch_result *res, void *arg);

bool site_submit(struct site *s, const char *url, enum role role, int depth, int score, size_t doc)
{
    struct visit *v = malloc(sizeof(*v));
    if (v == NULL)
        return false;
    *v = (struct visit){s, role, depth, score, doc};
    bool is_doc = role == ROLE_DOC || role == ROLE_DOC_FILE;
    enum url_shape shape = is_doc ? matcher_url_shape(url) : URL_PAGE;
    struct fetch_request req = {
        .url = url,
        .mode = is_doc ? FETCH_DOCUMENT : FETCH_PAGE,
        .range = is_doc && (role == ROLE_DOC_FILE || shape == URL_DOC_FILE),
        .deadline_ms = s->deadline_ms,
        .cb = on_fetched,
        .arg = v,
    };
    if (!fetcher_submit(s->fetcher, &req)) {
        free(v);
        return false;
    }
    s->pending++;
    if (!is_doc)
        s->pages_requested++;
    log_debug("site_submit", "school=%s role=%s depth=%d url=\"%s\"", s->school.code,
              role_names[role], depth, url);
    return true;
}

/* A page not seen before, within the page budget: submitted. */
static bool visit_page(struct site *s, const char *url, enum role role, int depth, int score)
{
    if (s->pages_requested >= s->limits->max_pages || strset_has(s->seen, url))
        return false;
    if (strset_add(s->seen, url) < 0)
        return false;
    return site_submit(s, url, role, depth, score, 0);
}

bool site_same_site(const struct site *s, const char *url)
{
    char *host = url_host(url);
    bool same = false;
    for (size_t i = 0; i < s->n_hosts && !same; i++)
        same = url_same_site(host, s->hosts[i]);
    free(host);
    return same;
}

/* A host of the site's own (the home page moved to another domain, e.g. to Госвеб). */
static void add_host(struct site *s, const char *url)
{
    char *host = url_host(url);
    if (host == NULL)
        return;
    for (size_t i = 0; i < s->n_hosts; i++) {
        if (url_same_site(host, s->hosts[i])) {
            free(host);
            return;
        }
    }
    if (s->n_hosts < SITE_HOSTS)
        s->hosts[s->n_hosts++] = host;
    else
        free(host);
}

/* ---- pages ----------------------------------------------------------------------------------- */

/* The page's text as UTF-8, parsed: charset from BOM, HTTP, <meta> or a guess. */
bool site_parse_page(const struct site *s, const struct fetch_result *res, struct html_page *page)
{
    const char *body = (const char *)res->body;
    struct charset_decision cs = charset_decide(res->content_type, body, res->body_len);
    size_t len = 0;
    char *utf8 = charset_to_utf8(cs.charset, body + cs.bom_len, res->body_len - cs.bom_len, &len);
    if (utf8 == NULL)
        utf8 = charset_to_utf8(CHARSET_UTF8, body, res->body_len, &len);
    if (utf8 == NULL)
        return false;
    bool ok = html_parse(utf8, len, res->effective_url, s->limits->max_links, page);
    log_debug("page_parsed", "school=%s url=\"%s\" charset=%s source=%s links=%zu dropped_tags=%zu",
              s->school.code, res->effective_url, charset_name(cs.charset),
              charset_source_name(cs.source), ok ? page->n_links : 0, ok ? page->tags_dropped : 0);
    free(utf8);
    return ok;
}

struct candidate {
    const char *url;
    int score;
    size_t order;
};

static int by_score(const void *a, const void *b)
{
    const struct candidate *x = a, *y = b;
    if (x->score != y->score)
        return y->score - x->score;
    return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Links of a page to follow as pages of a role: same site, an ordinary page shape, scored by
 * score_fn at least min; the best `limit`, best first. Returns how many were submitted.
 */
static int follow_best(struct site *s, const struct html_page *page, bool content_only,
                       int (*score_fn)(const char *, const char *), int min, int limit,
                       enum role role, int depth, bool defer)
{
    struct candidate *c = malloc((page->n_links + 1) * sizeof(*c));
    if (c == NULL)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < page->n_links; i++) {
        const struct html_link *l = &page->links[i];
        if ((l->kind != LINK_A && l->kind != LINK_AREA) || (content_only && l->in_chrome) ||
            strset_has(s->seen, l->url) || matcher_url_shape(l->url) != URL_PAGE ||
            !site_same_site(s, l->url))
            continue;
        char *text = site_fold(l->text), *path = matcher_fold_url(l->url);
        int score = text != NULL && path != NULL ? score_fn(text, path) : 0;
        free(text);
        free(path);
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = strcmp(c[k].url, l->url) == 0;
        if (score >= min && !dup)
            c[n++] = (struct candidate){l->url, score, i};
    }
    qsort(c, n, sizeof(*c), by_score);
    int taken = 0;
    for (size_t k = 0; k < n && taken < limit; k++) {
        if (defer) {
            if (!site_reserve((void **)&s->navs, s->n_navs, &s->cap_navs, sizeof(*s->navs)))
                break;
            s->navs[s->n_navs] = (struct deferred){strdup(c[k].url), c[k].score};
            if (s->navs[s->n_navs].url != NULL)
                s->n_navs++;
            taken++;
        } else if (visit_page(s, c[k].url, role, depth, c[k].score)) {
            taken++;
        }
    }
    free(c);
    return taken;
}

/* Typed documents linked outside the section (home, navigation pages): files and cards only. */
static void collect_typed_docs(struct site *s, const struct html_page *page, const char *page_url)
{
    for (size_t i = 0; i < page->n_links; i++) {
        const struct html_link *l = &page->links[i];
        enum url_shape shape = matcher_url_shape(l->url);
        if (l->in_chrome || (shape != URL_DOC_FILE && shape != URL_DOC_PAGE))
            continue;
        struct doc_match m;
        enum match_source source;
        if (site_match_link(l, false, &m, &source) && m.type != DOC_OTHER)
            site_add_doc(s, l, page_url, &m, source);
    }
}

/*
 * Home and navigation pages: links to the section are followed at once. Pages that list sections
 * and documents (/sveden/, «Документы») are followed at once when the page has no section link;
 * the home page's are otherwise kept for when its section links lead nowhere.
 */
static void discover(struct site *s, const struct html_page *page, const char *page_url, int depth)
{
    int sections = 0;
    if (depth + 1 <= s->limits->max_depth)
        sections = follow_best(s, page, false, matcher_section_score, MATCHER_SECTION_MIN,
                               s->limits->max_sections, ROLE_SECTION, depth + 1, false);
    if (depth + 1 < s->limits->max_depth && (sections == 0 || depth == 0))
        follow_best(s, page, false, matcher_nav_score, MATCHER_NAV_MIN, s->limits->max_nav,
                    ROLE_NAV, depth + 1, sections > 0);
    /* A frameset's frames (old constructors: a menu frame, a content frame) are this page. */
    for (size_t i = 0; i < page->n_links; i++) {
        const struct html_link *l = &page->links[i];
        if ((l->kind == LINK_FRAME || l->kind == LINK_IFRAME) &&
            matcher_url_shape(l->url) == URL_PAGE && site_same_site(s, l->url))
            visit_page(s, l->url, ROLE_NAV, depth, 0);
    }
    collect_typed_docs(s, page, page_url);
}

/* A section page (or a frame of one): every document link in its content. */
static void harvest(struct site *s, const struct html_page *page, const char *page_url,
                    enum role role, int depth)
{
    for (size_t i = 0; i < page->n_links; i++) {
        const struct html_link *l = &page->links[i];
        if (l->in_chrome)
            continue;
        enum url_shape shape = matcher_url_shape(l->url);
        if (shape == URL_OTHER_FILE)
            continue;
        bool framing = l->kind == LINK_IFRAME || l->kind == LINK_FRAME;
        if (framing && shape == URL_PAGE) {
            if (role == ROLE_SECTION && site_same_site(s, l->url))
                visit_page(s, l->url, ROLE_FRAME, depth, 0);
            continue;
        }
        struct doc_match m;
        enum match_source source = MATCH_NONE;
        bool typed = site_match_link(l, true, &m, &source);
        bool file_like = shape == URL_DOC_FILE || shape == URL_DOC_PAGE;
        /* a typed link to an ordinary page is a document only on the school's own site */
        if (file_like || (typed && site_same_site(s, l->url)))
            site_add_doc(s, l, page_url, &m, typed ? source : MATCH_NONE);
    }
    /* Sub-pages of the section (/nastavnichestvo/dokumenty/) within the depth bound. */
    if (role == ROLE_SECTION && depth + 1 <= s->limits->max_depth)
        follow_best(s, page, true, matcher_section_score, MATCHER_SECTION_MIN,
                    s->limits->max_sections, ROLE_SECTION, depth + 1, false);
}

static void record_section(struct site *s, const char *url, int depth, int score)
{
    if (!site_reserve((void **)&s->sections, s->n_sections, &s->cap_sections, sizeof(*s->sections)))
        return;
    char *copy = strdup(url);
    if (copy == NULL)
        return;
    s->sections[s->n_sections++] = (struct section_page){copy, depth, score, s->section_order++};
}

static bool is_html_answer(const struct fetch_result *res)
{
    if (res->content_type != NULL)
        return strstr(res->content_type, "html") != NULL;
    return verify_sniff(res->body, res->body_len, NULL, NULL) == KIND_HTML;
}

static void on_page(struct site *s, const struct visit *v, const struct fetch_result *res)
{
    bool page_role = v->role == ROLE_HOME || v->role == ROLE_HINT;
    if (res->error != FETCH_OK || res->http_status != 200 || !is_html_answer(res)) {
        const char *code = res->error != FETCH_OK    ? fetch_error_name(res->error)
                           : res->http_status != 200 ? "http_status"
                                                     : "not_html";
        char detail[256];
        if (res->error != FETCH_OK)
            snprintf(detail, sizeof(detail), "%s", res->error_detail);
        else
            snprintf(detail, sizeof(detail), "HTTP %ld, %s", res->http_status,
                     res->content_type != NULL ? res->content_type : "no Content-Type");
        if (page_role)
            add_error(s, res->url, code, detail);
        else
            log_info("page_failed", "school=%s role=%s url=\"%s\" code=%s detail=\"%s\"",
                     s->school.code, role_names[v->role], res->url, code, detail);
        if (v->role == ROLE_HINT && s->home_url != NULL)
            visit_page(s, s->home_url, ROLE_HOME, 0, 0); /* the given section failed: look */
        return;
    }
    s->pages_fetched++;
    struct html_page page;
    if (!site_parse_page(s, res, &page)) {
        add_error(s, res->url, "no_memory", "page not parsed");
        return;
    }
    /* Later links to where this page really is count as seen. */
    if (strset_add(s->seen, res->effective_url) < 0)
        log_warn("site_no_memory", "school=%s", s->school.code);
    if (v->role == ROLE_HOME || v->role == ROLE_HINT)
        add_host(s, res->effective_url); /* where the school's address leads is its site */
    switch (v->role) {
    case ROLE_HOME:
    case ROLE_NAV:
        discover(s, &page, res->effective_url, v->depth);
        break;
    case ROLE_HINT:
        record_section(s, res->effective_url, 0, 100);
        harvest(s, &page, res->effective_url, ROLE_SECTION, 0);
        break;
    case ROLE_SECTION:
        record_section(s, res->effective_url, v->depth, v->score);
        harvest(s, &page, res->effective_url, ROLE_SECTION, v->depth);
        break;
    case ROLE_FRAME:
        harvest(s, &page, res->effective_url, ROLE_FRAME, v->depth);
        break;
    default:
        break;
    }
    html_page_free(&page);
}

/* ---- completion ------------------------------------------------------------------------------ */

static int by_type_then_url(const void *a, const void *b)
{
    const struct site_doc *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return strcmp(x->url, y->url);
}

static void finish(struct site *s)
{
    const struct section_page *best = NULL;
    for (size_t i = 0; i < s->n_sections; i++) {
        const struct section_page *p = &s->sections[i];
        if (best == NULL || p->depth < best->depth ||
            (p->depth == best->depth &&
             (p->score > best->score || (p->score == best->score && p->order < best->order))))
            best = p;
    }
    s->section_url = best != NULL ? best->url : NULL;
    for (size_t i = 0; i < s->n_docs; i++) {
        if (s->docs[i].status == DOC_PENDING) { /* cannot happen: every fetch answers */
            s->docs[i].status = DOC_BROKEN;
            s->docs[i].problem = PROBLEM_NOT_CHECKED;
        }
        if (s->docs[i].status == DOC_FOUND && s->docs[i].type != DOC_OTHER)
            s->found |= 1u << s->docs[i].type;
    }
    if (s->n_docs > 1)
        qsort(s->docs, s->n_docs, sizeof(*s->docs), by_type_then_url);
    s->elapsed_ms = fetch_now_ms() - s->started_ms;
    set_state(s, SITE_DONE);
    log_info("site_done",
             "school=%s section=\"%s\" documents=%zu found=%x missing=%x pages=%d requests=%d "
             "errors=%zu ms=%llu",
             s->school.code, s->section_url != NULL ? s->section_url : "", s->n_docs, s->found,
             s->limits->required & ~s->found, s->pages_fetched, s->requests, s->n_errors,
             (unsigned long long)s->elapsed_ms);
    s->done(s, s->done_arg);
}

/* Nothing outstanding: try what was kept for later, or finish. */
static void idle(struct site *s)
{
    if (s->n_sections == 0 && !s->navs_tried && s->n_navs > 0) {
        s->navs_tried = true;
        for (size_t i = 0; i < s->n_navs; i++)
            visit_page(s, s->navs[i].url, ROLE_NAV, 1, s->navs[i].score);
        if (s->pending > 0)
            return;
    }
    finish(s);
}

static void on_fetched(const struct fetch_result *res, void *arg)
{
    struct visit *v = arg;
    struct site *s = v->site;
    s->pending--;
    s->requests++;
    switch (v->role) {
    case ROLE_DOC:
    case ROLE_DOC_FILE:
        site_on_doc(s, v, res);
        break;
    default:
        on_page(s, v, res);
        break;
    }
    free(v);
    if (s->pending == 0)
        idle(s);
}

void site_start(struct site *s)
{
    assert(s->state == SITE_NEW);
    set_state(s, SITE_RUNNING);
    s->started_ms = fetch_now_ms();
    s->started_unix = (long long)time(NULL);
    if (s->limits->site_timeout_ms > 0)
        s->deadline_ms = s->started_ms + s->limits->site_timeout_ms;
    s->home_url = url_from_input(s->school.website);
    if (s->home_url != NULL)
        add_host(s, s->home_url);
    char *hint = s->school.section_url != NULL ? url_from_input(s->school.section_url) : NULL;
    bool ok;
    if (s->home_url == NULL) /* the fetcher answers bad_url from the event loop */
        ok = site_submit(s, s->school.website, ROLE_HOME, 0, 0, 0);
    else if (hint != NULL)
        ok = visit_page(s, hint, ROLE_HINT, 0, 100);
    else
        ok = visit_page(s, s->home_url, ROLE_HOME, 0, 0);
    free(hint);
    if (!ok) {
        /* out of memory before anything was queued: report it as a failed home page */
        log_error("site_no_memory", "school=%s", s->school.code);
        add_error(s, s->school.website, "no_memory", "could not queue the home page");
        finish(s);
    }
}

void site_expire(struct site *s)
{
    if (s->state == SITE_RUNNING)
        s->deadline_ms = fetch_now_ms();
}

void site_result(const struct site *s, struct site_result *out)
{
    *out = (struct site_result){
        .school = &s->school,
        .website = s->home_url,
        .section_url = s->section_url,
        .docs = s->docs,
        .n_docs = s->n_docs,
        .errors = s->errors,
        .n_errors = s->n_errors,
        .required = s->limits->required,
        .found = s->found,
        .pages_fetched = s->pages_fetched,
        .requests = s->requests,
        .docs_skipped = s->docs_skipped,
        .elapsed_ms = s->elapsed_ms,
        .started_unix = s->started_unix,
    };
}
