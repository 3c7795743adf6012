// Layer 3: what plugin authors extend. Override only the callbacks you need.
import { FilterStatus, PeerType, StreamType, BufferType } from "./enums";
import { proxy_close_stream, proxy_done } from "./hostcalls";
import { getBufferBytes } from "./buffers";

/** One per plugin per worker VM: owns configuration, timers and aggregation. */
export class RootContext {
  constructor(readonly id: u32) {}

  /** The VM started; `vmConfigurationSize` bytes of vm_config.configuration are readable. */
  onVmStart(vmConfigurationSize: u32): bool { return true; }

  /** Returning false rejects the configuration: Envoy refuses it. */
  onConfigure(pluginConfigurationSize: u32): bool { return true; }

  onTick(): void {}

  onQueueReady(queueId: u32): void {}

  /** A callout finished. `headerCount` 0 means it failed (no response). */
  onHttpCallResponse(token: u32, headerCount: u32, bodySize: u32, trailerCount: u32): void {}

  /** Return false to finish asynchronously and call done() later. */
  onDone(): bool { return true; }

  onDelete(): void {}

  /** Creates the context for a new connection; null leaves the connection unfiltered. */
  createConnectionContext(contextId: u32): ConnectionContext | null { return null; }

  /** Reads the plugin configuration (valid inside onConfigure). */
  pluginConfiguration(size: u32): ArrayBuffer {
    return getBufferBytes(BufferType.PluginConfiguration, 0, size);
  }

  /** Reads the VM configuration (valid inside onVmStart). */
  vmConfiguration(size: u32): ArrayBuffer {
    return getBufferBytes(BufferType.VmConfiguration, 0, size);
  }

  /** Tells the host an onDone that returned false has finished. */
  done(): void { proxy_done(); }
}

/** One per TCP connection through the filter. */
export class ConnectionContext {
  constructor(readonly id: u32, readonly root: RootContext) {}

  onNewConnection(): FilterStatus { return FilterStatus.Continue; }

  /** Client → broker bytes: `size` bytes are in the DownstreamData buffer. */
  onDownstreamData(size: u32, endOfStream: bool): FilterStatus { return FilterStatus.Continue; }

  /** Broker → client bytes: `size` bytes are in the UpstreamData buffer. Pause is not supported here. */
  onUpstreamData(size: u32, endOfStream: bool): FilterStatus { return FilterStatus.Continue; }

  onDownstreamClose(peer: PeerType): void {}

  onUpstreamClose(peer: PeerType): void {}

  onDone(): bool { return true; }

  onLog(): void {}

  onDelete(): void {}

  /**
   * Called by the dispatcher when the host deletes this context, before onDelete: a layer built
   * on this class gives back what it holds here (plugins override onDelete instead).
   */
  releaseResources(): void {}

  /** Closes the client connection after flushing what was already forwarded. */
  closeDownstream(): void { proxy_close_stream(StreamType.Downstream); }

  closeUpstream(): void { proxy_close_stream(StreamType.Upstream); }
}
