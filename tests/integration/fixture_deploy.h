/* Helpers of the deploy/ tests: source paths, deploy scripts, throwaway TLS, the nginx site. */
#ifndef MW_TEST_FIXTURE_DEPLOY_H
#define MW_TEST_FIXTURE_DEPLOY_H

#include "mwtest.h"

/* A file of the source tree: MW_TESTS_DIR "/../" relative (malloc'd). */
char *fixture_source_path(const char *relative);

/*
 * Runs the source tree's script (e.g. "deploy/backup.sh") with bash, the arguments after err
 * (the macro ends the list), the environment changed by env (as mwtest_run), stdout into *out
 * and stderr into *err (each may be NULL). Returns its exit status.
 */
#define fixture_script(script, env, out, err, ...)                                                 \
    fixture_script_(script, env, out, err, __VA_ARGS__, (const char *)NULL)
int fixture_script_(const char *script, const char *const *env, char **out, char **err, ...)
    __attribute__((sentinel));

/* A throwaway self-signed certificate for 127.0.0.1 and localhost, made now with openssl in
 * the test's temp directory; *cert and *key are the PEM files' paths. */
void fixture_tls_make(char **cert, char **key);

/* deploy/nginx/render.sh run with env ("KEY=VALUE"...; NULL-terminated): the site's text.
 * A renderer that fails fails the test. */
char *fixture_render_site(const char *const *env);

/* Whether a program is on PATH (or an executable path). */
bool fixture_have_program(const char *name);

#endif
