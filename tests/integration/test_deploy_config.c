/* deploy/ and docker-compose.yml checked by the tools that will read them: docker-compose
 * config, nginx -t, systemd-analyze; every setting documented; the runtime image's packages
 * cover every library the binaries load. No Docker engine needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "fixture_deploy.h"

TestSuite(deploy_config, .timeout = 300);

/* ---- settings -------------------------------------------------------------------------------- */

/* Every name in text that follows opener, starts with prefix, continues in [A-Z0-9_] and ends
 * before one of the characters of closers, as a NUL-separated list ending with an empty
 * string: ("\"", "MW_", "\"") finds the "MW_..." string literals of a C file. */
static char *find_names(const char *text, const char *opener, const char *prefix,
                        const char *closers)
{
    size_t cap = strlen(text) + 2, len = 0;
    char *names = calloc(1, cap);
    cr_assert_not_null(names);
    char *needle = mwtest_fmt("%s%s", opener, prefix);
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle)) {
        const char *start = p + strlen(opener);
        size_t n = strspn(start, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
        if (n == 0 || start[n] == '\0' || strchr(closers, start[n]) == NULL)
            continue;
        memcpy(names + len, start, n);
        len += n + 1;
    }
    free(needle);
    return names;
}

static char *read_source(const char *relative)
{
    char *path = fixture_source_path(relative);
    char *text = mwtest_read_file(path, NULL);
    cr_assert_not_null(text, "cannot read %s", path);
    free(path);
    return text;
}

/* Whether doc has a line "NAME=" or "#NAME=" (an example file) or mentions "NAME:" (compose). */
static bool documents(const char *doc, const char *name, bool env_file)
{
    char *a = mwtest_fmt(env_file ? "\n%s=" : "%s:", name);
    char *b = mwtest_fmt(env_file ? "\n#%s=" : " %s:", name);
    bool found = strstr(doc, a) != NULL || strstr(doc, b) != NULL;
    free(a);
    free(b);
    return found;
}

static int check_names(const char *names, const char *doc, const char *doc_name, bool env_file)
{
    int count = 0;
    for (const char *name = names; *name != '\0'; name += strlen(name) + 1) {
        cr_expect(documents(doc, name, env_file), "%s does not document %s", doc_name, name);
        count++;
    }
    return count;
}

Test(deploy_config, every_setting_of_the_collector_and_checker_is_documented_and_passed_on)
{
    char *collector = read_source("services/collector/config.c");
    char *checker = read_source("services/checker/checker_config.c");
    char *env_example = read_source("deploy/mentorwatch.env.example");
    char *compose = read_source("docker-compose.yml");
    char *dotenv = read_source(".env.example");

    char *collector_keys = find_names(collector, "\"", "MW_", "\"");
    char *checker_keys = find_names(checker, "\"", "MW_", "\"");
    char *database_keys = find_names(collector, "\"", "DATABASE_URL", "\"");
    int n = check_names(collector_keys, env_example, "deploy/mentorwatch.env.example", true);
    n += check_names(checker_keys, env_example, "deploy/mentorwatch.env.example", true);
    check_names(database_keys, env_example, "deploy/mentorwatch.env.example", true);
    cr_assert_geq(n, 30, "found the settings tables (%d names)", n);
    /* docker-compose hands every one to the container (empty: the program's default). */
    check_names(collector_keys, compose, "docker-compose.yml", false);
    check_names(checker_keys, compose, "docker-compose.yml", false);
    check_names(database_keys, compose, "docker-compose.yml", false);

    /* What docker-compose.yml interpolates, .env.example sets, and nothing more. */
    char *interpolated = find_names(compose, "${", "", ":}");
    char *set = find_names(dotenv, "\n", "", "=");
    check_names(interpolated, dotenv, ".env.example", true);
    for (const char *name = set; *name != '\0'; name += strlen(name) + 1) {
        char *use = mwtest_fmt("${%s:", name);
        cr_expect(strstr(compose, use) != NULL,
                  ".env.example sets %s, docker-compose.yml does not use it", name);
        free(use);
    }
    free(interpolated);
    free(set);

    free(collector_keys);
    free(checker_keys);
    free(database_keys);
    free(collector);
    free(checker);
    free(env_example);
    free(compose);
    free(dotenv);
}

/* ---- docker-compose ----------------------------------------------------------------------------
 */

