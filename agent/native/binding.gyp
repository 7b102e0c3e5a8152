{
  "targets": [
    {
      "target_name": "fleetvisor_native",
      "sources": ["fleetvisor_native.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
