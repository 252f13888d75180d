/* Unit tests of link extraction (gumbo) on lychee's fixtures and on school-site shapes. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "charset.h"
#include "html_links.h"

#define LYCHEE MW_TESTS_DIR "/corpora/lychee/fixtures"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* The checker's own pipeline: charset decision, conversion to UTF-8, gumbo. */
static void parse_bytes(const char *bytes, size_t len, const char *url, struct html_page *page)
{
    struct charset_decision d = charset_decide(NULL, bytes, len);
    size_t n;
    char *utf8 = charset_to_utf8(d.charset, bytes + d.bom_len, len - d.bom_len, &n);
    cr_assert_not_null(utf8);
    cr_assert(html_parse(utf8, n, url, 5000, page));
    free(utf8);
}

static void parse_fixture(const char *name, const char *url, struct html_page *page)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", LYCHEE, name);
    size_t len;
    char *bytes = slurp(path, &len);
    parse_bytes(bytes, len, url, page);
    free(bytes);
}

static void parse_text(const char *html, const char *url, struct html_page *page)
{
    parse_bytes(html, strlen(html), url, page);
}

/* "url|url|..." in document order */
static void expect_urls(const struct html_page *page, const char *const *want, const char *what)
{
    size_t n = 0;
    while (want[n] != NULL)
        n++;
    cr_expect_eq(page->n_links, n, "%s: %zu links, expected %zu", what, page->n_links, n);
    for (size_t i = 0; i < n && i < page->n_links; i++)
        cr_expect_str_eq(page->links[i].url, want[i], "%s: link %zu", what, i);
}

#define BASE "https://school.example/dir/page.html"

