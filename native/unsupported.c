/* Off Linux the launcher is not used (macOS runs /usr/bin/sandbox-exec); this keeps `npm ci` working. */
#include <stdio.h>

#include "launcher_status.h"

int main(void) {
  fputs("bulwark-sandbox: arch: this launcher only runs on Linux\n", stderr);
  return ST_ARCH;
}
