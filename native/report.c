#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int report_fd = -1;

static void write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return; /* nothing sensible left to do: the exit status still tells the caller */
    }
    buf += n;
    len -= (size_t)n;
  }
}

/* Newlines in a message would forge extra report lines; flatten them. */
static void one_line(char *s) {
  for (; *s; s++)
    if (*s == '\n' || *s == '\r') *s = ' ';
}

static void emit(const char *kind, const char *layer, const char *msg, int to_stderr_as_warning) {
  char line[1200];
  int n;
  if (to_stderr_as_warning)
    n = snprintf(line, sizeof line, "bulwark-sandbox: warning: %s not enforced: %s (allowed by --allow-degraded)\n", layer, msg);
  else
    n = snprintf(line, sizeof line, "bulwark-sandbox: %s: %s\n", layer, msg);
  if (n > 0) write_all(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  if (report_fd >= 0) {
    n = snprintf(line, sizeof line, "%s %s %s\n", kind, layer, msg);
    if (n > 0) write_all(report_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  }
}

static void vformat(char *buf, size_t size, const char *fmt, va_list ap, int with_errno, int saved_errno) {
  vsnprintf(buf, size, fmt, ap);
  if (with_errno) {
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, ": %s", strerror(saved_errno));
  }
  one_line(buf);
}

void die(enum launch_status status, const char *layer, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vformat(msg, sizeof msg, fmt, ap, 0, 0);
  va_end(ap);
  emit("error", layer, msg, 0);
  _exit(status);
}

void die_errno(enum launch_status status, const char *layer, const char *fmt, ...) {
  int saved = errno;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vformat(msg, sizeof msg, fmt, ap, 1, saved);
  va_end(ap);
  emit("error", layer, msg, 0);
  _exit(status);
}

void degrade(int allow_degraded, enum launch_status status, const char *layer, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vformat(msg, sizeof msg, fmt, ap, 0, 0);
  va_end(ap);
  if (!allow_degraded) {
    emit("error", layer, msg, 0);
    _exit(status);
  }
  emit("degraded", layer, msg, 1);
}

void json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
}

void report_print_statuses(FILE *out) {
  const char *sep = "";
  fputc('[', out);
  /* The code printed is the enum's value, so a generated enum that disagrees with the table shows. */
#define PRINT_STATUS(symbol, code, layer, meaning)                 \
  _Static_assert((symbol) == (code), #symbol " has its table code"); \
  fprintf(out, "%s{\"code\":%d,\"symbol\":", sep, (int)(symbol)); \
  json_string(out, #symbol);                                       \
  fputs(",\"layer\":", out);                                       \
  json_string(out, layer);                                         \
  fputs(",\"meaning\":", out);                                     \
  json_string(out, meaning);                                       \
  fputc('}', out);                                                 \
  sep = ",";
  LAUNCH_STATUS_TABLE(PRINT_STATUS)
#undef PRINT_STATUS
  fputc(']', out);
}