static int compose(const char *const *env, char **out, char **err, const char *verb,
                   const char *option)
{
    char *file = fixture_source_path("docker-compose.yml");
    char *env_file = fixture_source_path(".env.example");
    const char *argv[] = {"docker-compose", "--env-file", env_file, "-f", file, verb, option, NULL};
    int rc = mwtest_run(argv, env, NULL, 0, out, err);
    free(file);
    free(env_file);
    return rc;
}

Test(deploy_config, docker_compose_config_accepts_the_file_and_requires_a_password)
{
    cr_assert(fixture_have_program("docker-compose"),
              "docker-compose is not installed (deploy/install-deps.sh lists it)");
    static const char *const with_password[] = {"POSTGRES_PASSWORD=only-a-test", NULL};
    char *err = NULL;
    int rc = compose(with_password, NULL, &err, "config", "-q");
    cr_assert_eq(rc, 0, "docker-compose config -q failed: %s", err);
    free(err);

    char *services = NULL;
    rc = compose(with_password, &services, NULL, "config", "--services");
    cr_assert_eq(rc, 0);
    static const char *const expected[] = {"postgres", "migrate", "collector", "checker", "proxy"};
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        char *line = mwtest_fmt("%s\n", expected[i]);
        cr_expect_not_null(strstr(services, line), "service %s in:\n%s", expected[i], services);
        free(line);
    }
    free(services);

    /* The resolved file: the services wait for a healthy database and a finished migration. */
    char *resolved = NULL;
    rc = compose(with_password, &resolved, NULL, "config", NULL);
    cr_assert_eq(rc, 0);
    cr_expect_not_null(strstr(resolved, "condition: service_completed_successfully"));
    cr_expect_not_null(strstr(resolved, "condition: service_healthy"));
    cr_expect_not_null(strstr(resolved, "pg_isready"));
    cr_expect_not_null(strstr(resolved, "/readyz"));
    cr_expect_not_null(strstr(resolved, "restart: unless-stopped"));
    free(resolved);

    /* .env.example leaves the password empty: docker-compose refuses to go on without one. */
    static const char *const without_password[] = {"POSTGRES_PASSWORD", NULL};
    err = NULL;
    rc = compose(without_password, NULL, &err, "config", "-q");
    cr_assert_neq(rc, 0, "docker-compose accepted an empty POSTGRES_PASSWORD");
    cr_expect_not_null(strstr(err, "POSTGRES_PASSWORD"), "%s", err);
    free(err);
}

/* ---- nginx ----------------------------------------------------------------------------------- */

/* An nginx.conf in the temp dir whose http { } includes site_path; returns its path. */
static char *nginx_conf_including(const char *site_path)
{
    const char *dir = mwtest_temp_dir();
    char *conf = mwtest_fmt("worker_processes 1;\n"
                            "pid %s/nginx-t.pid;\n"
                            "error_log stderr;\n"
                            "events { worker_connections 64; }\n"
                            "http {\n"
                            "    include /etc/nginx/mime.types;\n"
                            "    client_body_temp_path %s;\n"
                            "    proxy_temp_path %s;\n"
                            "    include %s;\n"
                            "}\n",
                            dir, dir, dir, site_path);
    char *path = mwtest_temp_file("nginx-t.conf", conf, strlen(conf));
    free(conf);
    return path;
}

static int nginx_t(const char *conf, char **err)
{
    const char *nginx = access("/usr/sbin/nginx", X_OK) == 0 ? "/usr/sbin/nginx" : "nginx";
    char *prefix = mwtest_fmt("%s/", mwtest_temp_dir());
    const char *argv[] = {nginx, "-t", "-p", prefix, "-c", conf, "-e", "stderr", NULL};
    int rc = mwtest_run(argv, NULL, NULL, 0, NULL, err);
    free(prefix);
    return rc;
}

