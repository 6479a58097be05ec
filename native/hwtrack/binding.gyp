{
  "targets": [
    {
      "target_name": "hwtrack",
      "sources": ["hwtrack.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpthread"]
    }
  ]
}
