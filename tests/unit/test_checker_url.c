/* URL resolution with curl_url checked against the WHATWG URL test data (web-platform-tests). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "urlutil.h"

#define URLTESTDATA MW_TESTS_DIR "/corpora/wpt-url/urltestdata.json"

static char *slurp(const char *path)
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
    return buf;
}

static bool is_http(const char *url)
{
    return strncmp(url, "http:", 5) == 0 || strncmp(url, "https:", 6) == 0;
}

/* The authority ("user@host:port") as written in an absolute URL, compared textually: libcurl
 * may normalise a host when asked for it alone, not in the whole URL. */
static bool host_differs(const char *want, const char *got)
{
    const char *a = strstr(want, "://"), *b = strstr(got, "://");
    if (a == NULL || b == NULL)
        return true;
    a += 3;
    b += 3;
    size_t na = strcspn(a, "/?#"), nb = strcspn(b, "/?#");
    return na != nb || strncmp(a, b, na) != 0;
}

/*
 * Where libcurl's parser (RFC 3986 with its own leniencies) is known to differ from the WHATWG
 * URL Standard: a name for each family, so the test can count them; "other" is a failure.
 */
static const char *difference(const char *input, const char *want, const char *got)
{
    if (strchr(input, '\\') != NULL)
        return "backslash"; /* WHATWG reads '\' as '/' in http(s) URLs */
    if (want != NULL && got != NULL && strlen(want) == strlen(got) + 1 &&
        want[strlen(got)] == '?' && strncmp(want, got, strlen(got)) == 0)
        return "empty_query"; /* "?" kept by WHATWG, dropped by libcurl */
    if ((strncmp(input, "http:", 5) == 0 && strncmp(input, "http://", 7) != 0) ||
        (strncmp(input, "https:", 6) == 0 && strncmp(input, "https://", 8) != 0))
        return "scheme_without_slashes"; /* "http:foo.com" is relative for WHATWG */
    if (want == NULL || got == NULL || host_differs(want, got))
        return "authority"; /* IDNA, IPv4 number forms, percent-encoded or forbidden code points
                               in hosts, default ports, userinfo escaping */
    return "other";
}

struct family {
    const char *name;
    int count;
};

Test(url, wpt_relative_resolution)
{
    char *text = slurp(URLTESTDATA);
    cJSON *all = cJSON_Parse(text);
    cr_assert_not_null(all);
    struct family families[] = {{"backslash", 0},
                                {"empty_query", 0},
                                {"scheme_without_slashes", 0},
                                {"authority", 0},
                                {"other", 0}};
    size_t n_families = sizeof(families) / sizeof(families[0]);
    int checked = 0, agree = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, all)
    {
        const cJSON *base = cJSON_GetObjectItemCaseSensitive(t, "base");
        const cJSON *input = cJSON_GetObjectItemCaseSensitive(t, "input");
        if (!cJSON_IsObject(t) || !cJSON_IsString(base) || !is_http(base->valuestring) ||
            !cJSON_IsString(input))
            continue;
        const cJSON *href = cJSON_GetObjectItemCaseSensitive(t, "href");
        bool failure = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "failure"));
        /* what url_resolve should give: the href without its fragment, or NULL for a failure
         * and for a non-http result (mailto:, javascript:, data: are not followed) */
        char want_buf[4096];
        const char *want = NULL;
        if (!failure && cJSON_IsString(href) && is_http(href->valuestring)) {
            snprintf(want_buf, sizeof(want_buf), "%s", href->valuestring);
            char *hash = strchr(want_buf, '#');
            if (hash != NULL)
                *hash = '\0';
            want = want_buf;
        }
        char *got = url_resolve(base->valuestring, input->valuestring);
        checked++;
        if ((want == NULL && got == NULL) || (want != NULL && got != NULL && !strcmp(want, got))) {
            agree++;
        } else {
            const char *family = difference(input->valuestring, want, got);
            for (size_t i = 0; i < n_families; i++) {
                if (strcmp(families[i].name, family) == 0)
                    families[i].count++;
            }
            cr_expect_str_neq(family, "other", "input \"%s\" base \"%s\": want %s, got %s",
                              input->valuestring, base->valuestring, want ? want : "nothing",
                              got ? got : "nothing");
        }
        free(got);
    }
    cJSON_Delete(all);
    free(text);
    char line[512] = "";
    for (size_t i = 0; i < n_families; i++)
        snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s=%d", families[i].name,
                 families[i].count);
    cr_log_info("WPT URL data, http(s) base: %d checked, %d agree; skipped where libcurl "
                "differs:%s",
                checked, agree, line);
    cr_expect_eq(checked, 199);
    cr_expect_geq(agree, 144, "libcurl agreed on %d of %d", agree, checked);
}

