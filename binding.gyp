{
  "targets": [
    {
      "target_name": "bulwark-sandbox",
      "type": "executable",
      "conditions": [
        ["OS=='linux'", {
          "sources": [
            "native/launcher.c",
            "native/landlock.c",
            "native/seccomp_filter.c",
            "native/report.c",
            "native/reaper.c"
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
