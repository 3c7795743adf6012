// Where things live: the project (or installed package) root and the gitignored cache.
import { fileURLToPath } from "node:url";
import path from "node:path";
import os from "node:os";

/** The package root: this file is dist/tools/lib/paths.js. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/**
 * Downloads, installs (Envoy venv, Kafka jars, descriptor jars) and run folders. KPW_CACHE sets it.
 * In a checkout: its .cache/ (gitignored; CI keeps it). In an installed package: the user's cache
 * folder ($XDG_CACHE_HOME/kafka-proxy-wasm, or ~/.cache/kafka-proxy-wasm), so that reinstalling
 * the package (which replaces node_modules) does not download Envoy and Kafka again.
 */
export const CACHE = process.env.KPW_CACHE ? path.resolve(process.env.KPW_CACHE) : defaultCache();

function defaultCache(): string {
  if (!ROOT.split(path.sep).includes("node_modules")) return path.join(ROOT, ".cache");
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "kafka-proxy-wasm");
}

export function rootPath(...parts: string[]): string {
  return path.join(ROOT, ...parts);
}

export function cachePath(...parts: string[]): string {
  return path.join(CACHE, ...parts);
}