Test(deploy_config, nginx_site_passes_nginx_t_with_a_throwaway_certificate)
{
    char *cert, *key;
    fixture_tls_make(&cert, &key);
    char *env_cert = mwtest_fmt("MW_PROXY_TLS_CERT=%s", cert);
    char *env_key = mwtest_fmt("MW_PROXY_TLS_KEY=%s", key);
    char *env_log = mwtest_fmt("MW_PROXY_ACCESS_LOG=%s/site.access", mwtest_temp_dir());
    const char *env[] = {env_cert,
                         env_key,
                         env_log,
                         "MW_PROXY_HTTPS_LISTEN=127.0.0.1:18599",
                         "MW_PROXY_HTTP_LISTEN=127.0.0.1:18598",
                         "MW_PROXY_UPSTREAMS=127.0.0.1:18596, 127.0.0.1:18597",
                         "MW_PROXY_SERVER_NAME=mentorwatch.example.ru",
                         "MW_MAX_BODY=65536",
                         NULL};
    char *site = fixture_render_site(env);
    /* The limits follow the collector's settings; both collectors are upstream. */
    cr_expect_not_null(strstr(site, "client_max_body_size 65536;"));
    cr_expect_not_null(strstr(site, "server 127.0.0.1:18596 "));
    cr_expect_not_null(strstr(site, "server 127.0.0.1:18597 "));
    cr_expect_not_null(strstr(site, "X-Forwarded-For $proxy_add_x_forwarded_for"));
    cr_expect_not_null(strstr(site, "keepalive 32;"));
    char *site_path = mwtest_temp_file("site.conf", site, strlen(site));
    char *conf = nginx_conf_including(site_path);
    char *err = NULL;
    int rc = nginx_t(conf, &err);
    cr_assert_eq(rc, 0, "nginx -t refused the rendered site:\n%s\n%s", err, site);
    cr_expect_not_null(strstr(err, "test is successful"), "%s", err);
    free(err);
    free(conf);
    free(site_path);
    free(site);
    free(env_cert);
    free(env_key);
    free(env_log);
    free(cert);
    free(key);
}

Test(deploy_config, nginx_renderer_refuses_values_that_would_add_directives)
{
    static const char *const bad[][2] = {
        {"MW_PROXY_SERVER_NAME=x; include /etc/passwd", "MW_PROXY_SERVER_NAME"},
        {"MW_PROXY_UPSTREAMS=127.0.0.1:8080; proxy_pass http://evil", "MW_PROXY_UPSTREAMS"},
        {"MW_PROXY_TLS_CERT=/etc/x.pem;\nlisten 1", "MW_PROXY_TLS_CERT"},
        {"MW_MAX_BODY=1m; return 200", "MW_MAX_BODY"},
        {"MW_PROXY_UPSTREAMS=", NULL}, /* empty: the default collector */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *env[] = {bad[i][0], NULL};
        char *out = NULL, *err = NULL;
        int rc = fixture_script("deploy/nginx/render.sh", env, &out, &err, NULL);
        if (bad[i][1] == NULL) {
            cr_expect_eq(rc, 0, "%s: %s", bad[i][0], err);
            cr_expect_not_null(strstr(out, "server 127.0.0.1:8080 "));
        } else {
            cr_expect_neq(rc, 0, "render.sh accepted %s", bad[i][0]);
            cr_expect_not_null(strstr(err, bad[i][1]), "the message names the variable: %s", err);
        }
        free(out);
        free(err);
    }
}

Test(deploy_config, proxy_entrypoint_renders_the_site_and_makes_a_self_signed_pair_when_none)
{
    const char *dir = mwtest_temp_dir();
    char *site = mwtest_fmt("%s/entrypoint-site.conf", dir);
    char *conf = nginx_conf_including(site);
    char *env_render = mwtest_fmt("MW_PROXY_RENDER=%s/../deploy/nginx/render.sh", MW_TESTS_DIR);
    char *env_site = mwtest_fmt("MW_PROXY_SITE_FILE=%s", site);
    char *env_tls = mwtest_fmt("MW_PROXY_SELF_SIGNED_DIR=%s/self-signed", dir);
    char *env_conf = mwtest_fmt("MW_PROXY_NGINX_CONF=%s", conf);
    char *env_log = mwtest_fmt("MW_PROXY_ACCESS_LOG=%s/site.access", dir);
    char *env_cert = mwtest_fmt("MW_PROXY_TLS_CERT=%s/no-such-cert.pem", dir);
    const char *env[] = {env_render,
                         env_site,
                         env_tls,
                         env_conf,
                         env_log,
                         env_cert,
                         "MW_PROXY_HTTPS_LISTEN=127.0.0.1:18599",
                         "MW_PROXY_HTTP_LISTEN=off",
                         NULL};
    char *out = NULL, *err = NULL;
    int rc = fixture_script("deploy/docker/proxy-entrypoint.sh", env, &out, &err, "echo",
                            "nginx would start");
    cr_assert_eq(rc, 0, "the entry point failed: %s", err);
    cr_expect_not_null(strstr(out, "nginx would start"), "it runs its command: %s", out);
    cr_expect_not_null(strstr(err, "WARNING"), "a self-signed certificate is announced: %s", err);
    char *made = mwtest_fmt("%s/self-signed/fullchain.pem", dir);
    struct stat st;
    cr_expect_eq(stat(made, &st), 0, "%s was made", made);
    char *text = mwtest_read_file(site, NULL);
    cr_assert_not_null(text, "the site was written");
    char *directive = mwtest_fmt("ssl_certificate %s;", made);
    cr_expect_not_null(strstr(text, directive), "the site uses it:\n%s", text);
    cr_expect_null(strstr(text, "listen 80"), "MW_PROXY_HTTP_LISTEN=off: no redirect server");
    free(directive);
    free(text);
    free(made);
    free(out);
    free(err);
    free(env_render);
    free(env_site);
    free(env_tls);
    free(env_conf);
    free(env_log);
    free(env_cert);
    free(conf);
    free(site);
}

