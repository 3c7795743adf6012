export * from "../../../assembly/proxywasm/exports";
import { RootContext, ConnectionContext, registerRootContext, Counter, FilterStatus, logInfo } from "../../../assembly/proxywasm/index";

class Root extends RootContext {
  bytesIn: Counter = new Counter("kafka.bytes.direction_downstream");
  onConfigure(size: u32): bool { logInfo("configured"); return true; }
  createConnectionContext(id: u32): ConnectionContext | null { return new Conn(id, this); }
}
class Conn extends ConnectionContext {
  onDownstreamData(size: u32, eos: bool): FilterStatus {
    (this.root as Root).bytesIn.increment(size);
    return FilterStatus.Continue;
  }
}
registerRootContext((id: u32): RootContext => new Root(id));
