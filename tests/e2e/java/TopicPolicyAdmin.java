// Creates topics with Kafka's Java Admin client and prints each topic's outcome as one JSON
// line: {"topic","ok","error","message"}. Run with the source launcher against the broker's jars:
//   java -cp '<kafka libs>/*' TopicPolicyAdmin.java <bootstrap> <validateOnly> <name:partitions:replicationFactor>...
// (partitions or replication factor -1: the broker's default).
import java.util.*;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.*;

public class TopicPolicyAdmin {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
    boolean validateOnly = Boolean.parseBoolean(args[1]);
    List<NewTopic> topics = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      String[] p = args[i].split(":");
      int partitions = Integer.parseInt(p[1]);
      short rf = Short.parseShort(p[2]);
      topics.add(new NewTopic(p[0], partitions < 0 ? Optional.empty() : Optional.of(partitions), rf < 0 ? Optional.empty() : Optional.of(rf)));
    }
    try (Admin admin = Admin.create(props)) {
      CreateTopicsResult result = admin.createTopics(topics, new CreateTopicsOptions().validateOnly(validateOnly));
      for (NewTopic t : topics) {
        String line;
        try {
          result.values().get(t.name()).get();
          line = "{\"topic\":" + quote(t.name()) + ",\"ok\":true}";
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          line = "{\"topic\":" + quote(t.name()) + ",\"ok\":false,\"error\":" + quote(c.getClass().getSimpleName()) + ",\"message\":" + quote(String.valueOf(c.getMessage())) + "}";
        }
        System.out.println(line);
      }
    }
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
