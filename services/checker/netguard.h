/* Which addresses the checker may connect to: public unicast only, unless allowed. */
#ifndef CHECKER_NETGUARD_H
#define CHECKER_NETGUARD_H

#include <stdbool.h>
#include <sys/socket.h>

enum addr_class {
    ADDR_PUBLIC,
    ADDR_LOOPBACK,    /* 127/8, ::1 */
    ADDR_PRIVATE,     /* 10/8, 172.16/12, 192.168/16, fec0::/10 */
    ADDR_LINK_LOCAL,  /* 169.254/16, fe80::/10 */
    ADDR_CGNAT,       /* 100.64/10 */
    ADDR_MULTICAST,   /* 224/4, ff00::/8 */
    ADDR_UNSPECIFIED, /* 0/8, :: */
    ADDR_ULA,         /* fc00::/7 */
    ADDR_RESERVED,    /* 240/4 and broadcast */
    ADDR_UNKNOWN,     /* not IPv4 or IPv6 */
    ADDR_CLASS_MAX
};

/* IPv4 inside IPv6 (::ffff:a.b.c.d, 64:ff9b::/96, 2002::/16) is judged by the IPv4 address. */
enum addr_class netguard_classify(const struct sockaddr *sa, socklen_t len);
const char *netguard_class_name(enum addr_class c);

/* Public addresses always; the others only with allow_private (tests, intranets). */
bool netguard_allowed(enum addr_class c, bool allow_private);

#endif
