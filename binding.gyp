{
  "targets": [
    {
      "target_name": "tune_native",
      "sources": ["native/addon.c", "native/first_layer.c", "native/tail.c", "native/sparse.c", "native/copy.c"],
      "cflags": ["-O3", "-march=native", "-ffp-contract=off", "-fno-math-errno"],
      "cflags!": ["-O2"]
    },
    {
      "target_name": "tune_floor",
      "sources": ["native/floor.c"],
      "cflags": ["-O3", "-march=native", "-fno-math-errno", "-pthread"],
      "cflags!": ["-O2"],
      "libraries": ["-pthread"]
    }
  ]
}
