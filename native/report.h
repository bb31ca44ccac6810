/* One-line failure reporting and the status pipe the TS driver reads. */
#ifndef BULWARK_REPORT_H
#define BULWARK_REPORT_H

#include <stdio.h>

/* enum launch_status: one exit status per layer, generated from native/sandbox-tables.json (the
 * TS driver reads the same file to interpret them). */
#include "launcher_status.h"

/* fd for machine-readable lines ("degraded LAYER REASON", "error LAYER REASON"); -1 if none. */
extern int report_fd;

/* Prints "bulwark-sandbox: LAYER: MESSAGE" on stderr, reports it, and exits with STATUS. */
void die(enum launch_status status, const char *layer, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
/* As die() but appends strerror(errno). */
void die_errno(enum launch_status status, const char *layer, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
/* A layer that could not be enforced: fatal unless the override was given, then warned and reported. */
void degrade(int allow_degraded, enum launch_status status, const char *layer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes S as a JSON string (quotes, backslashes and control characters escaped). */
void json_string(FILE *out, const char *s);
/* Writes the compiled-in status table as a JSON array of {code, symbol, layer, meaning}. */
void report_print_statuses(FILE *out);

#endif