/* ---- install rules, systemd -------------------------------------------------------------------
 */

/* `cmake --install` of the build into a fresh prefix under the temp dir; returns the prefix. */
static char *install_build(void)
{
    static unsigned counter;
    char *prefix = mwtest_fmt("%s/prefix-%u/opt/mentorwatch", mwtest_temp_dir(), counter++);
    const char *argv[] = {"cmake", "--install", mwtest_build_dir(), "--prefix", prefix, NULL};
    char *out = NULL;
    int rc = mwtest_run(argv, NULL, NULL, 0, &out, NULL);
    cr_assert_eq(rc, 0, "cmake --install failed: %s", out);
    free(out);
    return prefix;
}

Test(deploy_config, cmake_install_lays_out_what_the_units_and_images_expect)
{
    char *prefix = install_build();
    static const struct {
        const char *path;
        int mode;
    } files[] = {
        {"bin/collector", X_OK},
        {"bin/checker", X_OK},
        {"bin/mwctl", X_OK},
        {"share/mentorwatch/migrations/0001_core.sql", R_OK},
        {"share/mentorwatch/deploy/backup.sh", X_OK},
        {"share/mentorwatch/deploy/restore.sh", X_OK},
        {"share/mentorwatch/deploy/upgrade.sh", X_OK},
        {"share/mentorwatch/deploy/README.md", R_OK},
        {"share/mentorwatch/deploy/mentorwatch.env.example", R_OK},
        {"share/mentorwatch/deploy/systemd/mentorwatch-collector.service", R_OK},
        {"share/mentorwatch/deploy/nginx/render.sh", X_OK},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *path = mwtest_fmt("%s/%s", prefix, files[i].path);
        cr_expect_eq(access(path, files[i].mode), 0, "%s installed", path);
        free(path);
    }
    /* The installed mwctl finds the installed migrations through MW_MIGRATIONS_DIR. */
    char *url = mwtest_db_create_empty("install");
    char *mwctl = mwtest_fmt("%s/bin/mwctl", prefix);
    char *env_db = mwtest_fmt("DATABASE_URL=%s", url);
    char *env_dir = mwtest_fmt("MW_MIGRATIONS_DIR=%s/share/mentorwatch/migrations", prefix);
    const char *env[] = {env_db, env_dir, NULL};
    const char *argv[] = {mwctl, "migrate", NULL};
    char *err = NULL;
    cr_assert_eq(mwtest_run(argv, env, NULL, 0, NULL, &err), 0, "%s", err);
    cr_expect_geq(
        mwtest_sql_long(url, "SELECT count(*) FROM public.mw_schema_migrations WHERE $1", "true"),
        4);
    free(err);
    free(env_db);
    free(env_dir);
    free(mwctl);
    mwtest_db_drop(url);
    free(prefix);
}

static const char *const units[] = {"mentorwatch-collector.service", "mentorwatch-checker.service",
                                    "mentorwatch-backup.service", "mentorwatch-backup.timer"};
#define N_UNITS (sizeof(units) / sizeof(units[0]))

/* The units of deploy/systemd/ copied to dir with /opt/mentorwatch/ pointing at prefix, so
 * that systemd-analyze finds the programs they run. */
