{
  "targets": [
    {
      "target_name": "tune_native",
      "sources": ["native/first_layer.c"],
      "cflags": ["-O3", "-march=native", "-ffp-contract=off", "-fno-math-errno"],
      "cflags!": ["-O2"]
    }
  ]
}
