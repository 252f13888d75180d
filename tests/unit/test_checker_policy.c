/* Unit tests of the checker's politeness and safety: robots.txt, address classes, host queues. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostq.h"
#include "netguard.h"
#include "robots.h"
#include "strset.h"

#define TOKEN "mentorwatch-checker"

static struct robots *parse(const char *text)
{
    struct robots *r = robots_parse(text, strlen(text), TOKEN);
    cr_assert_not_null(r);
    return r;
}

Test(robots, star_group)
{
    struct robots *r = parse("# comment\nUser-agent: *\nDisallow: /private/\nAllow: /private/ok\n"
                             "Disallow: /*.php$\nDisallow: /tmp*/x\n\nUser-agent: Googlebot\n"
                             "Disallow: /\n");
    cr_expect(robots_allowed(r, "/"));
    cr_expect(robots_allowed(r, "/nastavnichestvo/"));
    cr_expect(!robots_allowed(r, "/private/"));
    cr_expect(!robots_allowed(r, "/private/doc.pdf"));
    cr_expect(robots_allowed(r, "/private/ok.pdf"), "the longer Allow wins");
    cr_expect(!robots_allowed(r, "/index.php"));
    cr_expect(robots_allowed(r, "/index.php?x=1"), "'$' anchors the end");
    cr_expect(!robots_allowed(r, "/tmp123/x/y"));
    cr_expect(robots_allowed(r, "/robots.txt"));
    robots_free(r);
}

Test(robots, our_group_replaces_star)
{
    struct robots *r = parse("User-agent: *\nDisallow: /private/\n\n"
                             "User-agent: Mentorwatch-Checker\nDisallow: /closed/\n");
    cr_expect(robots_allowed(r, "/private/x.pdf"), "our own group applies, not '*'");
    cr_expect(!robots_allowed(r, "/closed/x.pdf"));
    robots_free(r);
    /* several agents in one group; an empty Disallow allows all */
    r = parse("User-agent: a\nUser-agent: mentorwatch-checker/0.1\nDisallow:\n");
    cr_expect(robots_allowed(r, "/anything"));
    cr_expect_eq(robots_rule_count(r), 0);
    robots_free(r);
    r = parse("User-agent: mentorwatch\nDisallow: /\n"); /* a shorter prefix of our token */
    cr_expect(!robots_allowed(r, "/x"));
    robots_free(r);
    r = parse("User-agent: mentorwatch-checkerX\nDisallow: /\n"); /* another robot */
    cr_expect(robots_allowed(r, "/x"));
    robots_free(r);
}

Test(robots, odd_files)
{
    struct robots *r = parse("");
    cr_expect(robots_allowed(r, "/x"));
    robots_free(r);
    r = parse("Disallow: /no-group\n<html>not robots</html>\nUser-agent: *\r\nDisallow: /a\r\n");
    cr_expect(!robots_allowed(r, "/a/b"), "CRLF lines");
    cr_expect(robots_allowed(r, "/no-group"));
    robots_free(r);
    /* many wildcards: linear-time matching, no blow-up */
    char big[4200] = "User-agent: *\nDisallow: /";
    for (int i = 0; i < 1000; i++)
        strcat(big, "a*");
    strcat(big, "b\n");
    r = parse(big);
    char path[3000];
    memset(path, 'a', sizeof(path) - 1);
    path[0] = '/';
    path[sizeof(path) - 1] = '\0';
    cr_expect(robots_allowed(r, path));
    robots_free(r);
    r = robots_allow_all();
    cr_expect(robots_allowed(r, "/x"));
    robots_free(r);
    cr_expect(robots_allowed(NULL, "/x"));
}

static enum addr_class v4(const char *ip)
{
    struct sockaddr_in in = {.sin_family = AF_INET};
    cr_assert_eq(inet_pton(AF_INET, ip, &in.sin_addr), 1, "%s", ip);
    return netguard_classify((struct sockaddr *)&in, sizeof(in));
}

static enum addr_class v6(const char *ip)
{
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
    cr_assert_eq(inet_pton(AF_INET6, ip, &in6.sin6_addr), 1, "%s", ip);
    return netguard_classify((struct sockaddr *)&in6, sizeof(in6));
}