static void copy_units(const char *dir, const char *prefix)
{
    for (size_t i = 0; i < N_UNITS; i++) {
        char *relative = mwtest_fmt("deploy/systemd/%s", units[i]);
        char *src = fixture_source_path(relative);
        char *text = mwtest_read_file(src, NULL);
        cr_assert_not_null(text, "cannot read %s", src);
        char *dst = mwtest_fmt("%s/%s", dir, units[i]);
        FILE *f = fopen(dst, "w");
        cr_assert_not_null(f);
        const char *from = "/opt/mentorwatch/";
        for (const char *p = text, *hit; *p != '\0'; p = hit + strlen(from)) {
            hit = strstr(p, from);
            if (hit == NULL) {
                fputs(p, f);
                break;
            }
            fprintf(f, "%.*s%s/", (int)(hit - p), p, prefix);
        }
        cr_assert_eq(fclose(f), 0);
        free(dst);
        free(text);
        free(src);
        free(relative);
    }
}

Test(deploy_config, systemd_units_verify_and_are_hardened)
{
    if (!fixture_have_program("systemd-analyze"))
        cr_skip_test("systemd-analyze is not installed");
    char *prefix = install_build();
    char *dir = mwtest_fmt("%s/units", mwtest_temp_dir());
    cr_assert_eq(mkdir(dir, 0700), 0);
    copy_units(dir, prefix);

    const char *argv[N_UNITS + 3] = {"systemd-analyze", "verify"};
    char *paths[N_UNITS];
    for (size_t i = 0; i < N_UNITS; i++) {
        paths[i] = mwtest_fmt("%s/%s", dir, units[i]);
        argv[i + 2] = paths[i];
    }
    argv[N_UNITS + 2] = NULL;
    char *out = NULL, *err = NULL;
    int rc = mwtest_run(argv, NULL, NULL, 0, &out, &err);
    cr_expect_eq(rc, 0, "systemd-analyze verify: %s%s", out, err);
    cr_expect_str_empty(err, "no warning: %s", err);
    free(out);
    free(err);

    /* systemd's own exposure score (0 = locked down, 10 = unprotected); "OK" is below 4.5. */
    for (size_t i = 0; i < 2; i++) {
        const char *security[] = {"systemd-analyze", "security", "--offline=yes", paths[i], NULL};
        out = NULL;
        rc = mwtest_run(security, NULL, NULL, 0, &out, NULL);
        cr_assert_not_null(out);
        const char *level = strstr(out, "Overall exposure level for ");
        cr_assert_not_null(level, "no exposure level in:\n%s", out);
        level = strchr(level, ':');
        cr_assert_not_null(level);
        double exposure = strtod(level + 1, NULL);
        cr_expect_leq(exposure, 2.0, "%s: exposure %.1f", units[i], exposure);
        free(out);
    }
    /* What the brief asks of every service unit, by name. */
    static const char *const required[] = {
        "User=mentorwatch",         "ProtectSystem=strict", "NoNewPrivileges=yes",
        "PrivateTmp=yes",           "ProtectHome=yes",      "CapabilityBoundingSet=\n",
        "RestrictAddressFamilies=", "MemoryMax=",           "Restart=on-failure"};
    for (size_t i = 0; i < 2; i++) {
        char *text = mwtest_read_file(paths[i], NULL);
        for (size_t j = 0; j < sizeof(required) / sizeof(required[0]); j++)
            cr_expect_not_null(strstr(text, required[j]), "%s has %s", units[i], required[j]);
        free(text);
    }
    char *collector = mwtest_read_file(paths[0], NULL);
    const char *pre = strstr(collector, "ExecStartPre=");
    const char *start = strstr(collector, "ExecStart=");
    cr_expect(pre != NULL && strstr(pre, "mwctl migrate") != NULL && start != NULL && pre < start,
              "the collector's unit migrates before it starts");
    free(collector);
    for (size_t i = 0; i < N_UNITS; i++)
        free(paths[i]);
    free(dir);
    free(prefix);
}

/* ---- the runtime image's packages ------------------------------------------------------------ */