Test(url, resolution_on_school_sites)
{
    static const struct {
        const char *base, *ref, *want;
    } cases[] = {
        {"http://school.ru/sveden/", "../nastavnichestvo/", "http://school.ru/nastavnichestvo/"},
        {"http://school.ru/a/b.html", "docs/polojenie_o_nastavnichestve.pdf",
         "http://school.ru/a/docs/polojenie_o_nastavnichestve.pdf"},
        {"http://school.ru/", "/nasha-shkola/наставничество/",
         "http://school.ru/nasha-shkola/%D0%BD%D0%B0%D1%81%D1%82%D0%B0%D0%B2%D0%BD%D0%B8%D1%87%D0"
         "%B5%D1%81%D1%82%D0%B2%D0%BE/"},
        {"http://school.ru/", " /file/card?id=5 ", "http://school.ru/file/card?id=5"},
        {"http://school.ru/", "/docs/Приказ №1.pdf",
         "http://school.ru/docs/%D0%9F%D1%80%D0%B8%D0%BA%D0%B0%D0%B7%20%E2%84%961.pdf"},
        {"http://school.ru/x", "//cdn.school.ru/f.pdf", "http://cdn.school.ru/f.pdf"},
        {"http://school.ru/x", "HTTP://School.RU:80/Y#z", "http://school.ru/Y"},
        {"https://school.ru/x", "https://school.ru:443/", "https://school.ru/"},
        {"http://school.ru/x?y=1", "?p=12", "http://school.ru/x?p=12"},
        {"http://school.ru/x", "#top", "http://school.ru/x"},
        {"http://school.ru/x", "", "http://school.ru/x"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = url_resolve(cases[i].base, cases[i].ref);
        cr_expect(got != NULL && strcmp(got, cases[i].want) == 0, "\"%s\" on %s: %s", cases[i].ref,
                  cases[i].base, got ? got : "nothing");
        free(got);
    }
    static const char *const refused[] = {"mailto:a@school.ru", "javascript:void(0)",
                                          "data:text/html,x",   "ftp://school.ru/f.pdf",
                                          "tel:+78001234567",   "file:///etc/passwd"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char *got = url_resolve("http://school.ru/", refused[i]);
        cr_expect_null(got, "%s resolved to %s", refused[i], got);
        free(got);
    }
}

Test(url, parts_and_input)
{
    char *u = url_from_input("school14.ru");
    cr_expect_str_eq(u, "http://school14.ru/");
    free(u);
    u = url_from_input("  https://School14.RU/path  ");
    cr_expect_str_eq(u, "https://school14.ru/path");
    free(u);
    cr_expect_null(url_from_input(""));
    cr_expect_null(url_from_input("ftp://school.ru/"));
    char *o = url_origin("https://www.school.ru/a?b");
    cr_expect_str_eq(o, "https://www.school.ru:443");
    free(o);
    o = url_origin("http://school.ru:8080/");
    cr_expect_str_eq(o, "http://school.ru:8080");
    free(o);
    cr_expect(url_same_site("www.school.ru", "school.ru"));
    cr_expect(url_same_site("school.ru", "www.school.ru"));
    cr_expect(!url_same_site("school.ru", "other.ru"));
    cr_expect(!url_same_site("sub.school.ru", "school.ru"));
    char ext[8];
    cr_expect(url_extension("http://s.ru/docs/Prikaz.PDF?x=1", ext, sizeof(ext)) &&
              !strcmp(ext, "pdf"));
    cr_expect(!url_extension("http://s.ru/docs/", ext, sizeof(ext)));
    cr_expect(!url_extension("http://s.ru/file/card?id=5", ext, sizeof(ext)));
    char *pq = url_path_query("http://s.ru/file/card?id=5");
    cr_expect_str_eq(pq, "/file/card?id=5");
    free(pq);
}
