/* Network setup with the classic ioctls: no netlink code to carry, and the guest needs only one
 * static address and a default route. */
#include "agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *arg)
{
    log_msg("setup: network: %s %s: %s (errno %d)", what, arg, strerror(errno), errno);
    return -1;
}

static void set_sin(struct sockaddr *sa, in_addr_t a)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = a };
    memcpy(sa, &sin, sizeof sin);
}

static int if_up(int s, const char *name)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) return -1;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static int write_resolv(const struct config *c)
{
    /* Images often ship resolv.conf as a symlink into a /run that is empty here: replace it. */
    struct stat st;
    if (lstat("/etc/resolv.conf", &st) == 0 && !S_ISREG(st.st_mode)) unlink("/etc/resolv.conf");
    mkdir("/etc", 0755);
    int fd = open("/etc/resolv.conf", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail("write", "/etc/resolv.conf");
    for (size_t i = 0; i < c->ndns; i++) {
        char line[300];
        int n = snprintf(line, sizeof line, "nameserver %s\n", c->dns[i]);
        if (n > 0 && (size_t)n < sizeof line && write_full(fd, line, (size_t)n) < 0) {
            close(fd);
            return fail("write", "/etc/resolv.conf");
        }
    }
    return close(fd) < 0 ? fail("write", "/etc/resolv.conf") : 0;
}

int net_setup(const struct config *c)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return fail("socket", "AF_INET");
    int rc = 0;
    if (if_up(s, "lo") < 0) rc = fail("bring up", "lo");
    if (rc == 0 && c->ip) {
        char addr[64];
        const char *slash = strchr(c->ip, '/');
        int prefix = slash ? atoi(slash + 1) : 32;
        size_t alen = slash ? (size_t)(slash - c->ip) : strlen(c->ip);
        struct in_addr a;
        if (alen >= sizeof addr || prefix < 0 || prefix > 32) { errno = EINVAL; rc = fail("parse ip", c->ip); }
        if (rc == 0) {
            memcpy(addr, c->ip, alen);
            addr[alen] = 0;
            if (inet_pton(AF_INET, addr, &a) != 1) { errno = EINVAL; rc = fail("parse ip", c->ip); }
        }
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, IFNAMSIZ, "eth0");
        if (rc == 0) {
            set_sin(&ifr.ifr_addr, a.s_addr);
            if (ioctl(s, SIOCSIFADDR, &ifr) < 0) rc = fail("SIOCSIFADDR", "eth0");
        }
        if (rc == 0) {
            in_addr_t mask = prefix == 0 ? 0 : htonl(0xffffffffu << (32 - prefix));
            set_sin(&ifr.ifr_netmask, mask);
            if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0) rc = fail("SIOCSIFNETMASK", "eth0");
        }
        if (rc == 0 && c->mtu) {
            ifr.ifr_mtu = c->mtu;
            if (ioctl(s, SIOCSIFMTU, &ifr) < 0) rc = fail("SIOCSIFMTU", "eth0");
        }
        if (rc == 0 && if_up(s, "eth0") < 0) rc = fail("bring up", "eth0");
        if (rc == 0 && c->gateway) {
            struct in_addr gw;
            struct rtentry rt;
            memset(&rt, 0, sizeof rt);
            if (inet_pton(AF_INET, c->gateway, &gw) != 1) { errno = EINVAL; rc = fail("parse gateway", c->gateway); }
            if (rc == 0) {
                set_sin(&rt.rt_dst, 0);
                set_sin(&rt.rt_genmask, 0);
                set_sin(&rt.rt_gateway, gw.s_addr);
                rt.rt_flags = RTF_UP | RTF_GATEWAY;
                rt.rt_dev = (char *)"eth0";
                if (ioctl(s, SIOCADDRT, &rt) < 0) rc = fail("SIOCADDRT default via", c->gateway);
            }
        }
    }
    close(s);
    if (rc == 0 && c->ndns > 0) rc = write_resolv(c);
    return rc;
}
