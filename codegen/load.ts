// Loads descriptors from jars or folders, and merges several Kafka releases into one view.
import fs from "node:fs";
import path from "node:path";
import { readJarEntries } from "./jar.js";
import { Descriptor, parseDescriptor } from "./descriptor.js";

const MESSAGE_DIR = "common/message/";

/** Parses every descriptor in one source: a kafka-clients jar, or a folder of *.json files. */
export function loadSource(source: string): Descriptor[] {
  if (!fs.existsSync(source)) throw new Error(`${source}: no such file or folder`);
  if (fs.statSync(source).isDirectory()) {
    return fs.readdirSync(source).filter((f) => f.endsWith(".json")).sort()
      .map((f) => parseDescriptor(path.join(source, f), fs.readFileSync(path.join(source, f), "utf8")));
  }
  return readJarEntries(source, (n) => n.startsWith(MESSAGE_DIR) && n.endsWith(".json"))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((e) => parseDescriptor(`${path.basename(source)}!/${e.name}`, e.data.toString("utf8")));
}

/** One API as the union of the releases describe it. */
export interface Api {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** Lowest flexible version, or -1 when the API has none. */
  flexibleMin: number;
  request: Descriptor;
  response: Descriptor;
  /** How many of the merged releases describe this API. */
  releases: number;
}

/**
 * Merges releases, newest first: an API's version range is the union over releases
 * (so versions removed by Kafka 4.0 stay decodable), its flexible threshold must agree.
 */
export function mergeApis(releases: Descriptor[][]): Api[] {
  const byKey = new Map<number, Api>();
  for (const descriptors of releases) {
    const requests = descriptors.filter((d) => d.type === "request");
    for (const req of requests) {
      // A release that removed an API keeps its descriptor with validVersions "none".
      if (req.validVersions.empty) continue;
      const resp = descriptors.find((d) => d.type === "response" && d.apiKey === req.apiKey);
      if (!resp) throw new Error(`${req.file}: api ${req.apiKey} has a request but no response descriptor`);
      const key = req.apiKey!;
      const flexMin = req.flexibleVersions.empty ? -1 : req.flexibleVersions.min;
      const existing = byKey.get(key);
      if (!existing) {
        byKey.set(key, {
          key, name: req.name.replace(/Request$/, ""),
          minVersion: req.validVersions.min, maxVersion: req.validVersions.max,
          flexibleMin: flexMin, request: req, response: resp, releases: 1,
        });
        continue;
      }
      if (existing.flexibleMin !== flexMin) {
        throw new Error(`${req.file}: flexibleVersions of api ${key} (${flexMin}) differ from the newer release (${existing.flexibleMin})`);
      }
      existing.releases++;
      existing.minVersion = Math.min(existing.minVersion, req.validVersions.min);
      existing.maxVersion = Math.max(existing.maxVersion, req.validVersions.max);
    }
  }
  return [...byKey.values()].sort((a, b) => a.key - b.key);
}
