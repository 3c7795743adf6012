import { apiName, isKnownApi, isFlexible, requestHeaderVersion, responseHeaderVersion, maxVersion, minVersion } from "../../assembly/kafka/generated/api_table";

describe("generated API table", () => {
  it("names APIs, including ones Kafka 4.0 removed", () => {
    expect(apiName(0)).toBe("Produce");
    expect(apiName(18)).toBe("ApiVersions");
    expect(apiName(7)).toBe("ControlledShutdown");
    expect(apiName(0)).toBe("Produce"); // cached path
    expect(apiName(999)).toBe("Unknown999");
    expect(apiName(-1)).toBe("Unknown-1");
  });

  it("covers the union of 3.9 and 4.x versions", () => {
    expect(minVersion(0)).toBe(0);
    expect(maxVersion(0)).toBeGreaterThanOrEqual(12);
    expect(isKnownApi(0, 2)).toBe(true);
    expect(isKnownApi(0, 99)).toBe(false);
    expect(isKnownApi(500, 0)).toBe(false);
  });

  it("picks header versions with Kafka's exceptions", () => {
    expect(isFlexible(0, 9)).toBe(true);
    expect(isFlexible(0, 8)).toBe(false);
    expect(requestHeaderVersion(0, 9)).toBe(2);
    expect(requestHeaderVersion(0, 8)).toBe(1);
    expect(responseHeaderVersion(0, 9)).toBe(1);
    expect(responseHeaderVersion(0, 8)).toBe(0);
    expect(responseHeaderVersion(18, 4)).toBe(0);
    expect(requestHeaderVersion(18, 4)).toBe(2);
    expect(requestHeaderVersion(7, 0)).toBe(0);
    expect(requestHeaderVersion(7, 1)).toBe(1);
  });
});
