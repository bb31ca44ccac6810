#define _GNU_SOURCE
#include "seccomp_filter.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "report.h"

/* Argument constants the rule table may name come from the headers above; this one is missing
 * from older ones. */
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* How a rule tests its syscall's argument (native/sandbox-tables.json, "when"). */
enum seccomp_test {
  SECCOMP_ALWAYS,      /* no test: every call gets the errno */
  SECCOMP_ARG_IN,      /* errno when the argument equals one of the values, else allowed */
  SECCOMP_ARG_NOT_IN,  /* errno when it equals none of them, else allowed */
  SECCOMP_ARG_ANY_BIT, /* errno when it has any bit of the values' union, else allowed */
};

struct seccomp_value {
  const char *name;
  uint32_t value;
};

struct seccomp_rule {
  const char *syscall;
  long nr;
  const char *errno_name;
  int errno_value;
  enum seccomp_test test;
  unsigned int arg;
  const struct seccomp_value *values;
  size_t nvalues;
};

/* Generated from native/sandbox-tables.json by scripts/gen-sandbox-tables.mjs (binding.gyp):
 * SECCOMP_ARCH_NAME / SECCOMP_AUDIT_ARCH / SECCOMP_KILL_NR_FROM and seccomp_rules[]. */
#include "seccomp_table.h"

/* The kernel reads every argument tested here as a 32-bit int: compare the low word only. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif

const char *seccomp_native_arch(void) {
#ifdef SECCOMP_ARCH_NAME
  return SECCOMP_ARCH_NAME;
#else
  return NULL;
#endif
}

int seccomp_available(void) {
  uint32_t action = SECCOMP_RET_KILL_PROCESS;
  return syscall(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

#ifdef SECCOMP_ARCH_NAME

#define MAX_INSNS 256
struct prog_builder {
  struct sock_filter insns[MAX_INSNS];
  size_t len;
};

/* Appends one instruction (jumps start as "next instruction" on both branches) and returns its
 * index, which the jump helpers below resolve targets against. */
static size_t emit(struct prog_builder *b, uint16_t code, uint32_t k) {
  if (b->len >= MAX_INSNS) die(ST_SECCOMP, "seccomp", "filter program too long");
  b->insns[b->len] = (struct sock_filter){.code = code, .jt = 0, .jf = 0, .k = k};
  return b->len++;
}

/* Every jump offset is computed here from two instruction indexes, never written by hand. Classic
 * BPF jumps only forward, by at most 255 instructions. */
static uint8_t jump_offset(const struct prog_builder *b, size_t from, size_t to) {
  if (from >= b->len || BPF_CLASS(b->insns[from].code) != BPF_JMP || BPF_OP(b->insns[from].code) == BPF_JA)
    die(ST_SECCOMP, "seccomp", "instruction %zu is not a conditional jump", from);
  if (to <= from || to - from - 1 > 255) die(ST_SECCOMP, "seccomp", "jump from %zu to %zu out of range", from, to);
  return (uint8_t)(to - from - 1);
}
static void jump_true(struct prog_builder *b, size_t from, size_t to) { b->insns[from].jt = jump_offset(b, from, to); }
static void jump_false(struct prog_builder *b, size_t from, size_t to) { b->insns[from].jf = jump_offset(b, from, to); }

static size_t ret(struct prog_builder *b, uint32_t action) { return emit(b, BPF_RET | BPF_K, action); }
static uint32_t ret_errno(int e) { return SECCOMP_RET_ERRNO | ((uint32_t)e & SECCOMP_RET_DATA); }

/* One rule: "nr != rule's syscall" skips it. An unconditional rule returns its errno. A conditional
 * one returns its errno when the test holds; otherwise it reloads the number (its body loaded an
 * argument) and goes on to the next rule, so a later rule may test another argument of the call. */
