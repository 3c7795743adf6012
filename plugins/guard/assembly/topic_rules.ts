// The topic rules: each answers null (passes) or a Refusal whose message names the rule as the
// configuration names it. Codes are the ones Kafka gives for the case: a name is a policy
// matter (POLICY_VIOLATION); a partition count or replication factor it would not accept is
// INVALID_PARTITIONS or INVALID_REPLICATION_FACTOR.
import {
  CreateTopicsRequest_CreatableTopic, Refusal, ConfigRules, matchesWhole,
  POLICY_VIOLATION, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR,
} from "../../../assembly/index";
import { TopicRules } from "./config";

export function breaksNameRule(t: TopicRules, name: string): bool {
  const re = t.nameRegex;
  return re != null && !matchesWhole(re, name);
}

export function nameRefusal(t: TopicRules, name: string): Refusal {
  return new Refusal(POLICY_VIOLATION, "topics.name_pattern", "Topic name \"" + name + "\" breaks rule topics.name_pattern: names must match " + t.namePattern);
}

/** A count the request leaves to the broker (-1) is checked as the configured default, if any. */
function countRefusal(name: string, code: i16, rule: string, what: string, asked: i32, min: i32, max: i32, defaultValue: i32, defaultKey: string): Refusal | null {
  if (min <= 0 && max <= 0) return null;
  let count = asked;
  let fromDefault = "";
  if (count < 0) {
    if (defaultValue < 0) {
      const named = rule.replace("*", min > 0 ? "min" : "max");
      return new Refusal(code, named, "Topic \"" + name + "\" breaks rule " + named + ": the request leaves the " + what +
        " to the broker's default, which the policy cannot check (" + defaultKey + " is not set)");
    }
    count = defaultValue;
    fromDefault = " (the broker's default)";
  }
  if (min > 0 && count < min) {
    return new Refusal(code, rule.replace("*", "min"), "Topic \"" + name + "\" breaks rule " + rule.replace("*", "min") + ": " + what + " " + count.toString() + fromDefault + " is below the minimum of " + min.toString());
  }
  if (max > 0 && count > max) {
    return new Refusal(code, rule.replace("*", "max"), "Topic \"" + name + "\" breaks rule " + rule.replace("*", "max") + ": " + what + " " + count.toString() + fromDefault + " is above the maximum of " + max.toString());
  }
  return null;
}

/** The first rule a topic to create breaks: name, partitions, replication factor, configs. */
export function createRefusal(t: TopicRules, configs: ConfigRules, topic: CreateTopicsRequest_CreatableTopic): Refusal | null {
  if (breaksNameRule(t, topic.name)) return nameRefusal(t, topic.name);
  // With a manual assignment the partition count is the number of assignments and the
  // replication factor the fewest replicas one lists (numPartitions and replicationFactor are -1).
  let partitions = topic.numPartitions;
  let replicas = <i32>topic.replicationFactor;
  const assignments = topic.assignments;
  if (assignments.length > 0) {
    partitions = assignments.length;
    replicas = i32.MAX_VALUE;
    for (let i = 0; i < assignments.length; i++) replicas = min(replicas, assignments[i].brokerIds.length);
  }
  const p = countRefusal(topic.name, INVALID_PARTITIONS, "topics.*_partitions", "partition count", partitions, t.minPartitions, t.maxPartitions, t.defaultPartitions, "topics.default_partitions");
  if (p != null) return p;
  const r = countRefusal(topic.name, INVALID_REPLICATION_FACTOR, "topics.*_replication_factor", "replication factor", replicas, t.minReplicationFactor, 0, t.defaultReplicationFactor, "topics.default_replication_factor");
  if (r != null) return r;
  if (configs.empty) return null;
  const keys = new Array<string>(), values = new Array<string | null>();
  for (let i = 0; i < topic.configs.length; i++) { keys.push(topic.configs[i].name); values.push(topic.configs[i].value); }
  return configs.checkCreate(topic.name, keys, values);
}

/** Why a topic the broker would auto-create (with its defaults) breaks a rule, or null. */
export function autoCreateRefusal(t: TopicRules, configs: ConfigRules, name: string): Refusal | null {
  const topic = new CreateTopicsRequest_CreatableTopic();
  topic.name = name;
  topic.numPartitions = -1;
  topic.replicationFactor = -1;
  return createRefusal(t, configs, topic);
}

/** CreatePartitions: the new total may not pass max_partitions. */
export function partitionsRefusal(t: TopicRules, name: string, count: i32): Refusal | null {
  if (t.maxPartitions <= 0 || count <= t.maxPartitions) return null;
  return new Refusal(INVALID_PARTITIONS, "topics.max_partitions", "Topic \"" + name + "\" breaks rule topics.max_partitions: partition count " +
    count.toString() + " is above the maximum of " + t.maxPartitions.toString());
}

/** DeleteTopics: a protected topic stays. `name` "" is a topic given by an id the proxy cannot name. */
export function deleteRefusal(t: TopicRules, name: string, idHex: string): Refusal | null {
  if (t.protectedRegexes.length == 0) return null;
  if (name.length == 0) {
    return new Refusal(POLICY_VIOLATION, "topics.protected", "Topic id " + idHex + " breaks rule topics.protected: the proxy does not know this id's name, so it cannot tell whether the topic is protected; delete it by name");
  }
  for (let i = 0; i < t.protectedRegexes.length; i++) {
    if (matchesWhole(t.protectedRegexes[i], name)) {
      return new Refusal(POLICY_VIOLATION, "topics.protected", "Topic \"" + name + "\" breaks rule topics.protected: it matches " + t.protectedTexts[i] + " and may not be deleted");
    }
  }
  return null;
}
