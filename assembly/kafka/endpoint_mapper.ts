// What the generated walker (generated/endpoints.ts) hands each broker address in a response to.
// A proxy subclasses it to put the address clients should use in place of the broker's own.

export abstract class EndpointMapper {
  /** The address to write back, set by map(). */
  host: string = "";
  port: i32 = 0;
  /** Set by map() when an address it returned differs from the one it was given. */
  changed: bool = false;
  /** Set by the walker when map() refused an address. */
  refused: bool = false;

  /**
   * The address clients should see for node `nodeId`, which the broker gave as `host`:`port`:
   * sets `host` and `port` and returns true, or returns false to refuse the whole response.
   */
  abstract map(nodeId: i32, host: string | null, port: i32): bool;
}
