// The rules a topic must pass. Each answers null (passes) or the message the client gets with
// POLICY_VIOLATION, naming the rule as it is named in the configuration.
import { CreateTopicsRequest_CreatableTopic, matchesWhole } from "../../../assembly/index";
import { PolicyConfig } from "./config";

/** Whether `name` breaks name_pattern (always false when no pattern is set). */
export function breaksNameRule(c: PolicyConfig, name: string): bool {
  const re = c.nameRegex;
  return re != null && !matchesWhole(re, name);
}

function nameMessage(c: PolicyConfig, name: string): string {
  return "Topic name \"" + name + "\" breaks rule name_pattern: names must match " + c.namePattern;
}

/** A count the request leaves to the broker (-1) is checked against the configured default, if any. */
function countMessage(name: string, rule: string, what: string, asked: i32, min: i32, defaultValue: i32, defaultKey: string): string | null {
  if (min <= 0) return null;
  let count = asked;
  let fromDefault = false;
  if (count < 0) {
    if (defaultValue < 0) {
      return "Topic \"" + name + "\" breaks rule " + rule + ": the request leaves the " + what + " to the broker's default, which this policy cannot check (" +
        defaultKey + " is not set); ask for at least " + min.toString();
    }
    count = defaultValue;
    fromDefault = true;
  }
  if (count >= min) return null;
  return "Topic \"" + name + "\" breaks rule " + rule + ": " + what + " " + count.toString() + (fromDefault ? " (the broker's default)" : "") +
    " is below the minimum of " + min.toString();
}

/** The first rule the topic breaks, or null. */
export function createViolation(c: PolicyConfig, t: CreateTopicsRequest_CreatableTopic): string | null {
  if (breaksNameRule(c, t.name)) return nameMessage(c, t.name);
  // With a manual assignment the partition count is the number of assignments and the
  // replication factor the number of replicas each lists (numPartitions and replicationFactor are -1).
  let partitions = t.numPartitions;
  let replicas = <i32>t.replicationFactor;
  const assignments = t.assignments;
  if (assignments.length > 0) {
    partitions = assignments.length;
    replicas = i32.MAX_VALUE;
    for (let i = 0; i < assignments.length; i++) replicas = min(replicas, assignments[i].brokerIds.length);
  }
  const p = countMessage(t.name, "min_partitions", "partition count", partitions, c.minPartitions, c.defaultPartitions, "default_partitions");
  if (p != null) return p;
  return countMessage(t.name, "min_replication_factor", "replication factor", replicas, c.minReplicationFactor, c.defaultReplicationFactor, "default_replication_factor");
}

/**
 * Why a topic the broker auto-creates (with its default partition count and replication
 * factor, which the request cannot choose) would break a count rule, or null when it would not.
 */
export function autoCreateViolation(c: PolicyConfig, name: string): string | null {
  const t = new CreateTopicsRequest_CreatableTopic();
  t.name = name;
  t.numPartitions = -1;
  t.replicationFactor = -1;
  return createViolation(c, t);
}
