// The AssemblyScript runtime every module of this project is built with (asconfig.json:
// "runtime": "assembly/runtime/index", "stackSize": -1).
//
// - The collector is AssemblyScript's own two-colour mark & sweep (~lib/rt/tcms, what its
//   "minimal" runtime uses). It never runs by itself and does not scan the stack, so it may
//   only run when no managed reference lives on the stack: between host callbacks. The
//   Proxy-Wasm SDK calls it there (assembly/runtime/pacing.ts decides when).
// - The allocator is ours (allocator.ts): segregated free lists, several times cheaper per
//   object than TLSF for the many small objects a decoded Kafka message is made of.
//
// asc treats a runtime given by path as "incremental": the standard library then expects
// zero-filled blocks (the allocator zero-fills) and the compiler would keep a shadow stack for
// the incremental collector's stack scan. Nothing here scans the stack, so `"stackSize": -1`
// turns the shadow stack off.
import "~lib/rt/tcms";
import "./allocator";
