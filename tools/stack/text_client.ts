// The line-oriented client the demo produces and consumes its text records with: kcat when it
// is installed or can be (apt-get, as root), otherwise Kafka's Java console clients, which run
// from the broker's own jars and so are always there when the broker is.
import { kcat, javaClients, installKcat, kcatInstallBlocker } from "./clients.js";
import { have, step } from "../lib/proc.js";

export interface TextClient {
  /** Printed above the records it sent and consumed. */
  title: string;
  produce(bootstrap: string, topic: string, lines: string[]): Promise<unknown>;
  /** The topic's records from the beginning, one string per record; at most `count`. */
  consume(bootstrap: string, topic: string, count: number): Promise<string[]>;
}

const kcatClient: TextClient = {
  title: "kcat (librdkafka), CRC checks on",
  produce: (bootstrap, topic, lines) => kcat.produce(bootstrap, topic, lines),
  // -e stops at the end of the partition, so kcat returns what is there, never waits for `count`.
  consume: async (bootstrap, topic, count) => (await kcat.consume(bootstrap, topic, ["-X", "check.crcs=true"])).slice(0, count),
};

const javaConsoleClient: TextClient = {
  title: "Kafka's Java console producer and consumer, CRC checks on",
  produce: (bootstrap, topic, lines) => javaClients.produce(bootstrap, topic, lines),
  consume: (bootstrap, topic, count) => javaClients.consume(bootstrap, topic, count, ["check.crcs=true"]),
};

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

/** kcat if it is on the PATH or apt-get installs it; else the Java console clients, saying why in one line. */
export async function textClient(): Promise<TextClient> {
  if (have("kcat")) return kcatClient;
  let blocked = kcatInstallBlocker();
  if (blocked === null) {
    try {
      await installKcat();
      if (have("kcat")) {
        step("kcat: installed");
        return kcatClient;
      }
      blocked = "apt-get installed the package but kcat is not on the PATH";
    } catch (e) {
      blocked = firstLine(e);
    }
  }
  step(`kcat is not installed and cannot be installed here (${blocked}): the text records go through Kafka's Java console clients instead (for kcat: apt-get install kcat)`);
  return javaConsoleClient;
}
