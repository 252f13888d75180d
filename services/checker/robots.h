/* robots.txt: the groups that apply to our user-agent token and path matching (RFC 9309). */
#ifndef CHECKER_ROBOTS_H
#define CHECKER_ROBOTS_H

#include <stdbool.h>
#include <stddef.h>

/* Larger files are read up to this many bytes (RFC 9309 asks for at least 500 KiB). */
#define ROBOTS_MAX_BYTES (512 * 1024)

struct robots;

/*
 * Parses a robots.txt body for agent_token ("mentorwatch-checker"): the groups whose
 * User-agent names our token (case-insensitive) apply; when none does, the "*" groups. Allow and
 * Disallow with '*' and '$'; unknown lines are ignored. NULL only when out of memory.
 */
struct robots *robots_parse(const char *text, size_t len, const char *agent_token);

/* An empty rule set: everything allowed (no robots.txt, or one we could not read). */
struct robots *robots_allow_all(void);

/* Whether path_query ("/a/b?c") may be fetched: the longest matching rule wins, Allow on a tie;
 * no matching rule allows. "/robots.txt" is always allowed. */
bool robots_allowed(const struct robots *r, const char *path_query);

size_t robots_rule_count(const struct robots *r);
void robots_free(struct robots *r);

#endif
