/* static_files: which URL paths may name a file, content types, ETag matching, loading. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mwtest.h"
#include "static_files.h"

Test(static_path, accepts_plain_file_paths)
{
    const char *ok[] = {
        "/",          "/index.html", "/js/app.js", "/js/views/school.js", "/favicon.svg",
        "/a-b_c.d.e", "/x..y"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_expect(static_path_valid(ok[i]), "%s is a file path", ok[i]);
}

Test(static_path, refuses_traversal_escapes_and_hidden_files)
{
    const char *bad[] = {
        "",          "index.html",   "/..",       "/../etc/passwd",     "/js/../../etc/passwd",
        "/./x",      "/js/./app.js", "//etc",     "/js//app.js",        "/js/",
        "/%2e%2e/x", "/..%2fetc",    "/js%2fapp", "/index.html%00.js",  "/a\\..\\b",
        "/.git",     "/js/.env",     "/a b",      "/caf\xc3\xa9.html",  "/a?b",
        "/a;b",      "/a\x01",       "/a:b",      "/%D1%88%D0%BA.html",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect(!static_path_valid(bad[i]), "\"%s\" is refused", bad[i]);
    char long_path[STATIC_MAX_PATH + 2];
    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[0] = '/';
    long_path[sizeof(long_path) - 1] = '\0';
    cr_expect(!static_path_valid(long_path), "a path longer than STATIC_MAX_PATH is refused");
}

Test(static_content_type, by_extension)
{
    cr_expect_str_eq(static_content_type("index.html"), "text/html; charset=utf-8");
    cr_expect_str_eq(static_content_type("/js/app.js"), "text/javascript; charset=utf-8");
    cr_expect_str_eq(static_content_type("app.CSS"), "text/css; charset=utf-8");
    cr_expect_str_eq(static_content_type("logo.svg"), "image/svg+xml");
    cr_expect_str_eq(static_content_type("shot.png"), "image/png");
    cr_expect_str_eq(static_content_type("LICENSE"), "application/octet-stream");
    cr_expect_str_eq(static_content_type("dir.js/file"), "application/octet-stream");
}

Test(static_etag, weak_comparison_lists_and_star)
{
    const char *etag = "\"0123456789abcdef\"";
    cr_expect(static_etag_matches("\"0123456789abcdef\"", etag));
    cr_expect(static_etag_matches("W/\"0123456789abcdef\"", etag));
    cr_expect(static_etag_matches("\"x\", \"0123456789abcdef\" ", etag));
    cr_expect(static_etag_matches("*", etag));
    cr_expect(!static_etag_matches("\"0123456789abcdee\"", etag));
    cr_expect(!static_etag_matches("0123456789abcdef", etag), "an unquoted tag is another tag");
    cr_expect(!static_etag_matches("", etag));
    cr_expect(!static_etag_matches(",,", etag));
}

/* Writes text to mwtest_temp_dir()/name (its directory must exist). */
static void put(const char *name, const char *text)
{
    free(mwtest_temp_file(name, text, strlen(text)));
}

Test(static_files, loads_regular_files_only_and_finds_them)
{
    const char *tmp = mwtest_temp_dir();
    char *root = mwtest_fmt("%s/static-load", tmp);
    char *sub = mwtest_fmt("%s/js", root);
    char *hidden_dir = mwtest_fmt("%s/.git", root);
    cr_assert_eq(mkdir(root, 0700), 0);
    cr_assert_eq(mkdir(sub, 0700), 0);
    cr_assert_eq(mkdir(hidden_dir, 0700), 0);
    put("static-load/index.html", "<!doctype html>");
    put("static-load/js/app.js", "export {};");
    put("static-load/.env", "SECRET=1");
    put("static-load/.git/config", "[core]");
    put("static-load/bad name.txt", "unreachable");
    put("outside.txt", "outside the root");
    char *outside = mwtest_fmt("%s/outside.txt", tmp);
    char *link = mwtest_fmt("%s/link.txt", root);
    cr_assert_eq(symlink(outside, link), 0);

    struct static_files *set = static_files_load(root);
    cr_assert_not_null(set);
    cr_expect_eq(static_files_count(set), 2, "index.html and js/app.js only, got %zu",
                 static_files_count(set));
    const struct static_file *index = static_files_find(set, "/");
    cr_assert_not_null(index, "/ is the index");
    cr_expect_str_eq(index->path, "/index.html");
    cr_expect_eq(index->len, strlen("<!doctype html>"));
    cr_expect_eq(memcmp(index->data, "<!doctype html>", index->len), 0);
    cr_expect_str_eq(index->content_type, "text/html; charset=utf-8");
    cr_expect_eq(strlen(index->etag), 18, "a quoted 16-digit tag: %s", index->etag);
    cr_expect(strstr(index->last_modified, " GMT") != NULL, "%s", index->last_modified);
    const struct static_file *app = static_files_find(set, "/js/app.js");
    cr_assert_not_null(app);
    cr_expect_str_neq(app->etag, index->etag, "different content, different tag");
    cr_expect_null(static_files_find(set, "/link.txt"), "symbolic links are not followed");
    cr_expect_null(static_files_find(set, "/.env"));
    cr_expect_null(static_files_find(set, "/missing.js"));
    static_files_free(set);

    struct static_files *none = static_files_load("/nonexistent/mentorwatch-web");
    cr_assert_not_null(none, "a missing directory gives an empty set, not a failure");
    cr_expect_eq(static_files_count(none), 0);
    cr_expect_null(static_files_find(none, "/"));
    static_files_free(none);
    free(root);
    free(sub);
    free(hidden_dir);
    free(outside);
    free(link);
}
