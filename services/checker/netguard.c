/* Address classes for the connect-time check (CURLOPT_OPENSOCKETFUNCTION). */
#include "netguard.h"

#include <assert.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

static const char *const class_names[] = {
    [ADDR_PUBLIC] = "public",
    [ADDR_LOOPBACK] = "loopback",
    [ADDR_PRIVATE] = "private",
    [ADDR_LINK_LOCAL] = "link_local",
    [ADDR_CGNAT] = "cgnat",
    [ADDR_MULTICAST] = "multicast",
    [ADDR_UNSPECIFIED] = "unspecified",
    [ADDR_ULA] = "unique_local",
    [ADDR_RESERVED] = "reserved",
    [ADDR_UNKNOWN] = "unknown",
};
static_assert(sizeof(class_names) / sizeof(class_names[0]) == ADDR_CLASS_MAX,
              "every address class has a name");

const char *netguard_class_name(enum addr_class c)
{
    return (unsigned)c < ADDR_CLASS_MAX ? class_names[c] : "?";
}

static enum addr_class classify_v4(uint32_t a) /* host byte order */
{
    if ((a >> 24) == 0)
        return ADDR_UNSPECIFIED;
    if ((a >> 24) == 127)
        return ADDR_LOOPBACK;
    if ((a >> 24) == 10 || (a >> 20) == (172u << 4 | 1) || (a >> 16) == (192u << 8 | 168))
        return ADDR_PRIVATE;
    if ((a >> 16) == (169u << 8 | 254))
        return ADDR_LINK_LOCAL;
    if ((a >> 22) == (100u << 2 | 1)) /* 100.64.0.0/10 */
        return ADDR_CGNAT;
    if ((a >> 28) == 0xE)
        return ADDR_MULTICAST;
    if ((a >> 28) == 0xF)
        return ADDR_RESERVED; /* 240/4 and 255.255.255.255 */
    return ADDR_PUBLIC;
}

static uint32_t v4_at(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static enum addr_class classify_v6(const uint8_t *b)
{
    static const uint8_t zero[16];
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const uint8_t nat64[12] = {0, 0x64, 0xFF, 0x9B};
    if (memcmp(b, zero, 16) == 0)
        return ADDR_UNSPECIFIED;
    if (memcmp(b, zero, 15) == 0 && b[15] == 1)
        return ADDR_LOOPBACK;
    if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
        return classify_v4(v4_at(b + 12));
    if (b[0] == 0x20 && b[1] == 0x02) /* 6to4 */
        return classify_v4(v4_at(b + 2));
    if ((b[0] & 0xFE) == 0xFC)
        return ADDR_ULA;
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)
        return ADDR_LINK_LOCAL;
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0)
        return ADDR_PRIVATE; /* site-local, deprecated */
    if (b[0] == 0xFF)
        return ADDR_MULTICAST;
    if (memcmp(b, zero, 12) == 0)
        return ADDR_RESERVED; /* IPv4-compatible, deprecated */
    return ADDR_PUBLIC;
}

enum addr_class netguard_classify(const struct sockaddr *sa, socklen_t len)
{
    if (sa == NULL)
        return ADDR_UNKNOWN;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return classify_v4(ntohl(in->sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        return classify_v6(in6->sin6_addr.s6_addr);
    }
    return ADDR_UNKNOWN;
}

bool netguard_allowed(enum addr_class c, bool allow_private)
{
    if (c == ADDR_PUBLIC)
        return true;
    return allow_private && c != ADDR_UNKNOWN;
}
