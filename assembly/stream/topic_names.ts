// Topic ids to names. Newer Produce (v13+) and Fetch (v13+) name topics by id only, so a
// plugin that reports or decides by topic name learns the mapping from Metadata responses.
// A client's connections can land on different Envoy workers (separate VMs), so each
// mapping is also published in shared data, where any worker finds it.
import { MetadataResponse } from "../kafka/generated/messages/metadata";
import { getSharedData, setSharedData } from "../proxywasm/shared_data";
import { Status } from "../proxywasm/enums";

/** 32 lower-case hex digits of a topic id. */
export function topicIdHex(id: Uint8Array): string {
  let s = "";
  for (let i = 0; i < id.byteLength; i++) s += (id[i] < 16 ? "0" : "") + id[i].toString(16);
  return s;
}

export class TopicNames {
  private readonly names: Map<string, string> = new Map();
  /** `scope` keeps plugins' shared-data keys apart ("telemetry", "pii", …). */
  constructor(readonly scope: string) {}

  /** Learns every (id, name) a Metadata response carries. */
  learn(md: MetadataResponse): void {
    for (let i = 0; i < md.topics.length; i++) {
      const tp = md.topics[i];
      const name = tp.name;
      if (name == null || name.length == 0) continue;
      const key = topicIdHex(tp.topicId);
      if (key == "00000000000000000000000000000000" || this.names.has(key)) continue;
      this.names.set(key, name);
      setSharedData(this.scope + ".topic." + key, String.UTF8.encode(name));
    }
  }

  /** `name` when the message carried one, else the learned name for `id`, else "" (unknown). */
  nameOf(name: string | null, id: Uint8Array): string {
    if (name != null && name.length > 0) return name;
    const key = topicIdHex(id);
    if (this.names.has(key)) return this.names.get(key);
    const shared = getSharedData(this.scope + ".topic." + key);
    const v = shared.value;
    if (shared.status == Status.Ok && v != null && v.byteLength > 0) {
      const found = String.UTF8.decode(v);
      this.names.set(key, found);
      return found;
    }
    return "";
  }
}
