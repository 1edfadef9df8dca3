/* Console logging. In a VM stderr is /dev/console, the only place a failure can be seen before
 * the host has a connection; one line per event keeps the serial log greppable. */
#include "agent.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

void log_msg(const char *fmt, ...)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "jvmm-agent[%d]: ", (int)getpid());
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = 0;
    while (line[len] && len < sizeof line - 2) len++;
    line[len++] = '\n';
    /* One write() so lines of concurrent handler processes do not interleave. */
    write_full(2, line, len);
}
