// Where things live: the project (or installed package) root and the gitignored cache.
import { fileURLToPath } from "node:url";
import path from "node:path";

/** The package root: this file is dist/tools/lib/paths.js. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Downloads and installs (Envoy venv, Kafka jars, descriptor jars). Override with KPW_CACHE. */
export const CACHE = process.env.KPW_CACHE ? path.resolve(process.env.KPW_CACHE) : path.join(ROOT, ".cache");

export function rootPath(...parts: string[]): string {
  return path.join(ROOT, ...parts);
}

export function cachePath(...parts: string[]): string {
  return path.join(CACHE, ...parts);
}
