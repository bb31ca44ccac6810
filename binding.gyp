{
  "targets": [
    {
      "target_name": "bulwark-sandbox",
      "type": "executable",
      "actions": [
        {
          "action_name": "sandbox_tables",
          "message": "Generating the launcher's status and seccomp tables from native/sandbox-tables.json",
          "inputs": ["native/sandbox-tables.json", "scripts/gen-sandbox-tables.mjs"],
          "outputs": [
            "<(SHARED_INTERMEDIATE_DIR)/launcher_status.h",
            "<(SHARED_INTERMEDIATE_DIR)/seccomp_table.h"
          ],
          "action": ["node", "scripts/gen-sandbox-tables.mjs", "native/sandbox-tables.json", "<@(_outputs)"]
        }
      ],
      "include_dirs": ["<(SHARED_INTERMEDIATE_DIR)"],
      "conditions": [
        ["OS=='linux'", {
          "sources": [
            "native/launcher.c",
            "native/landlock.c",
            "native/isolation.c",
            "native/seccomp_filter.c",
            "native/report.c",
            "native/reaper.c",
            "native/mountns.c"
          ],
          "cflags": ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-D_FORTIFY_SOURCE=2", "-fstack-protector-strong", "-fPIE"],
          "ldflags": ["-pie", "-Wl,-z,relro,-z,now"]
        }],
        ["OS!='linux'", {
          "sources": ["native/unsupported.c"]
        }]
      ]
    }
  ]
}