Test(netguard, classes)
{
    static const struct {
        const char *ip;
        enum addr_class c;
    } cases[] = {
        {"8.8.8.8", ADDR_PUBLIC},
        {"95.163.0.1", ADDR_PUBLIC},
        {"127.0.0.1", ADDR_LOOPBACK},
        {"127.255.255.254", ADDR_LOOPBACK},
        {"10.1.2.3", ADDR_PRIVATE},
        {"172.16.0.1", ADDR_PRIVATE},
        {"172.31.255.255", ADDR_PRIVATE},
        {"172.32.0.1", ADDR_PUBLIC},
        {"172.15.255.255", ADDR_PUBLIC},
        {"192.168.1.1", ADDR_PRIVATE},
        {"169.254.169.254", ADDR_LINK_LOCAL},
        {"100.64.0.1", ADDR_CGNAT},
        {"100.127.255.255", ADDR_CGNAT},
        {"100.128.0.1", ADDR_PUBLIC},
        {"224.0.0.1", ADDR_MULTICAST},
        {"0.0.0.0", ADDR_UNSPECIFIED},
        {"240.0.0.1", ADDR_RESERVED},
        {"255.255.255.255", ADDR_RESERVED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_expect_eq(v4(cases[i].ip), cases[i].c, "%s: %s", cases[i].ip,
                     netguard_class_name(v4(cases[i].ip)));
    static const struct {
        const char *ip;
        enum addr_class c;
    } cases6[] = {
        {"2a00:1450:4010::1", ADDR_PUBLIC},
        {"::1", ADDR_LOOPBACK},
        {"::", ADDR_UNSPECIFIED},
        {"fd00::1", ADDR_ULA},
        {"fc12::1", ADDR_ULA},
        {"fe80::1", ADDR_LINK_LOCAL},
        {"ff02::1", ADDR_MULTICAST},
        {"::ffff:127.0.0.1", ADDR_LOOPBACK},
        {"::ffff:10.0.0.1", ADDR_PRIVATE},
        {"::ffff:8.8.8.8", ADDR_PUBLIC},
        {"64:ff9b::192.168.0.1", ADDR_PRIVATE},
        {"2002:7f00:1::", ADDR_LOOPBACK},
        {"fec0::1", ADDR_PRIVATE},
    };
    for (size_t i = 0; i < sizeof(cases6) / sizeof(cases6[0]); i++)
        cr_expect_eq(v6(cases6[i].ip), cases6[i].c, "%s: %s", cases6[i].ip,
                     netguard_class_name(v6(cases6[i].ip)));
    cr_expect(netguard_allowed(ADDR_PUBLIC, false));
    cr_expect(!netguard_allowed(ADDR_LOOPBACK, false));
    cr_expect(netguard_allowed(ADDR_LOOPBACK, true));
    cr_expect(!netguard_allowed(ADDR_UNKNOWN, true));
    struct sockaddr sa = {.sa_family = AF_UNIX};
    cr_expect_eq(netguard_classify(&sa, sizeof(sa)), ADDR_UNKNOWN);
}

Test(hostq, caps_delays_and_turns)
{
    struct hostq *q = hostq_new(2, 100);
    struct host *a = hostq_host(q, "http://a:80"), *b = hostq_host(q, "http://b:80");
    cr_assert(a != NULL && b != NULL);
    cr_expect_eq(hostq_host(q, "http://a:80"), a);
    struct hostq_item items[6] = {0};
    for (int i = 0; i < 4; i++)
        hostq_push(q, a, &items[i], false);
    hostq_push(q, b, &items[4], false);
    cr_expect_eq(hostq_queued(q), 5);
    struct host *h;
    uint64_t wake;
    /* a starts, then b (its turn), then a waits for its 100 ms delay */
    struct hostq_item *it = hostq_pop(q, 1000, &h, &wake);
    cr_assert_eq(it, &items[0]);
    hostq_started(h, 1000);
    it = hostq_pop(q, 1000, &h, &wake);
    cr_assert_eq(it, &items[4]);
    cr_expect_eq(h, b);
    hostq_started(h, 1000);
    it = hostq_pop(q, 1050, &h, &wake);
    cr_expect_null(it);
    cr_expect_eq(wake, 1100);
    it = hostq_pop(q, 1100, &h, &wake);
    cr_assert_eq(it, &items[1]);
    hostq_started(h, 1100);
    /* two running on a: the cap holds however long we wait */
    it = hostq_pop(q, 5000, &h, &wake);
    cr_expect_null(it);
    cr_expect_eq(wake, 0);
    hostq_finished(a);
    it = hostq_pop(q, 5000, &h, &wake);
    cr_expect_eq(it, &items[2]);
    hostq_started(a, 5000);
    /* a retry with backoff goes first, not before its time */
    hostq_finished(a);
    hostq_finished(a);
    items[5].not_before = 7000;
    hostq_push(q, a, &items[5], true);
    it = hostq_pop(q, 6000, &h, &wake);
    cr_expect_null(it);
    cr_expect_eq(wake, 7000);
    it = hostq_pop(q, 7000, &h, &wake);
    cr_expect_eq(it, &items[5]);
    /* a gated host lets only the item that opens the gate through */
    struct host *c = hostq_host(q, "http://c:80");
    struct hostq_item gate = {.opens_gate = true}, after = {0};
    c->robots_state = ROBOTS_FETCHING;
    hostq_push(q, c, &after, false);
    hostq_push(q, c, &gate, true);
    it = hostq_pop(q, 10000, &h, &wake);
    while (it != NULL && h != c)
        it = hostq_pop(q, 10000, &h, &wake);
    cr_expect_eq(it, &gate);
    hostq_started(c, 10000);
    hostq_finished(c);
    it = hostq_pop(q, 20000, &h, &wake);
    while (it != NULL && h != c)
        it = hostq_pop(q, 20000, &h, &wake);
    cr_expect_null(it, "still gated");
    c->robots_state = ROBOTS_KNOWN;
    it = hostq_pop(q, 20000, &h, &wake);
    while (it != NULL && h != c)
        it = hostq_pop(q, 20000, &h, &wake);
    cr_expect_eq(it, &after);
    cr_expect_null(hostq_drain(q));
    cr_expect_eq(hostq_count(q), 3);
    hostq_free(q);
}

Test(strset, grows)
{
    struct strset *s = strset_new();
    cr_assert_not_null(s);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "http://s.ru/%d", i);
        cr_expect_eq(strset_add(s, key), 1);
    }
    cr_expect_eq(strset_add(s, "http://s.ru/5"), 0);
    cr_expect(strset_has(s, "http://s.ru/999"));
    cr_expect(!strset_has(s, "http://s.ru/1000"));
    cr_expect_eq(strset_count(s), 1000);
    strset_free(s);
}
