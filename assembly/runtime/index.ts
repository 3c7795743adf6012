// The AssemblyScript runtime every module of this project is built with (asconfig.json:
// "runtime": "assembly/runtime/index", "stackSize": -1).
//
// - allocator.ts: bump allocation inside free spans. A decoded Kafka message is many small
//   objects that all die together, so garbage lies in long runs; the sweep joins each run into
//   one span, and allocating is a pointer bump, far cheaper than TLSF's search, split and merge.
// - collector.ts: mark and sweep that runs only when called, between host callbacks, so it
//   needs neither a stack scan nor a write barrier; objects carry no list links.
// - pacing.ts: when to call it (the Proxy-Wasm SDK's exports do, at the end of each callback).
//
// asc treats a runtime given by path as "incremental": the standard library then expects
// zero-filled blocks (the allocator zero-fills) and the compiler would keep a shadow stack for
// the incremental collector's stack scan. Nothing here scans the stack, so `"stackSize": -1`
// turns the shadow stack off.
import "./allocator";
import "./collector";
