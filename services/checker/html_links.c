/* HTML pages through gumbo: links with their text, <base>, title, first <h1>, text size. */
#include "html_links.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "textfold.h"
#include "urlutil.h"

#define LINK_TEXT_RAW_MAX 1024 /* raw text gathered per link before collapsing */
#define LINK_TEXT_MAX     512  /* bytes kept per link text / title */
#define LINK_WALK_MAX     2000 /* descendant nodes visited for one link's text */
#define PAGE_TITLE_MAX    512

static const char *const kind_names[] = {
    [LINK_A] = "a",         [LINK_AREA] = "area",   [LINK_IFRAME] = "iframe",
    [LINK_FRAME] = "frame", [LINK_EMBED] = "embed", [LINK_OBJECT] = "object",
};
static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == LINK_KIND_MAX,
              "every link kind has a name");

const char *html_link_kind_name(enum link_kind kind)
{
    return (unsigned)kind < LINK_KIND_MAX ? kind_names[kind] : "?";
}

/* ---- depth flattening (a byte pass before gumbo) --------------------------------------------- */

static bool name_in(const char *name, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(name, *list) == 0)
            return true;
    }
    return false;
}

static const char *const void_elements[] = {"area",  "base",  "br",     "col",  "embed", "hr",
                                            "img",   "input", "link",   "meta", "param", "source",
                                            "track", "wbr",   "keygen", NULL};
/* End tags optional or implied: they do not make the tree deeper. */
static const char *const auto_closing[] = {
    "p",     "li",    "dt",    "dd",       "tr",      "td", "th", "option", "optgroup",
    "thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rp",     NULL};
static const char *const raw_text[] = {"script", "style",   "textarea", "title", "xmp",
                                       "iframe", "noembed", "noframes", NULL};
/* Kept however deep: where links and metadata live; none of them nests in practice. */
static const char *const always_kept[] = {"a",    "area", "iframe", "frame", "embed",
                                          "base", "meta", "title",  "img",   NULL};

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The index of the '>' closing the tag that starts at i, quotes respected; len if none. */
static size_t tag_end(const char *h, size_t len, size_t i)
{
    char quote = 0;
    for (size_t j = i + 1; j < len; j++) {
        char c = h[j];
        if (quote != 0) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            if (j > 0 && h[j - 1] == '=')
                quote = c;
        } else if (c == '>') {
            return j;
        }
    }
    return len;
}

static size_t find_ci(const char *h, size_t len, size_t from, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t j = from; j + n <= len; j++) {
        if ((h[j] == needle[0]) && strncasecmp(h + j, needle, n) == 0)
            return j;
    }
    return len;
}

