// Layer 1: the raw Proxy-Wasm 0.2.1 imports, exactly as Envoy links them.
// Nothing here allocates or interprets; see host.ts for the safe wrappers.
// AssemblyScript drops imports a module never calls, so a plugin imports only what it uses.

@external("env", "proxy_log")
export declare function proxy_log(level: i32, messagePtr: usize, messageSize: usize): i32;

@external("env", "proxy_get_log_level")
export declare function proxy_get_log_level(levelPtr: usize): i32;

@external("env", "proxy_set_tick_period_milliseconds")
export declare function proxy_set_tick_period_milliseconds(millis: u32): i32;

@external("env", "proxy_get_current_time_nanoseconds")
export declare function proxy_get_current_time_nanoseconds(resultPtr: usize): i32;

@external("env", "proxy_get_buffer_bytes")
export declare function proxy_get_buffer_bytes(bufferType: i32, start: u32, maxSize: u32, returnPtrPtr: usize, returnSizePtr: usize): i32;

@external("env", "proxy_get_buffer_status")
export declare function proxy_get_buffer_status(bufferType: i32, lengthPtr: usize, flagsPtr: usize): i32;

@external("env", "proxy_set_buffer_bytes")
export declare function proxy_set_buffer_bytes(bufferType: i32, start: u32, length: u32, dataPtr: usize, dataSize: usize): i32;

@external("env", "proxy_get_property")
export declare function proxy_get_property(pathPtr: usize, pathSize: usize, returnPtrPtr: usize, returnSizePtr: usize): i32;

@external("env", "proxy_set_property")
export declare function proxy_set_property(pathPtr: usize, pathSize: usize, valuePtr: usize, valueSize: usize): i32;

@external("env", "proxy_define_metric")
export declare function proxy_define_metric(metricType: i32, namePtr: usize, nameSize: usize, returnIdPtr: usize): i32;

@external("env", "proxy_increment_metric")
export declare function proxy_increment_metric(metricId: u32, offset: i64): i32;

@external("env", "proxy_record_metric")
export declare function proxy_record_metric(metricId: u32, value: u64): i32;

@external("env", "proxy_get_metric")
export declare function proxy_get_metric(metricId: u32, resultPtr: usize): i32;

@external("env", "proxy_get_shared_data")
export declare function proxy_get_shared_data(keyPtr: usize, keySize: usize, returnValuePtrPtr: usize, returnValueSizePtr: usize, returnCasPtr: usize): i32;

@external("env", "proxy_set_shared_data")
export declare function proxy_set_shared_data(keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize, cas: u32): i32;

@external("env", "proxy_register_shared_queue")
export declare function proxy_register_shared_queue(namePtr: usize, nameSize: usize, returnIdPtr: usize): i32;

@external("env", "proxy_resolve_shared_queue")
export declare function proxy_resolve_shared_queue(vmIdPtr: usize, vmIdSize: usize, namePtr: usize, nameSize: usize, returnIdPtr: usize): i32;

@external("env", "proxy_enqueue_shared_queue")
export declare function proxy_enqueue_shared_queue(queueId: u32, valuePtr: usize, valueSize: usize): i32;

@external("env", "proxy_dequeue_shared_queue")
export declare function proxy_dequeue_shared_queue(queueId: u32, returnValuePtrPtr: usize, returnValueSizePtr: usize): i32;

@external("env", "proxy_http_call")
export declare function proxy_http_call(
  upstreamPtr: usize, upstreamSize: usize,
  headersPtr: usize, headersSize: usize,
  bodyPtr: usize, bodySize: usize,
  trailersPtr: usize, trailersSize: usize,
  timeoutMillis: u32, returnTokenPtr: usize): i32;

@external("env", "proxy_get_header_map_value")
export declare function proxy_get_header_map_value(mapType: i32, keyPtr: usize, keySize: usize, returnValuePtrPtr: usize, returnValueSizePtr: usize): i32;

@external("env", "proxy_continue_stream")
export declare function proxy_continue_stream(streamType: i32): i32;

@external("env", "proxy_close_stream")
export declare function proxy_close_stream(streamType: i32): i32;

@external("env", "proxy_done")
export declare function proxy_done(): i32;

@external("env", "proxy_set_effective_context")
export declare function proxy_set_effective_context(contextId: u32): i32;