Test(links, lychee_fixtures)
{
    static const struct {
        const char *file;
        const char *urls[4];
    } cases[] = {
        {"TEST.html",
         {"https://endler.dev/2020/rust-compile-times/", "https://hello-rust.show/10/"}},
        {"TEST_DATA_URIS.html",
         {"http://www.w3.org/2000/svg", "http://localhost/assets/img/bg-water.webp"}},
        {"TEST_EMAIL_QUERY_PARAMS.html", {NULL}},
        /* "<div><a href=... /></div>" leaves the <a> open: the tree builder reconstructs it
         * after the </div>, as browsers do, so its href is seen twice */
        {"TEST_HTML5.html",
         {"https://example.com/body/a", "https://example.com/body/div_empty_a",
          "https://example.com/body/div_empty_a"}},
        {"TEST_HTML5_CUSTOM_ELEMENTS.html", {NULL}},
        {"TEST_HTML5_LOWERCASE_DOCTYPE.html", {"https://example.com/body/a"}},
        /* "https;//..." is a relative path; "https://example]org" has no valid host */
        {"TEST_HTML5_MALFORMED_LINKS.html",
         {"https://school.example/dir/https;//example.com/malformed_one",
          "https://example.com/valid"}},
        {"TEST_HTML5_MINIFIED.html",
         {"https://example.com/docs/", "https://example.com/", "https://example.com/forum"}},
        {"TEST_HTTP.html", {"http://example.com/"}},
        {"TEST_VERBATIM.html", {"http://www.example.com/pre/a"}},
        {"LINK_PERIOD.html", {"https://www.example.com/smth."}},
        {"invalid_utf8/index.html", {"https://example.com/"}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct html_page page;
        parse_fixture(cases[i].file, BASE, &page);
        expect_urls(&page, cases[i].urls, cases[i].file);
        html_page_free(&page);
    }
}

Test(links, lychee_texts_and_titles)
{
    struct html_page page;
    parse_fixture("TEST.html", BASE, &page);
    cr_assert_eq(page.n_links, 2);
    cr_expect_str_eq(page.links[0].text, "Matthias Endler"); /* newlines inside collapsed */
    cr_expect_str_eq(page.title, "Some more test links");
    html_page_free(&page);

    parse_fixture("TEST_HTML5_MINIFIED.html", BASE, &page);
    cr_assert_eq(page.n_links, 3);
    cr_expect_str_eq(page.links[0].text, "");
    cr_expect_str_eq(page.links[0].title_attr, "Docs");
    cr_expect(page.links[0].in_chrome, "inside <nav>");
    cr_expect_str_eq(page.links[2].text, "Forum");
    html_page_free(&page);
}

Test(links, lychee_resolve_paths)
{
    struct html_page page;
    parse_fixture("resolve_paths/index.html", "https://school.example/resolve_paths/index.html",
                  &page);
    static const char *const index[] = {"https://school.example/", "https://school.example/about",
                                        "https://school.example/another%20page", NULL};
    expect_urls(&page, index, "resolve_paths/index.html");
    html_page_free(&page);

    parse_fixture("resolve_paths/index2.html", "https://school.example/resolve_paths/index2.html",
                  &page);
    static const char *const index2[] = {
        "https://school.example/",
        "https://school.example/about",
        "https://school.example/another%20page",
        "https://school.example/resolve_paths/resolve_paths/index.html",
        "https://school.example/resolve_paths/resolve_paths/same%20folder.html",
        NULL};
    expect_urls(&page, index2, "resolve_paths/index2.html");
    html_page_free(&page);
}

Test(links, base_href_and_kinds)
{
    struct html_page page;
    parse_text("<html><head><base href=\"/upload/docs/\"><title> Сведения </title></head><body>"
               "<h1>Наставничество</h1>"
               "<a href=\"polozhenie.pdf\">Положение <span>о&nbsp;наставничестве</span></a>"
               "<a href=\"../card?id=5\"><img src=x.png alt=\"Приказ\"></a>"
               "<iframe src=\"list.html\"></iframe><embed src=\"/v.pdf\"><object data=\"o.doc\">"
               "</object><map><area href=\"/area\"></map>"
               "<a href=\"javascript:void(0)\">js</a><a href=\"mailto:a@b\">m</a>"
               "<a href=\"tel:+7\">t</a><a href=\"#top\">top</a><a href=\"\">empty</a>"
               "</body></html>",
               "http://school.example/sveden/", &page);
    cr_expect_str_eq(page.title, "Сведения");
    cr_expect_str_eq(page.h1, "Наставничество");
    static const char *const urls[] = {"http://school.example/upload/docs/polozhenie.pdf",
                                       "http://school.example/upload/card?id=5",
                                       "http://school.example/upload/docs/list.html",
                                       "http://school.example/v.pdf",
                                       "http://school.example/upload/docs/o.doc",
                                       "http://school.example/area",
                                       "http://school.example/upload/docs/",
                                       NULL};
    expect_urls(&page, urls, "base");
    cr_assert_geq(page.n_links, 6);
    cr_expect_str_eq(page.links[0].text, "Положение о наставничестве");
    cr_expect_str_eq(page.links[1].text, "Приказ");
    cr_expect_eq(page.links[2].kind, LINK_IFRAME);
    cr_expect_eq(page.links[3].kind, LINK_EMBED);
    cr_expect_eq(page.links[4].kind, LINK_OBJECT);
    cr_expect_eq(page.links[5].kind, LINK_AREA);
    html_page_free(&page);
}

Test(links, chrome)
{
    struct html_page page;
    parse_text("<header><a href=/h>h</a></header><nav><a href=/n>n</a></nav>"
               "<div class=\"top-menu\"><a href=/m>m</a></div><div id=sidebar><a href=/s>s</a>"
               "</div><ul role=navigation><li><a href=/r>r</a></ul>"
               "<div class=content><a href=/c>c</a></div><footer><a href=/f>f</a></footer>",
               "http://school.example/", &page);
    cr_assert_eq(page.n_links, 7);
    for (size_t i = 0; i < page.n_links; i++) {
        bool content = strcmp(page.links[i].text, "c") == 0;
        cr_expect_eq(page.links[i].in_chrome, !content, "link %s", page.links[i].text);
    }
    html_page_free(&page);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Endless unclosed <div>s: flattened to HTML_MAX_DEPTH, the links after them still found. */
static void deep(size_t n, const char *open_tag)
{
    size_t tag = strlen(open_tag);
    const char *tail = "<a href=\"/nastavnichestvo/\">Наставничество</a>";
    size_t len = n * tag + strlen(tail);
    char *html = malloc(len + 1);
    cr_assert_not_null(html);
    for (size_t i = 0; i < n; i++)
        memcpy(html + i * tag, open_tag, tag);
    strcpy(html + n * tag, tail);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct html_page page;
    cr_assert(html_parse(html, len, "http://school.example/", 100, &page));
    double s = seconds_since(&t0);
    cr_expect_eq(page.n_links, 1, "%zu x %s", n, open_tag);
    if (page.n_links == 1)
        cr_expect_str_eq(page.links[0].url, "http://school.example/nastavnichestvo/");
    cr_expect_geq(page.tags_dropped, n - HTML_MAX_DEPTH);
    cr_log_info("%zu x %s: %.3f s, %zu start tags dropped", n, open_tag, s, page.tags_dropped);
    html_page_free(&page);
    free(html);
}

Test(links, deep_nesting)
{
    deep(5000, "<div>");
    deep(400000, "<div class=x>"); /* 5 MB: more than a page may be */
    deep(100000, "<div></span>");  /* stray end tags must not hide the depth */
    deep(100000, "<b><i>");
}

Test(links, flatten_keeps_shallow_pages)
{
    const char *html = "<div><p>a<p>b<ul><li>x<li>y</ul></div><table><tr><td>1<td>2</table>";
    size_t out_len, dropped;
    char *flat = html_flatten_depth(html, strlen(html), 4, &out_len, &dropped);
    cr_expect_null(flat, "nothing deeper than 4: no copy");
    cr_expect_eq(dropped, 0);
    const char *deep_html = "<div><div><div><a href=/x>x</a><div>text</div></div></div></div>";
    flat = html_flatten_depth(deep_html, strlen(deep_html), 2, &out_len, &dropped);
    cr_assert_not_null(flat);
    cr_expect_str_eq(flat, "<div><div><a href=/x>x</a>text</div></div></div></div>");
    cr_expect_eq(dropped, 2);
    free(flat);
}

Test(links, link_limit)
{
    char html[64 * 40 + 1] = "";
    for (int i = 0; i < 40; i++)
        sprintf(html + strlen(html), "<a href=/p%d>p</a>", i);
    struct html_page page;
    cr_assert(html_parse(html, strlen(html), "http://school.example/", 25, &page));
    cr_expect_eq(page.n_links, 25);
    cr_expect_eq(page.links_dropped, 15);
    html_page_free(&page);
}
