// Prints Apache Kafka's error codes, one JSON object a line, in the order of the
// org.apache.kafka.common.protocol.Errors enum: {"name","code","retriable","message"},
// after a first line {"version"} naming the kafka-clients release.
// Run with the source launcher against a kafka-clients jar:
//   java -cp kafka-clients-<v>.jar codegen/java/ErrorCodes.java
// `kafka-proxy-wasm codegen --error-codes` turns the lines into assembly/kafka/error_codes.ts.
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;
import java.io.InputStream;
import java.util.Properties;

public class ErrorCodes {
  public static void main(String[] args) throws Exception {
    StringBuilder out = new StringBuilder();
    out.append("{\"version\":").append(quote(version())).append("}\n");
    for (Errors e : Errors.values()) {
      boolean retriable = e.exception() instanceof RetriableException;
      out.append("{\"name\":").append(quote(e.name()))
         .append(",\"code\":").append(e.code())
         .append(",\"retriable\":").append(retriable)
         .append(",\"message\":").append(quote(e.message() == null ? "" : e.message()))
         .append("}\n");
    }
    System.out.print(out);
  }

  /** The release, from the properties file the kafka-clients jar carries next to Errors. */
  static String version() throws Exception {
    Properties p = new Properties();
    try (InputStream in = Errors.class.getClassLoader().getResourceAsStream("kafka/kafka-version.properties")) {
      if (in == null) return "";
      p.load(in);
    }
    return p.getProperty("version", "");
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
