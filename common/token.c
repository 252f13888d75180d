/* API tokens: generation from getrandom(2), SHA-256 hashing, Bearer header parsing. */
#include "token.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <openssl/evp.h>

#define TOKEN_PREFIX       "mw_"
#define TOKEN_RANDOM_BYTES 32
#define TOKEN_HEADER_MAX   512 /* longer Authorization values are refused, not hashed */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Base64url without padding; out must hold 4 * ceil(len / 3) + 1 bytes. Returns the length. */
static size_t base64url_encode(const unsigned char *in, size_t len, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
        out[o++] = b64url[v & 63];
    }
    if (len - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
    } else if (len - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

static bool fill_random(unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        got += (size_t)n;
    }
    return true;
}

bool token_generate(char out[TOKEN_TEXT_MAX])
{
    unsigned char raw[TOKEN_RANDOM_BYTES];
    char encoded[4 * ((TOKEN_RANDOM_BYTES + 2) / 3) + 1];
    _Static_assert(sizeof(TOKEN_PREFIX) - 1 + 43 + 1 <= TOKEN_TEXT_MAX, "a token fits");

    out[0] = '\0';
    if (!fill_random(raw, sizeof(raw)))
        return false;
    size_t n = base64url_encode(raw, sizeof(raw), encoded);
    memcpy(out, TOKEN_PREFIX, sizeof(TOKEN_PREFIX) - 1);
    memcpy(out + sizeof(TOKEN_PREFIX) - 1, encoded, n + 1);
    explicit_bzero(raw, sizeof(raw));
    explicit_bzero(encoded, sizeof(encoded));
    return true;
}

void token_hash(const char *token, size_t len, unsigned char out[TOKEN_HASH_LEN])
{
    unsigned int out_len = 0;
    /* EVP_Digest fails only when out of memory; then the hash is all zeroes and matches nothing
     * stored (the table refuses no hash, but no token hashes to zeroes). */
    if (EVP_Digest(token, len, out, &out_len, EVP_sha256(), NULL) != 1 || out_len != TOKEN_HASH_LEN)
        memset(out, 0, TOKEN_HASH_LEN);
}

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool is_b64token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

const char *token_from_authorization(const char *header_value, size_t *len)
{
    if (header_value == NULL)
        return NULL;
    const char *p = header_value;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return NULL;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    const char *start = p;
    while (is_b64token_char(*p))
        p++;
    if (p == start)
        return NULL;
    while (*p == '=')
        p++;
    const char *end = p;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '\0' || (size_t)(end - start) > TOKEN_HEADER_MAX)
        return NULL;
    if (len != NULL)
        *len = (size_t)(end - start);
    return start;
}
