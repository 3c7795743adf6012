// Proxy-Wasm 0.2.1 constants and the import surface Envoy provides.

export const Status = { Ok: 0, NotFound: 1, BadArgument: 2, SerializationFailure: 3, ParseFailure: 4, InvalidMemoryAccess: 6, Empty: 7, CasMismatch: 8, InternalFailure: 10, Unimplemented: 12 } as const;
export const BufferType = { HttpRequestBody: 0, HttpResponseBody: 1, DownstreamData: 2, UpstreamData: 3, HttpCallResponseBody: 4, GrpcReceiveBuffer: 5, VmConfiguration: 6, PluginConfiguration: 7 } as const;
export const MetricType = { Counter: 0, Gauge: 1, Histogram: 2 } as const;
export const StreamType = { HttpRequest: 0, HttpResponse: 1, Downstream: 2, Upstream: 3 } as const;
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "critical"] as const;

/** Functions Envoy links for ABI 0.2.1 modules (module `env`). */
export const ENVOY_ENV_IMPORTS = new Set([
  "proxy_log", "proxy_get_log_level", "proxy_get_status", "proxy_set_effective_context",
  "proxy_set_tick_period_milliseconds", "proxy_get_current_time_nanoseconds",
  "proxy_get_property", "proxy_set_property",
  "proxy_get_buffer_bytes", "proxy_get_buffer_status", "proxy_set_buffer_bytes",
  "proxy_get_header_map_pairs", "proxy_set_header_map_pairs", "proxy_get_header_map_value",
  "proxy_add_header_map_value", "proxy_replace_header_map_value", "proxy_remove_header_map_value", "proxy_get_header_map_size",
  "proxy_continue_stream", "proxy_close_stream", "proxy_send_local_response",
  "proxy_http_call", "proxy_grpc_call", "proxy_grpc_stream", "proxy_grpc_send", "proxy_grpc_cancel", "proxy_grpc_close",
  "proxy_get_shared_data", "proxy_set_shared_data",
  "proxy_register_shared_queue", "proxy_resolve_shared_queue", "proxy_dequeue_shared_queue", "proxy_enqueue_shared_queue",
  "proxy_define_metric", "proxy_increment_metric", "proxy_record_metric", "proxy_get_metric",
  "proxy_call_foreign_function", "proxy_done",
]);

/** WASI functions Envoy provides (wasi_snapshot_preview1, also as wasi_unstable); most are stubs. */
export const ENVOY_WASI_IMPORTS = new Set([
  "args_get", "args_sizes_get", "clock_time_get", "environ_get", "environ_sizes_get",
  "fd_close", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_prestat_get", "fd_prestat_dir_name",
  "fd_read", "fd_seek", "fd_write", "path_open", "poll_oneoff", "proc_exit", "random_get", "sched_yield",
]);

/** Exports a Proxy-Wasm 0.2.1 module must have for Envoy to load it. */
export const REQUIRED_EXPORTS = ["proxy_abi_version_0_2_1", "memory", "proxy_on_context_create"];

/** Problems Envoy would have linking this module: imports it lacks, exports it needs. */
export function envoyLinkProblems(module: WebAssembly.Module): string[] {
  const problems: string[] = [];
  for (const imp of WebAssembly.Module.imports(module)) {
    const ok = imp.kind === "function" && (
      (imp.module === "env" && ENVOY_ENV_IMPORTS.has(imp.name)) ||
      ((imp.module === "wasi_snapshot_preview1" || imp.module === "wasi_unstable") && ENVOY_WASI_IMPORTS.has(imp.name)));
    if (!ok) problems.push(`import ${imp.module}.${imp.name} (${imp.kind}) is not provided by Envoy`);
  }
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  for (const e of REQUIRED_EXPORTS) if (!exports.has(e)) problems.push(`missing export ${e}`);
  if (!exports.has("malloc") && !exports.has("proxy_on_memory_allocate")) problems.push("missing allocator export (malloc or proxy_on_memory_allocate)");
  return problems;
}