Test(deploy_config, runtime_packages_provide_every_library_the_binaries_need)
{
    /* For each NEEDED entry of each binary ($1: the build directory): its package and name.
     * dpkg knows a file under the path its package ships (/lib or /usr/lib: usrmerge). */
    static const char script[] =
        "set -euo pipefail\n"
        "owner() {\n"
        "  local real; real=$(readlink -f \"$1\")\n"
        "  for f in \"$1\" \"$real\" \"${real#/usr}\" \"/usr$1\"; do\n"
        "    dpkg-query -S \"$f\" 2>/dev/null && return 0\n"
        "  done\n"
        "  echo \"unknown: $1\"\n"
        "}\n"
        "for bin in \"$1\"/services/collector/collector \"$1\"/services/checker/checker "
        "\"$1\"/services/mwctl/mwctl; do\n"
        "  for lib in $(objdump -p \"$bin\" | awk '$1 == \"NEEDED\" {print $2}'); do\n"
        "    case $lib in libasan* | libubsan*) continue ;; esac\n"
        "    path=$(ldd \"$bin\" | awk -v l=\"$lib\" '$1 == l {print $3}')\n"
        "    pkg=$(owner \"$path\" | head -n 1)\n"
        "    echo \"${pkg%%:*} $lib\"\n"
        "  done\n"
        "done\n";
    const char *argv[] = {"bash", "-c", script, "needed", mwtest_build_dir(), NULL};
    char *out = NULL, *err = NULL;
    int rc = mwtest_run(argv, NULL, NULL, 0, &out, &err);
    cr_assert_eq(rc, 0, "could not map the libraries to packages: %s", err);
    char *list = NULL;
    rc = fixture_script("deploy/install-deps.sh", NULL, &list, NULL, "--list", "runtime");
    cr_assert_eq(rc, 0);
    int libraries = 0;
    for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char pkg[128], lib[128];
        cr_assert_eq(sscanf(line, "%127s %127s", pkg, lib), 2, "%s", line);
        libraries++;
        if (strcmp(pkg, "libc6") == 0)
            continue; /* in every Debian image */
        char *entry = mwtest_fmt("\n%s\n", pkg);
        char *listed = mwtest_fmt("\n%s", list);
        cr_expect_not_null(strstr(listed, entry),
                           "%s comes from %s, which install-deps.sh runtime does not install", lib,
                           pkg);
        free(entry);
        free(listed);
    }
    cr_expect_geq(libraries, 8, "the binaries' libraries were found:\n%s", out);
    free(list);
    free(out);
    free(err);
}

Test(deploy_config, package_profiles_name_real_debian_packages)
{
    /* CI installs the "all" profile only: the images' lists are checked here. */
    static const char script[] =
        "set -euo pipefail\n"
        "for profile in build runtime proxy; do\n"
        "  for pkg in $(bash \"$1\" --list \"$profile\"); do\n"
        "    dpkg-query -W \"$pkg\" >/dev/null 2>&1 || apt-cache show --no-all-versions \"$pkg\" "
        ">/dev/null 2>&1 || echo \"$profile: $pkg\"\n"
        "  done\n"
        "done\n";
    char *install_deps = fixture_source_path("deploy/install-deps.sh");
    const char *argv[] = {"bash", "-c", script, "profiles", install_deps, NULL};
    char *out = NULL, *err = NULL;
    int rc = mwtest_run(argv, NULL, NULL, 0, &out, &err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect_str_empty(out, "not Debian 12 packages:\n%s", out);
    free(out);
    free(err);
    free(install_deps);
}

Test(deploy_config, image_build_stage_configures_without_the_tests)
{
    /* deploy/docker/Dockerfile's build stage: cmake with MW_TESTS=OFF (no Criterion there). */
    char *dockerfile = read_source("deploy/docker/Dockerfile");
    cr_expect_not_null(strstr(dockerfile, "install-deps.sh build"));
    cr_expect_not_null(strstr(dockerfile, "install-deps.sh runtime"));
    cr_expect_not_null(strstr(dockerfile, "-DMW_TESTS=OFF"));
    cr_expect_not_null(strstr(dockerfile, "cmake --install /build --prefix /opt/mentorwatch"));
    char *src = fixture_source_path("");
    char *dir = mwtest_fmt("%s/image-build", mwtest_temp_dir());
    const char *argv[] = {"cmake", "-S", src, "-B", dir, "-DMW_TESTS=OFF", NULL};
    char *out = NULL;
    int rc = mwtest_run(argv, NULL, NULL, 0, &out, NULL);
    cr_expect_eq(rc, 0, "cmake -DMW_TESTS=OFF: %s", out);
    free(out);
    free(dir);
    free(src);
    free(dockerfile);
}
