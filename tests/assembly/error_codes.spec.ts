import { POLICY_VIOLATION, NONE, UNKNOWN_SERVER_ERROR, INVALID_TOPIC_EXCEPTION, NOT_LEADER_OR_FOLLOWER, errorName, isRetriableError } from "../../assembly/kafka/index";

describe("Kafka error codes", () => {
  it("names codes as Kafka's Errors enum does", () => {
    expect(POLICY_VIOLATION).toBe(44);
    expect(errorName(POLICY_VIOLATION)).toBe("POLICY_VIOLATION");
    expect(errorName(NONE)).toBe("NONE");
    expect(errorName(UNKNOWN_SERVER_ERROR)).toBe("UNKNOWN_SERVER_ERROR");
    expect(errorName(INVALID_TOPIC_EXCEPTION)).toBe("INVALID_TOPIC_EXCEPTION");
  });
  it("names a code Kafka does not define by its number", () => {
    expect(errorName(-2)).toBe("UNKNOWN_CODE_-2");
    expect(errorName(32000)).toBe("UNKNOWN_CODE_32000");
  });
  it("knows which errors Kafka's client retries", () => {
    expect(isRetriableError(NOT_LEADER_OR_FOLLOWER)).toBe(true);
    expect(isRetriableError(POLICY_VIOLATION)).toBe(false);
    expect(isRetriableError(NONE)).toBe(false);
  });
});
