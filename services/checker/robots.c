/* robots.txt parsing and matching for one user-agent token. */
#include "robots.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_RULES 2000
#define MAX_LINE  2048

struct rule {
    char *pattern;
    size_t len;
    bool allow;
};

struct robots {
    struct rule *rules;
    size_t n, cap;
};

struct robots *robots_allow_all(void)
{
    return calloc(1, sizeof(struct robots));
}

static bool add_rule(struct robots *r, const char *pattern, size_t len, bool allow)
{
    if (r->n >= MAX_RULES)
        return true;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct rule *p = realloc(r->rules, cap * sizeof(*p));
        if (p == NULL)
            return false;
        r->rules = p;
        r->cap = cap;
    }
    char *copy = strndup(pattern, len);
    if (copy == NULL)
        return false;
    r->rules[r->n++] = (struct rule){copy, len, allow};
    return true;
}

/* Whether a User-agent value names us: "*" aside, the token compared without case. */
static bool agent_matches(const char *value, size_t len, const char *token)
{
    size_t tlen = strlen(token);
    return len > 0 && len <= tlen && strncasecmp(value, token, len) == 0 &&
           (len == tlen || token[len] == '-' || token[len] == '/');
}

struct line {
    const char *key, *value;
    size_t key_len, value_len;
};

/* Splits "Key: value # comment" with whitespace trimmed; false for blank or malformed lines. */
static bool split_line(const char *s, size_t len, struct line *out)
{
    const char *hash = memchr(s, '#', len);
    if (hash != NULL)
        len = (size_t)(hash - s);
    const char *colon = memchr(s, ':', len);
    if (colon == NULL)
        return false;
    const char *k = s, *ke = colon, *v = colon + 1, *ve = s + len;
    while (k < ke && isspace((unsigned char)*k))
        k++;
    while (ke > k && isspace((unsigned char)ke[-1]))
        ke--;
    while (v < ve && isspace((unsigned char)*v))
        v++;
    while (ve > v && isspace((unsigned char)ve[-1]))
        ve--;
    *out = (struct line){k, v, (size_t)(ke - k), (size_t)(ve - v)};
    return out->key_len > 0;
}

static bool key_is(const struct line *l, const char *name)
{
    return l->key_len == strlen(name) && strncasecmp(l->key, name, l->key_len) == 0;
}

/*
 * Two passes over the groups: first for groups naming our token, then (only if there were
 * none) for "*" groups. A group is a run of User-agent lines followed by its rules.
 */
static bool collect(struct robots *r, const char *text, size_t len, const char *token,
                    bool want_star, bool *found_group)
{
    bool in_agents = false; /* the previous record line was a User-agent line */
    bool applies = false;   /* the current group applies to us */
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        size_t line_len = end - pos;
        if (line_len > MAX_LINE)
            line_len = MAX_LINE;
        struct line l;
        if (split_line(text + pos, line_len, &l)) {
            if (key_is(&l, "user-agent")) {
                if (!in_agents)
                    applies = false;
                in_agents = true;
                bool star = l.value_len == 1 && l.value[0] == '*';
                if (want_star ? star : agent_matches(l.value, l.value_len, token)) {
                    applies = true;
                    *found_group = true;
                }
            } else if (key_is(&l, "allow") || key_is(&l, "disallow")) {
                in_agents = false;
                /* An empty Disallow allows everything: no rule to add. */
                if (applies && l.value_len > 0 &&
                    !add_rule(r, l.value, l.value_len, key_is(&l, "allow")))
                    return false;
            } else if (key_is(&l, "sitemap") || key_is(&l, "crawl-delay") || key_is(&l, "host")) {
                /* not group members; do not end the User-agent run either */
            } else {
                in_agents = false;
            }
        }
        pos = end + 1;
    }
    return true;
}

struct robots *robots_parse(const char *text, size_t len, const char *token)
{
    struct robots *r = robots_allow_all();
    if (r == NULL)
        return NULL;
    if (len > ROBOTS_MAX_BYTES)
        len = ROBOTS_MAX_BYTES;
    bool specific = false, star = false;
    if (!collect(r, text, len, token, false, &specific) ||
        (!specific && !collect(r, text, len, token, true, &star))) {
        robots_free(r);
        return NULL;
    }
    return r;
}

/*
 * Whether the pattern matches path: '*' is any run of characters, a final '$' anchors the end,
 * otherwise the pattern need only match a prefix. The greedy two-pointer glob match: no
 * recursion, time at most proportional to pattern x path however many '*' a file holds.
 */
static bool pattern_match(const char *p, size_t plen, const char *s)
{
    bool anchored = plen > 0 && p[plen - 1] == '$';
    if (anchored)
        plen--;
    size_t pi = 0, si = 0, mark = 0;
    bool have_star = false;
    size_t star = 0;
    while (s[si] != '\0') {
        if (pi == plen && !anchored)
            return true; /* the pattern is a prefix of the path */
        if (pi < plen && p[pi] == '*') {
            have_star = true;
            star = pi++;
            mark = si;
        } else if (pi < plen && p[pi] == s[si]) {
            pi++;
            si++;
        } else if (have_star) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < plen && p[pi] == '*')
        pi++;
    return pi == plen;
}

bool robots_allowed(const struct robots *r, const char *path_query)
{
    if (r == NULL || strcmp(path_query, "/robots.txt") == 0)
        return true;
    size_t best_len = 0;
    bool best_allow = true, any = false;
    for (size_t i = 0; i < r->n; i++) {
        const struct rule *rule = &r->rules[i];
        if (!pattern_match(rule->pattern, rule->len, path_query))
            continue;
        if (!any || rule->len > best_len || (rule->len == best_len && rule->allow)) {
            best_len = rule->len;
            best_allow = rule->allow;
            any = true;
        }
    }
    return best_allow;
}

size_t robots_rule_count(const struct robots *r)
{
    return r != NULL ? r->n : 0;
}

void robots_free(struct robots *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->rules[i].pattern);
    free(r->rules);
    free(r);
}