/* Reads a tag name at h[i..) in lower case into name (cap 16); returns its length. */
static size_t read_name(const char *h, size_t len, size_t i, char name[16])
{
    size_t n = 0;
    for (size_t j = i; j < len && n < 15; j++) {
        char c = h[j];
        if (!is_letter(c) && !(c >= '0' && c <= '9'))
            break;
        name[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    name[n] = '\0';
    return n;
}

/*
 * The estimate keeps its own stack of open element names: an end tag closes up to the nearest
 * open element of its name and is ignored when there is none, as the tree builder does, so stray
 * end tags cannot hide depth.
 */
char *html_flatten_depth(const char *h, size_t len, size_t max_depth, size_t *out_len,
                         size_t *dropped)
{
    char *out = NULL;
    char(*open)[16] = malloc((max_depth + 1) * sizeof(*open));
    size_t o = 0, copied = 0, depth = 0, i = 0;
    *dropped = 0;
    if (open == NULL)
        return NULL;
    while (i < len) {
        const char *lt = memchr(h + i, '<', len - i);
        if (lt == NULL)
            break;
        i = (size_t)(lt - h);
        if (i + 4 <= len && memcmp(h + i, "<!--", 4) == 0) {
            size_t e = find_ci(h, len, i + 4, "-->");
            i = e >= len ? len : e + 3;
            continue;
        }
        char name[16];
        if (i + 2 < len && h[i + 1] == '/' && is_letter(h[i + 2])) {
            read_name(h, len, i + 2, name);
            for (size_t k = depth; k > 0; k--) {
                if (strcmp(open[k - 1], name) == 0) {
                    depth = k - 1;
                    break;
                }
            }
            i = tag_end(h, len, i) + 1;
            continue;
        }
        if (i + 1 >= len || !is_letter(h[i + 1])) {
            i++;
            continue;
        }
        read_name(h, len, i + 1, name);
        size_t end = tag_end(h, len, i);
        bool self_closing = end < len && end > i && h[end - 1] == '/';
        size_t next = end >= len ? len : end + 1;
        if (name_in(name, raw_text)) {
            char closer[20] = "</";
            strcat(closer, name);
            size_t e = find_ci(h, len, next, closer);
            next = e >= len ? len : tag_end(h, len, e) + 1;
        } else if (!self_closing && !name_in(name, void_elements) && !name_in(name, auto_closing) &&
                   !name_in(name, always_kept)) {
            if (depth < max_depth) {
                memcpy(open[depth++], name, sizeof(name));
            } else {
                if (out == NULL && (out = malloc(len + 1)) == NULL) {
                    free(open);
                    *dropped = 0;
                    return NULL;
                }
                memcpy(out + o, h + copied, i - copied);
                o += i - copied;
                copied = next;
                (*dropped)++;
            }
        }
        i = next > i ? next : i + 1;
    }
    free(open);
    if (out == NULL)
        return NULL;
    memcpy(out + o, h + copied, len - copied);
    o += len - copied;
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* ---- tree walking ---------------------------------------------------------------------------- */

struct buf {
    char *data;
    size_t len, cap;
};

static bool buf_add(struct buf *b, const char *s, size_t n, size_t limit)
{
    if (b->len >= limit)
        return true;
    if (n > limit - b->len)
        n = limit - b->len;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (p == NULL)
            return false;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

static const GumboVector *children_of(const GumboNode *node)
{
    if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE)
        return &node->v.element.children;
    if (node->type == GUMBO_NODE_DOCUMENT)
        return &node->v.document.children;
    return NULL;
}

/* A stack for iterative walks: the tree may be deep, the C stack is not. */
struct walk {
    struct item {
        const GumboNode *node;
        bool chrome;
    } * items;
    size_t n, cap;
};

static bool walk_push(struct walk *w, const GumboNode *node, bool chrome)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        struct item *p = realloc(w->items, cap * sizeof(*p));
        if (p == NULL)
            return false;
        w->items = p;
        w->cap = cap;
    }
    w->items[w->n++] = (struct item){node, chrome};
    return true;
}

/* Pushes the children in reverse so they pop in document order. */
static bool walk_push_children(struct walk *w, const GumboNode *node, bool chrome)
{
    const GumboVector *kids = children_of(node);
    for (size_t k = kids != NULL ? kids->length : 0; k > 0; k--) {
        if (!walk_push(w, kids->data[k - 1], chrome))
            return false;
    }
    return true;
}

/* Text of node's descendants (text nodes and <img alt>), raw, at most LINK_TEXT_RAW_MAX bytes. */
static bool gather_text(const GumboNode *node, struct buf *out)
{
    struct walk w = {0};
    bool ok = walk_push_children(&w, node, false);
    size_t visited = 0;
    while (ok && w.n > 0 && visited++ < LINK_WALK_MAX && out->len < LINK_TEXT_RAW_MAX) {
        const GumboNode *n = w.items[--w.n].node;
        if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
            n->type == GUMBO_NODE_CDATA) {
            ok = buf_add(out, n->v.text.text, strlen(n->v.text.text), LINK_TEXT_RAW_MAX) &&
                 buf_add(out, " ", 1, LINK_TEXT_RAW_MAX);
        } else if (n->type == GUMBO_NODE_ELEMENT) {
            if (n->v.element.tag == GUMBO_TAG_SCRIPT || n->v.element.tag == GUMBO_TAG_STYLE)
                continue;
            if (n->v.element.tag == GUMBO_TAG_IMG) {
                const GumboAttribute *alt = gumbo_get_attribute(&n->v.element.attributes, "alt");
                if (alt != NULL)
                    ok = buf_add(out, alt->value, strlen(alt->value), LINK_TEXT_RAW_MAX) &&
                         buf_add(out, " ", 1, LINK_TEXT_RAW_MAX);
            }
            ok = ok && walk_push_children(&w, n, false);
        }
    }
    free(w.items);
    return ok;
}

