// The root context behind registerRecordTransform: reads the configuration (stream settings,
// then the record layer's, then the transform's own), and gives every connection a
// RecordConnection running the transform.
import { ConnectionContext, RootContext } from "../proxywasm/context";
import { registerRootContext } from "../proxywasm/dispatcher";
import { JsonValue } from "../config/json";
import { KafkaRoot } from "../stream/kafka_root";
import { TopicNames } from "../stream/topic_names";
import { RecordTransform } from "./record_transform";
import { Record } from "./record";
import { RecordConnection } from "./record_connection";
import { readRecordSettings, RecordScope, RECORD_SETTINGS } from "./scope";
import { STREAM_SETTINGS } from "../config/stream_config";

export class RecordRoot extends KafkaRoot {
  /** Topic ids to names, learnt from Metadata and shared with the VMs of the other workers. */
  readonly names: TopicNames = new TopicNames("records");

  constructor(id: u32, readonly transform: RecordTransform) { super(id); }

  settings(): Array<string> | null { return this.transform.settings(); }

  protected librarySettings(): Array<string> { return STREAM_SETTINGS.concat(RECORD_SETTINGS); }

  configure(doc: JsonValue | null): string {
    // The transform's own reading first: where it names one of the layer's keys, its message is the more precise.
    const own = this.transform.configure(doc);
    if (own.length > 0 || doc == null) return own;
    // Checked into a copy: a refused configuration leaves the scope the transform runs with as it was.
    const problem = readRecordSettings(doc, new RecordScope());
    if (problem.length > 0) return problem;
    readRecordSettings(doc, this.transform.scope);
    return "";
  }

  createConnectionContext(id: u32): ConnectionContext | null {
    return new RecordConnection(id, this, this.transform, this.names);
  }
}

// AssemblyScript functions cannot close over locals: the factory waits in a global.
let transformFactory: (() => RecordTransform) | null = null;

function newRecordRoot(id: u32): RootContext {
  const factory = transformFactory;
  return new RecordRoot(id, factory == null ? new KeepEverything() : factory());
}

/** Never used: a root exists only after registerRecordTransform set the factory. */
class KeepEverything extends RecordTransform {
  onRecord(record: Record): void {}
}

/** Runs `factory`'s transform on every connection of the plugin (one transform per plugin configuration). */
export function registerRecordTransform(factory: () => RecordTransform): void {
  transformFactory = factory;
  registerRootContext(newRecordRoot);
}
