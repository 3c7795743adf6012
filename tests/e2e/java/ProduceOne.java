// Sends one record with Kafka's Java producer and prints the outcome as one JSON line:
// {"topic","ok","error","message"}. Run with the source launcher against the broker's jars:
//   java -cp '<kafka libs>/*' ProduceOne.java <bootstrap> <topic>
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;

public class ProduceOne {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    String topic = args[1];
    String line;
    try (Producer<String, String> producer = new KafkaProducer<>(props)) {
      producer.send(new ProducerRecord<>(topic, "x")).get();
      line = "{\"topic\":" + TopicPolicyAdminQuote.quote(topic) + ",\"ok\":true}";
    } catch (ExecutionException e) {
      line = outcome(topic, e.getCause());
    } catch (KafkaException e) {
      line = outcome(topic, e);
    }
    System.out.println(line);
  }

  static String outcome(String topic, Throwable c) {
    return "{\"topic\":" + TopicPolicyAdminQuote.quote(topic) + ",\"ok\":false,\"error\":" + TopicPolicyAdminQuote.quote(c.getClass().getSimpleName()) + ",\"message\":" + TopicPolicyAdminQuote.quote(String.valueOf(c.getMessage())) + "}";
  }
}

class TopicPolicyAdminQuote {
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