static char *collapsed_text_of(const GumboNode *node, size_t max)
{
    struct buf b = {0};
    if (!gather_text(node, &b)) {
        free(b.data);
        return NULL;
    }
    char *text = text_collapse(b.data != NULL ? b.data : "", b.len, max);
    free(b.data);
    return text;
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p != '\0'; p++) {
        if (strncasecmp(p, needle, n) == 0)
            return true;
    }
    return false;
}

/* Site navigation rather than content: by element, or by a telling class or id. */
static bool is_chrome(const GumboElement *el)
{
    switch (el->tag) {
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_ASIDE:
        return true;
    default:
        break;
    }
    static const char *const words[] = {"menu", "nav", "sidebar", "breadcrumb", "footer", "header"};
    const char *attrs[] = {"class", "id", "role"};
    for (size_t a = 0; a < 3; a++) {
        const GumboAttribute *attr = gumbo_get_attribute(&el->attributes, attrs[a]);
        if (attr == NULL)
            continue;
        for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
            if (contains_ci(attr->value, words[k]))
                return true;
        }
    }
    return false;
}

struct parse_state {
    struct html_page *page;
    const char *base;
    size_t max_links, cap;
};

static bool add_link(struct parse_state *st, const GumboNode *node, const char *ref,
                     enum link_kind kind, bool chrome)
{
    struct html_page *page = st->page;
    char *url = url_resolve(st->base, ref);
    if (url == NULL)
        return true; /* not http(s) or not a URL: not a link we follow */
    if (page->n_links >= st->max_links) {
        page->links_dropped++;
        free(url);
        return true;
    }
    if (page->n_links == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 32;
        struct html_link *p = realloc(page->links, cap * sizeof(*p));
        if (p == NULL) {
            free(url);
            return false;
        }
        page->links = p;
        st->cap = cap;
    }
    const GumboAttribute *title = gumbo_get_attribute(&node->v.element.attributes, "title");
    struct html_link *link = &page->links[page->n_links];
    *link = (struct html_link){.url = url, .kind = kind, .in_chrome = chrome};
    link->text = collapsed_text_of(node, LINK_TEXT_MAX);
    link->title_attr =
        title != NULL ? text_collapse(title->value, strlen(title->value), LINK_TEXT_MAX) : NULL;
    page->n_links++;
    return link->text != NULL && (title == NULL || link->title_attr != NULL);
}

/* The attribute that carries an element's link, with its kind; NULL for other elements. */
static const char *link_attr(GumboTag tag, enum link_kind *kind)
{
    switch (tag) {
    case GUMBO_TAG_A:
        *kind = LINK_A;
        return "href";
    case GUMBO_TAG_AREA:
        *kind = LINK_AREA;
        return "href";
    case GUMBO_TAG_IFRAME:
        *kind = LINK_IFRAME;
        return "src";
    case GUMBO_TAG_FRAME:
        *kind = LINK_FRAME;
        return "src";
    case GUMBO_TAG_EMBED:
        *kind = LINK_EMBED;
        return "src";
    case GUMBO_TAG_OBJECT:
        *kind = LINK_OBJECT;
        return "data";
    default:
        return NULL;
    }
}