static void emit_rule(struct prog_builder *b, const struct seccomp_rule *r) {
  if (r->nr < 0 || (unsigned long)r->nr > UINT32_MAX) die(ST_SECCOMP, "seccomp", "bad syscall number for %s", r->syscall);
  if (r->errno_value <= 0 || (uint32_t)r->errno_value > SECCOMP_RET_DATA)
    die(ST_SECCOMP, "seccomp", "bad errno for %s", r->syscall);
  if (r->test != SECCOMP_ALWAYS && (r->arg > 5 || r->nvalues == 0 || r->values == NULL))
    die(ST_SECCOMP, "seccomp", "bad argument test for %s", r->syscall);
  const uint32_t deny = ret_errno(r->errno_value);
  const size_t is_call = emit(b, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)r->nr);
  if (r->test == SECCOMP_ALWAYS) {
    ret(b, deny);
    jump_false(b, is_call, b->len);
    return;
  }
  emit(b, BPF_LD | BPF_W | BPF_ABS, (uint32_t)ARG_LO(r->arg));
  size_t first = b->len, deny_at, next_at;
  switch (r->test) {
    case SECCOMP_ARG_IN:
      /* Any value listed: deny. The last comparison's false branch skips the denial. */
      for (size_t i = 0; i < r->nvalues; i++) emit(b, BPF_JMP | BPF_JEQ | BPF_K, r->values[i].value);
      deny_at = ret(b, deny);
      next_at = emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
      for (size_t i = 0; i < r->nvalues; i++) jump_true(b, first + i, deny_at);
      jump_false(b, first + r->nvalues - 1, next_at);
      break;
    case SECCOMP_ARG_NOT_IN:
      /* A value listed: on to the next rule; fell through every comparison: deny. */
      for (size_t i = 0; i < r->nvalues; i++) emit(b, BPF_JMP | BPF_JEQ | BPF_K, r->values[i].value);
      ret(b, deny);
      next_at = emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
      for (size_t i = 0; i < r->nvalues; i++) jump_true(b, first + i, next_at);
      break;
    case SECCOMP_ARG_ANY_BIT: {
      uint32_t mask = 0;
      for (size_t i = 0; i < r->nvalues; i++) mask |= r->values[i].value;
      if (mask == 0) die(ST_SECCOMP, "seccomp", "empty flag mask for %s", r->syscall);
      const size_t has_bit = emit(b, BPF_JMP | BPF_JSET | BPF_K, mask);
      deny_at = ret(b, deny);
      next_at = emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
      jump_true(b, has_bit, deny_at);
      jump_false(b, has_bit, next_at);
      break;
    }
    default:
      die(ST_SECCOMP, "seccomp", "unknown argument test %d for %s", (int)r->test, r->syscall);
  }
  jump_false(b, is_call, next_at);
}

/* Our own check of what the kernel's verifier also checks, so that a builder bug names itself:
 * every jump lands inside the program and the last instruction returns. */
static void check_program(const struct prog_builder *b) {
  if (b->len == 0 || BPF_CLASS(b->insns[b->len - 1].code) != BPF_RET) die(ST_SECCOMP, "seccomp", "filter does not end in a return");
  for (size_t i = 0; i < b->len; i++) {
    if (BPF_CLASS(b->insns[i].code) != BPF_JMP) continue;
    if (i + 1 + b->insns[i].jt >= b->len || i + 1 + b->insns[i].jf >= b->len)
      die(ST_SECCOMP, "seccomp", "jump at %zu leaves the filter", i);
  }
}

static void build(struct prog_builder *b) {
  /* A foreign architecture (i386 via int 0x80, arm32 compat) has another syscall table: kill. */
  emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  const size_t is_native = emit(b, BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_AUDIT_ARCH);
  ret(b, SECCOMP_RET_KILL_PROCESS);
  jump_true(b, is_native, b->len);
  emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef SECCOMP_KILL_NR_FROM
  const size_t foreign_nr = emit(b, BPF_JMP | BPF_JGE | BPF_K, SECCOMP_KILL_NR_FROM);
  ret(b, SECCOMP_RET_KILL_PROCESS);
  jump_false(b, foreign_nr, b->len);
#endif
  for (size_t i = 0; i < sizeof seccomp_rules / sizeof seccomp_rules[0]; i++) emit_rule(b, &seccomp_rules[i]);
  ret(b, SECCOMP_RET_ALLOW);
  check_program(b);
}

