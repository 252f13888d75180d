/* API tokens: random, shown once, stored and compared only as SHA-256 hashes. */
#ifndef MW_TOKEN_H
#define MW_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define TOKEN_HASH_LEN 32
#define TOKEN_TEXT_MAX 64 /* "mw_" + 43 base64url characters + NUL fits */

/* Makes a new token "mw_<43 base64url chars>" from 32 bytes of getrandom(2). */
bool token_generate(char out[TOKEN_TEXT_MAX]) __attribute__((warn_unused_result));

/* SHA-256 of the token's text. */
void token_hash(const char *token, size_t len, unsigned char out[TOKEN_HASH_LEN]);

/* Extracts the token from an "Authorization: Bearer <token>" value; NULL if malformed. */
const char *token_from_authorization(const char *header_value, size_t *len);

#endif
