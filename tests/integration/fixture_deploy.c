/* Helpers of the deploy/ tests: source paths, deploy scripts, throwaway TLS, the nginx site. */
#include "fixture_deploy.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#define MAX_SCRIPT_ARGS 16

char *fixture_source_path(const char *relative)
{
    return mwtest_fmt("%s/../%s", MW_TESTS_DIR, relative);
}

int fixture_script_(const char *script, const char *const *env, char **out, char **err, ...)
{
    const char *argv[MAX_SCRIPT_ARGS + 3];
    size_t n = 0;
    char *path = fixture_source_path(script);
    argv[n++] = "bash";
    argv[n++] = path;
    va_list ap;
    va_start(ap, err);
    for (const char *arg = va_arg(ap, const char *); arg != NULL; arg = va_arg(ap, const char *)) {
        cr_assert(n < MAX_SCRIPT_ARGS + 2, "fixture_script: too many arguments");
        argv[n++] = arg;
    }
    va_end(ap);
    argv[n] = NULL;
    int rc = mwtest_run(argv, env, NULL, 0, out, err);
    free(path);
    return rc;
}

void fixture_tls_make(char **cert, char **key)
{
    static unsigned counter;
    unsigned n = counter++;
    *cert = mwtest_fmt("%s/tls-%u-cert.pem", mwtest_temp_dir(), n);
    *key = mwtest_fmt("%s/tls-%u-key.pem", mwtest_temp_dir(), n);
    const char *argv[] = {"openssl",       "req",      "-x509",
                          "-newkey",       "rsa:2048", "-nodes",
                          "-days",         "1",        "-subj",
                          "/CN=127.0.0.1", "-addext",  "subjectAltName=IP:127.0.0.1,DNS:localhost",
                          "-keyout",       *key,       "-out",
                          *cert,           NULL};
    char *err = NULL;
    int rc = mwtest_run(argv, NULL, NULL, 0, NULL, &err);
    cr_assert_eq(rc, 0, "openssl could not make a test certificate: %s", err ? err : "");
    free(err);
}

char *fixture_render_site(const char *const *env)
{
    char *site = NULL, *err = NULL;
    int rc = fixture_script("deploy/nginx/render.sh", env, &site, &err, NULL);
    cr_assert_eq(rc, 0, "deploy/nginx/render.sh failed (exit %d): %s", rc, err ? err : "");
    free(err);
    return site;
}

bool fixture_have_program(const char *name)
{
    char *cmd = mwtest_fmt("command -v %s", name);
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    int rc = mwtest_run(argv, NULL, NULL, 0, NULL, NULL);
    free(cmd);
    return rc == 0;
}
