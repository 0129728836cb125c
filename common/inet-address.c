/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/inet-address.h"
#include "common/quote.h"
#include "common/util.h"

int inet_address_parse(const char *s, uint16_t default_port, struct sockaddr_storage *ret, socklen_t *ret_len,
                       char *error, size_t error_size) {
        char host[INET6_ADDRSTRLEN + 1];
        const char *port_text = NULL;
        unsigned long port = default_port;
        bool v6 = s && s[0] == '[';
        size_t n;

        memset(ret, 0, sizeof(*ret));
        if (isempty(s)) {
                snprintf(error, error_size, "the address is empty");
                return -EINVAL;
        }
        if (v6) {
                const char *end = strchr(s, ']');

                if (!end || (end[1] != '\0' && end[1] != ':')) {
                        snprintf(error, error_size, "%s: an IPv6 address in [] and an optional :PORT",
                                 QUOTE(s));
                        return -EINVAL;
                }
                n = (size_t) (end - s - 1);
                port_text = end[1] == ':' ? end + 2 : NULL;
                s++;
        } else {
                const char *colon = strchr(s, ':');

                n = colon ? (size_t) (colon - s) : strlen(s);
                port_text = colon ? colon + 1 : NULL;
        }
        if (n == 0 || n >= sizeof(host)) {
                snprintf(error, error_size, "%s: no host, or too long a host", QUOTE(s));
                return -EINVAL;
        }
        memcpy(host, s, n);
        host[n] = '\0';

        if (port_text) {
                char *end;

                errno = 0;
                port = strtoul(port_text, &end, 10);
                if (port_text[0] < '0' || port_text[0] > '9' || *end != '\0' || errno != 0 || port < 1 ||
                    port > 65535) {
                        snprintf(error, error_size, "port %s is not a number in 1..65535",
                                 QUOTE(port_text));
                        return -EINVAL;
                }
        }

        if (streq(host, "localhost"))
                strcpy(host, "127.0.0.1");
        if (v6) {
                struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *) ret;

                if (inet_pton(AF_INET6, host, &sa6->sin6_addr) != 1) {
                        snprintf(error, error_size, "%s is not an IPv6 address", QUOTE(host));
                        return -EINVAL;
                }
                sa6->sin6_family = AF_INET6;
                sa6->sin6_port = htons((uint16_t) port);
                *ret_len = sizeof(*sa6);
        } else {
                struct sockaddr_in *sa4 = (struct sockaddr_in *) ret;

                if (inet_pton(AF_INET, host, &sa4->sin_addr) != 1) {
                        snprintf(error, error_size,
                                 "%s is not an IPv4 address (IPv6 goes in [], names are not looked up)",
                                 QUOTE(host));
                        return -EINVAL;
                }
                sa4->sin_family = AF_INET;
                sa4->sin_port = htons((uint16_t) port);
                *ret_len = sizeof(*sa4);
        }
        return 0;
}
