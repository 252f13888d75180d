/* A site's document links: their types, titles, and what their answers say (one card hop). */
#include "site_internal.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "textfold.h"
#include "urlutil.h"
#include "verify.h"

/* The type of a link: its text, its title attribute, then its file name. */
bool site_match_link(const struct html_link *link, bool context, struct doc_match *m,
                     enum match_source *source)
{
    char *text = site_fold(link->text);
    char *title = site_fold(link->title_attr);
    char *file = matcher_fold_file_name(link->url);
    bool ok = false;
    if (text != NULL && matcher_doc_type(text, context, m)) {
        *source = MATCH_TEXT;
        ok = true;
    } else if (title != NULL && matcher_doc_type(title, context, m)) {
        *source = MATCH_TITLE_ATTR;
        ok = true;
    } else if (file != NULL && matcher_doc_type(file, context, m)) {
        *source = MATCH_FILE_NAME;
        ok = true;
    }
    free(text);
    free(title);
    free(file);
    return ok;
}

/* What a document is called: its link text unless that says nothing («Скачать»). */
static char *doc_title(const struct html_link *link)
{
    char *folded = site_fold(link->text);
    bool generic = folded == NULL || matcher_is_generic_text(folded);
    free(folded);
    if (!generic)
        return strdup(link->text);
    if (link->title_attr != NULL && link->title_attr[0] != '\0')
        return strdup(link->title_attr);
    char *path = url_path(link->url);
    const char *name = path != NULL && strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : "";
    char *decoded = text_percent_decode(name, strlen(name));
    char *title = decoded != NULL ? text_collapse(decoded, strlen(decoded), TITLE_MAX) : NULL;
    free(decoded);
    free(path);
    return title;
}

void site_add_doc(struct site *s, const struct html_link *link, const char *page_url,
                  const struct doc_match *m, enum match_source source)
{
    if (strset_has(s->seen, link->url)) {
        /* Seen: a typed mention upgrades an "other" one (an icon link, then the title). */
        for (size_t i = 0; i < s->n_docs && source != MATCH_NONE; i++) {
            struct site_doc *d = &s->docs[i];
            if (strcmp(d->url, link->url) == 0 && d->matched_by == MATCH_NONE) {
                char *title = doc_title(link);
                if (title != NULL) {
                    free(d->title);
                    d->title = title;
                }
                d->type = m->type;
                d->rule = m->rule;
                d->matched_by = source;
            }
        }
        return;
    }
    if ((int)s->n_docs >= s->limits->max_documents) {
        s->docs_skipped++;
        return;
    }
    if (strset_add(s->seen, link->url) < 0 ||
        !site_reserve((void **)&s->docs, s->n_docs, &s->cap_docs, sizeof(*s->docs)))
        return;
    struct site_doc *d = &s->docs[s->n_docs];
    *d = (struct site_doc){
        .type = source != MATCH_NONE ? m->type : DOC_OTHER,
        .matched_by = source,
        .rule = source != MATCH_NONE ? m->rule : -1,
        .url = strdup(link->url),
        .title = doc_title(link),
        .found_on = strdup(page_url),
        .status = DOC_PENDING,
        .bytes = -1,
        .last_modified = -1,
    };
    if (d->url == NULL || d->title == NULL || d->found_on == NULL) {
        free(d->url);
        free(d->title);
        free(d->found_on);
        return;
    }
    s->n_docs++;
    if (!site_submit(s, d->url, ROLE_DOC, 0, 0, s->n_docs - 1)) {
        d->status = DOC_BROKEN;
        d->problem = PROBLEM_FETCH;
        d->fetch_error = FETCH_ERR_NO_MEMORY;
    }
}

/* ---- documents ------------------------------------------------------------------------------- */

static void doc_answer(struct site_doc *d, const struct fetch_result *res, const struct verdict *vd)
{
    free(d->file_url);
    d->file_url = strdup(res->effective_url);
    d->http_status = res->http_status;
    free(d->content_type);
    d->content_type = site_dup(res->content_type);
    d->kind = vd->kind;
    d->bytes = vd->bytes;
    d->last_modified = res->last_modified;
    d->problem = vd->problem;
    d->status = vd->found ? DOC_FOUND : DOC_BROKEN;
}

static void doc_failed(struct site_doc *d, const struct fetch_result *res)
{
    free(d->file_url);
    d->file_url = strdup(res->effective_url);
    d->http_status = res->http_status;
    d->problem = PROBLEM_FETCH;
    d->fetch_error = res->error;
    d->status = DOC_BROKEN;
}

static bool is_viewer(const struct html_link *l)
{
    if (l->kind != LINK_IFRAME && l->kind != LINK_EMBED && l->kind != LINK_OBJECT)
        return false;
    return strstr(l->url, "viewer") != NULL || strstr(l->url, "docs.google.com") != NULL ||
           strstr(l->url, "pdfjs") != NULL || strstr(l->url, "/pdf") != NULL;
}