/* The first <base href> in tree order, resolved against the page's URL; NULL when none. */
static char *find_base(const GumboNode *root, const char *page_url)
{
    struct walk w = {0};
    char *base = NULL;
    bool ok = walk_push(&w, root, false);
    while (ok && w.n > 0 && base == NULL) {
        const GumboNode *n = w.items[--w.n].node;
        if (n->type != GUMBO_NODE_ELEMENT)
            continue;
        if (n->v.element.tag == GUMBO_TAG_BASE) {
            const GumboAttribute *href = gumbo_get_attribute(&n->v.element.attributes, "href");
            if (href != NULL) {
                base = url_resolve(page_url, href->value);
                break;
            }
        }
        ok = walk_push_children(&w, n, false);
    }
    free(w.items);
    return base;
}

static bool walk_page(struct parse_state *st, const GumboNode *root)
{
    struct html_page *page = st->page;
    struct walk w = {0};
    bool ok = walk_push(&w, root, false);
    while (ok && w.n > 0) {
        struct item it = w.items[--w.n];
        const GumboNode *n = it.node;
        if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA) {
            page->text_bytes += strlen(n->v.text.text);
            continue;
        }
        if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_TEMPLATE &&
            n->type != GUMBO_NODE_DOCUMENT) {
            continue;
        }
        bool chrome = it.chrome;
        if (n->type == GUMBO_NODE_ELEMENT) {
            const GumboElement *el = &n->v.element;
            if (el->tag == GUMBO_TAG_SCRIPT || el->tag == GUMBO_TAG_STYLE ||
                el->tag == GUMBO_TAG_NOSCRIPT)
                continue;
            if (el->tag == GUMBO_TAG_TITLE && page->title == NULL) {
                page->title = collapsed_text_of(n, PAGE_TITLE_MAX);
                ok = page->title != NULL;
                continue;
            }
            if (el->tag == GUMBO_TAG_H1 && page->h1 == NULL) {
                page->h1 = collapsed_text_of(n, PAGE_TITLE_MAX);
                ok = page->h1 != NULL;
            }
            chrome = chrome || is_chrome(el);
            enum link_kind kind;
            const char *attr_name = link_attr(el->tag, &kind);
            if (attr_name != NULL) {
                const GumboAttribute *attr = gumbo_get_attribute(&el->attributes, attr_name);
                if (attr != NULL && attr->value[0] != '\0')
                    ok = ok && add_link(st, n, attr->value, kind, chrome);
            }
        }
        ok = ok && walk_push_children(&w, n, chrome);
    }
    free(w.items);
    return ok;
}

bool html_parse(const char *utf8, size_t len, const char *page_url, size_t max_links,
                struct html_page *out)
{
    memset(out, 0, sizeof(*out));
    size_t flat_len = 0;
    char *flat = html_flatten_depth(utf8, len, HTML_MAX_DEPTH, &flat_len, &out->tags_dropped);
    GumboOptions options = kGumboDefaultOptions;
    /* Gumbo copies the stack of open elements into every parse error: quadratic memory on
     * broken pages (5,000 unclosed <div>s cost 200 MB). Errors are of no use here. */
    options.max_errors = 0;
    GumboOutput *parsed = gumbo_parse_with_options(&options, flat != NULL ? flat : utf8,
                                                   flat != NULL ? flat_len : len);
    if (parsed == NULL) {
        free(flat);
        return false;
    }
    char *base = find_base(parsed->root, page_url);
    struct parse_state st = {out, base != NULL ? base : page_url, max_links, 0};
    bool ok = walk_page(&st, parsed->root);
    gumbo_destroy_output(&options, parsed);
    free(base);
    free(flat);
    if (ok && out->title == NULL)
        ok = (out->title = strdup("")) != NULL;
    if (ok && out->h1 == NULL)
        ok = (out->h1 = strdup("")) != NULL;
    if (!ok)
        html_page_free(out);
    return ok;
}

void html_page_free(struct html_page *page)
{
    for (size_t i = 0; i < page->n_links; i++) {
        free(page->links[i].url);
        free(page->links[i].text);
        free(page->links[i].title_attr);
    }
    free(page->links);
    free(page->title);
    free(page->h1);
    memset(page, 0, sizeof(*page));
}