void seccomp_enforce(int allow_degraded) {
  if (!seccomp_available()) {
    degrade(allow_degraded, ST_SECCOMP, "seccomp", "seccomp filters with KILL_PROCESS are not available in this kernel");
    return;
  }
  struct prog_builder b = {.len = 0};
  build(&b);
  struct sock_fprog prog = {.len = (unsigned short)b.len, .filter = b.insns};
  if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
    die_errno(ST_SECCOMP, "seccomp", "installing the filter");
}

static const char *test_name(enum seccomp_test t) {
  switch (t) {
    case SECCOMP_ALWAYS: return "always";
    case SECCOMP_ARG_IN: return "in";
    case SECCOMP_ARG_NOT_IN: return "notIn";
    case SECCOMP_ARG_ANY_BIT: return "anyBitOf";
  }
  return "unknown";
}

void seccomp_print_json(FILE *out) {
  struct prog_builder b = {.len = 0};
  build(&b);
  fputs("{\"arch\":", out);
  json_string(out, SECCOMP_ARCH_NAME);
  fprintf(out, ",\"auditArch\":%lu", (unsigned long)SECCOMP_AUDIT_ARCH);
#ifdef SECCOMP_KILL_NR_FROM
  fprintf(out, ",\"killSyscallsFrom\":%lu", (unsigned long)SECCOMP_KILL_NR_FROM);
#else
  fputs(",\"killSyscallsFrom\":null", out);
#endif
  fputs(",\"foreignAbiShown\":", out);
  json_string(out, SECCOMP_FOREIGN_ABI_SHOWN);
  fputs(",\"rules\":[", out);
  for (size_t i = 0; i < sizeof seccomp_rules / sizeof seccomp_rules[0]; i++) {
    const struct seccomp_rule *r = &seccomp_rules[i];
    fputs(i ? ",{\"syscall\":" : "{\"syscall\":", out);
    json_string(out, r->syscall);
    fprintf(out, ",\"nr\":%ld,\"errno\":", r->nr);
    json_string(out, r->errno_name);
    fprintf(out, ",\"errnoValue\":%d,\"test\":\"%s\",\"arg\":%u,\"values\":[", r->errno_value, test_name(r->test), r->arg);
    for (size_t j = 0; j < r->nvalues; j++) {
      fputs(j ? ",{\"name\":" : "{\"name\":", out);
      json_string(out, r->values[j].name);
      fprintf(out, ",\"value\":%lu}", (unsigned long)r->values[j].value);
    }
    fputs("]}", out);
  }
  fputs("],\"program\":[", out);
  for (size_t i = 0; i < b.len; i++)
    fprintf(out, "%s[%u,%u,%u,%lu]", i ? "," : "", (unsigned)b.insns[i].code, (unsigned)b.insns[i].jt, (unsigned)b.insns[i].jf,
            (unsigned long)b.insns[i].k);
  fputs("]}", out);
}

#else

void seccomp_enforce(int allow_degraded) {
  (void)allow_degraded;
  /* Without a known syscall table the filter would be meaningless: never degrade this one. */
  die(ST_ARCH, "arch", "unsupported architecture; bulwark-sandbox supports x86_64 and aarch64");
}

void seccomp_print_json(FILE *out) {
  fputs("{\"arch\":null,\"auditArch\":null,\"killSyscallsFrom\":null,\"foreignAbiShown\":", out);
  json_string(out, SECCOMP_FOREIGN_ABI_SHOWN);
  fputs(",\"rules\":[],\"program\":[]}", out);
}

#endif
