// The Java clients' part of tests/e2e/guard.test.ts, in one JVM, over SASL PLAIN. Each step prints
// one JSON line per resource: {"step","name","ok","error","message"}. Run with the source launcher
// against the broker's jars:
//   java -cp '<kafka libs>/*' GuardAdmin.java <bootstrap> <user> <password> <step>...
// Steps: create:<name>:<partitions>:<replicationFactor>[:<key>=<value>]...  (one CreateTopics for all create steps)
//        alter:<name>:<key>=<value>  (one IncrementalAlterConfigs SET for all alter steps)
//        delete:<name>               (one DeleteTopics for all delete steps)
//        produce:<topic>:<acks>      (one record with the Java producer)
import java.util.*;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringSerializer;

public class GuardAdmin {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("security.protocol", "SASL_PLAINTEXT");
    props.put("sasl.mechanism", "PLAIN");
    props.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + args[1] + "\" password=\"" + args[2] + "\";");
    props.put("client.id", "guard-java");
    props.put("request.timeout.ms", "30000");
    List<NewTopic> creates = new ArrayList<>();
    Map<ConfigResource, Collection<AlterConfigOp>> alters = new LinkedHashMap<>();
    List<String> deletes = new ArrayList<>();
    List<String[]> produces = new ArrayList<>();
    for (int i = 3; i < args.length; i++) {
      String[] p = args[i].split(":");
      switch (p[0]) {
        case "create": {
          NewTopic t = new NewTopic(p[1], Integer.parseInt(p[2]), Short.parseShort(p[3]));
          Map<String, String> configs = new HashMap<>();
          for (int j = 4; j < p.length; j++) { String[] kv = p[j].split("=", 2); configs.put(kv[0], kv[1]); }
          creates.add(t.configs(configs));
          break;
        }
        case "alter": {
          String[] kv = p[2].split("=", 2);
          alters.put(new ConfigResource(ConfigResource.Type.TOPIC, p[1]), List.of(new AlterConfigOp(new ConfigEntry(kv[0], kv[1]), AlterConfigOp.OpType.SET)));
          break;
        }
        case "delete": deletes.add(p[1]); break;
        case "produce": produces.add(p); break;
        default: throw new IllegalArgumentException(args[i]);
      }
    }
    try (Admin admin = Admin.create(props)) {
      if (!creates.isEmpty()) {
        CreateTopicsResult r = admin.createTopics(creates);
        for (NewTopic t : creates) print("create", t.name(), () -> r.values().get(t.name()).get());
      }
      if (!alters.isEmpty()) {
        AlterConfigsResult r = admin.incrementalAlterConfigs(alters);
        for (ConfigResource c : alters.keySet()) print("alter", c.name(), () -> r.values().get(c).get());
      }
      if (!deletes.isEmpty()) {
        DeleteTopicsResult r = admin.deleteTopics(deletes);
        for (String d : deletes) print("delete", d, () -> r.topicNameValues().get(d).get());
      }
    }
    for (String[] p : produces) {
      Properties pp = new Properties();
      pp.putAll(props);
      pp.put("acks", p[2]);
      // Idempotence needs acks=all; a producer that asks for less turns it off.
      pp.put("enable.idempotence", String.valueOf(p[2].equals("all")));
      // Idempotence needs retries; without it one attempt is enough to see the refusal.
      if (!p[2].equals("all")) pp.put("retries", "0");
      pp.put("max.block.ms", "20000");
      pp.put("delivery.timeout.ms", "60000");
      pp.put("key.serializer", StringSerializer.class.getName());
      pp.put("value.serializer", StringSerializer.class.getName());
      try (Producer<String, String> producer = new KafkaProducer<>(pp)) {
        print("produce", p[1] + ":" + p[2], () -> producer.send(new ProducerRecord<>(p[1], "acks-" + p[2])).get());
      }
    }
  }

  interface Step { Object run() throws Exception; }

  static void print(String step, String name, Step s) {
    String line;
    try {
      s.run();
      line = "{\"step\":" + quote(step) + ",\"name\":" + quote(name) + ",\"ok\":true}";
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      line = "{\"step\":" + quote(step) + ",\"name\":" + quote(name) + ",\"ok\":false,\"error\":" + quote(c.getClass().getSimpleName()) + ",\"message\":" + quote(String.valueOf(c.getMessage())) + "}";
    } catch (Exception e) {
      line = "{\"step\":" + quote(step) + ",\"name\":" + quote(name) + ",\"ok\":false,\"error\":" + quote(e.getClass().getSimpleName()) + ",\"message\":" + quote(String.valueOf(e.getMessage())) + "}";
    }
    System.out.println(line);
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