/*
 * A document link answered with an HTML page (a card, an attachment page): its heading may name
 * the document; the file it links to is checked next (one hop); a page with an embedded viewer
 * or the document's whole text carries it as HTML; anything else is broken.
 */
static void on_doc_page(struct site *s, const struct visit *v, const struct fetch_result *res)
{
    struct site_doc *d = &s->docs[v->doc];
    struct html_page page;
    s->pages_fetched++;
    if (!site_parse_page(s, res, &page)) {
        doc_failed(d, res);
        d->fetch_error = FETCH_ERR_NO_MEMORY;
        return;
    }
    d->via_page = true;
    char *h1 = site_fold(page.h1), *title = site_fold(page.title);
    const char *heading = page.h1[0] != '\0' ? page.h1 : page.title;
    struct doc_match m;
    bool card_typed = false;
    if (h1 != NULL && title != NULL &&
        (matcher_doc_type(h1, true, &m) || matcher_doc_type(title, true, &m))) {
        card_typed = m.type == d->type || d->matched_by == MATCH_NONE;
        if (d->matched_by == MATCH_NONE) {
            d->type = m.type;
            d->rule = m.rule;
            d->matched_by = MATCH_CARD;
        }
    }
    char *folded_doc_title = site_fold(d->title);
    if (heading[0] != '\0' &&
        (folded_doc_title == NULL || matcher_is_generic_text(folded_doc_title) ||
         d->matched_by == MATCH_CARD)) {
        char *t = strdup(heading);
        if (t != NULL) {
            free(d->title);
            d->title = t;
        }
    }
    free(folded_doc_title);
    bool error_page = verify_is_error_page(title, h1);
    free(h1);
    free(title);
    char *host = url_host(res->effective_url);
    bool hosted = verify_is_document_host(host);
    free(host);

    /* The file: a document-file link of the content, one of the document's type first. */
    const struct html_link *first = NULL, *same = NULL, *viewer = NULL;
    for (size_t i = 0; i < page.n_links; i++) {
        const struct html_link *l = &page.links[i];
        if (l->in_chrome)
            continue;
        if (viewer == NULL && is_viewer(l))
            viewer = l;
        if (matcher_url_shape(l->url) != URL_DOC_FILE)
            continue;
        if (first == NULL)
            first = l;
        struct doc_match lm;
        enum match_source src;
        if (same == NULL && site_match_link(l, true, &lm, &src) && lm.type == d->type)
            same = l;
    }
    const struct html_link *file = same != NULL ? same : first;
    if (hosted) { /* Yandex Disk, Google Drive: the viewer page is the publication */
        struct verdict vd = {.kind = KIND_HTML, .bytes = -1, .found = !error_page};
        vd.problem = error_page ? PROBLEM_ERROR_PAGE : PROBLEM_NONE;
        doc_answer(d, res, &vd);
    } else if (file != NULL && !error_page) {
        free(d->file_url);
        d->file_url = strdup(file->url);
        if (!site_submit(s, file->url, ROLE_DOC_FILE, 0, 0, v->doc))
            doc_failed(d, res);
    } else {
        struct verdict vd = {.kind = KIND_HTML,
                             .bytes = res->truncated ? -1 : (long long)res->body_len};
        if (error_page)
            vd.problem = PROBLEM_ERROR_PAGE;
        else if (viewer != NULL || (card_typed && page.text_bytes >= VERIFY_TEXT_DOCUMENT_MIN))
            vd.found = true;
        else
            vd.problem = PROBLEM_NO_DOCUMENT_ON_PAGE;
        doc_answer(d, res, &vd);
    }
    html_page_free(&page);
}

void site_on_doc(struct site *s, const struct visit *v, const struct fetch_result *res)
{
    struct site_doc *d = &s->docs[v->doc];
    if (res->error != FETCH_OK) {
        doc_failed(d, res);
        return;
    }
    char ext[16];
    bool has_ext = url_extension(res->effective_url, ext, sizeof(ext)) ||
                   url_extension(res->url, ext, sizeof(ext));
    bool file_expected = v->role == ROLE_DOC_FILE || matcher_url_shape(res->url) == URL_DOC_FILE;
    struct verdict vd =
        verify_answer(res->http_status, res->body, res->body_len, res->truncated, res->content_type,
                      res->content_range, res->content_length, has_ext ? ext : NULL, file_expected);
    if (vd.html_page && v->role == ROLE_DOC) {
        on_doc_page(s, v, res);
        return;
    }
    if (vd.html_page) { /* a card's file link answered with yet another page: one hop only */
        vd.html_page = false;
        vd.problem = PROBLEM_NO_DOCUMENT_ON_PAGE;
    }
    doc_answer(d, res, &vd);
}
